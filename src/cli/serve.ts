import type { Command } from "commander";
import type { Logger } from "pino";
import { createPlatform, type ResolvedConfig } from "../app/index.js";
import { PortcullisError } from "../core/index.js";
import { buildServer, logTlsReload, type ReloadableTls } from "../server/index.js";
import { serveUntilStopped } from "./drain.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { cliLogger } from "./pretty-log.js";
import { exposureOf } from "./serve-exposure.js";
import { loadTlsFiles } from "./tls-files.js";

interface ServeFlags extends PlatformFlags {
  listen?: string;
  insecurePublic?: boolean;
  insecureHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  trustedRoot?: string;
  logFormat?: string;
}

export function registerServe(program: Command, setExit: (code: number) => void): void {
  withPlatformFlags(
    program
      .command("serve")
      .description(
        "serve the OCI registry (/v2/), the management API (/api/v1/), /metrics, /healthz and /readyz",
      )
      .option("-l, --listen <host:port>", "address to listen on (default 127.0.0.1:5000)")
      .option("--tls-cert <file>", "serve HTTPS with this PEM certificate chain (reloaded when it changes)")
      .option("--tls-key <file>", "the certificate's PEM private key")
      .option(
        "--trusted-root <file>",
        "Sigstore trusted_root.json for the policies' keyless signers (trust.trustedRoot)",
      )
      .option(
        "--insecure-public",
        "listen beyond loopback although every request is anonymous (auth.mode anonymous)",
      )
      .option(
        "--insecure-http",
        "listen beyond loopback with accounts over plain HTTP (a proxy in front terminates TLS)",
      )
      .option(
        "--log-format <format>",
        "pretty (for people), json (for machines) or auto: pretty on a terminal",
      ),
  ).action(async (flags: ServeFlags) => {
    setExit(await serve(flags, program.version() ?? "dev"));
  });
}

async function serve(flags: ServeFlags, version: string): Promise<number> {
  const config = configFrom(flags, {
    "server.listen": flags.listen,
    "server.insecurePublic": flags.insecurePublic,
    "server.insecureHttp": flags.insecureHttp,
    "server.tlsCert": flags.tlsCert,
    "server.tlsKey": flags.tlsKey,
    "trust.trustedRoot": flags.trustedRoot,
    "log.format": flags.logFormat,
  });
  const { host, port } = config.server;
  const exposure = exposureOf(config);
  if (!exposure.allowed) throw new PortcullisError("CONFIG_INVALID", exposure.reason);
  // Read before anything is opened: a missing or mismatched file stops here, naming it (exit 2).
  const tls = config.tls ? loadTlsFiles(config.tls, flags) : undefined;
  const logger = cliLogger(config.log.level, config.log.format);
  const platform = await createPlatform(config, { version, logger });
  const { app } = buildServer(platform, tls ? { tls } : {});
  try {
    // Fastify's own line comes first and says where to point clients.
    await app.listen({
      host,
      port,
      listenTextResolver: (address) => `Portcullis ${version} listening on ${address}`,
    });
  } catch (err) {
    await platform.close().catch(() => {});
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortcullisError(
        "CONFIG_INVALID",
        `${host}:${port} is already in use by another process: stop it, or listen elsewhere with --listen ${host}:${port + 1}`,
      );
    }
    throw err;
  }
  const stopJobs = platform.startBackgroundJobs();
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  platform.logger.info(
    {
      listen: `${host}:${bound}`,
      data: config.storage.dataDir,
      // Where the blobs are, never with what keys.
      ...(config.storage.s3
        ? {
            s3: {
              endpoint: config.storage.s3.endpoint ?? "aws",
              bucket: config.storage.s3.bucket,
              prefix: config.storage.s3.prefix,
            },
          }
        : {}),
      database: platform.database.description,
      ...(tls ? { tls: { fingerprint: tls.current.fingerprint, validTo: tls.current.validTo } } : {}),
    },
    "portcullis is serving",
  );
  if (exposure.warning) platform.logger.warn(exposure.warning);
  const checkTls =
    tls && config.tls ? watchTls(tls, config.tls, platform.logger) : { check: () => {}, stop: () => {} };

  return serveUntilStopped({
    app,
    logger: platform.logger,
    shutdownTimeoutMs: config.server.shutdownTimeoutMs,
    stopWork: () => {
      stopJobs();
      checkTls.stop();
    },
    // SIGHUP: look at the policy and certificate files now, as the background jobs do every
    // policy.reloadInterval and server.tlsReloadInterval.
    onHangup: () => {
      platform.reloadPolicies();
      checkTls.check();
    },
    close: () => platform.close(),
  });
}

/** Checks the certificate files every server.tlsReloadInterval (0: only when asked), logging what changed. */
function watchTls(
  tls: ReloadableTls,
  config: NonNullable<ResolvedConfig["tls"]>,
  logger: Logger,
): { check(): void; stop(): void } {
  const fields = { certFile: config.certFile, keyFile: config.keyFile };
  warnIfExpired(tls, logger);
  const report = (outcome: ReturnType<ReloadableTls["check"]>) => {
    // The fingerprint logged on failure is the one still served: `current` is only replaced on success.
    if (logTlsReload(logger, outcome, tls.current, fields) && outcome.result === "reloaded") {
      warnIfExpired(tls, logger);
    }
  };
  const stop = config.reloadIntervalMs > 0 ? tls.watch(config.reloadIntervalMs, report) : () => {};
  return { check: () => report(tls.check()), stop };
}

/** An expired certificate is still served (refusing to start helps no one), but said loudly. */
function warnIfExpired(tls: ReloadableTls, logger: Logger): void {
  const { validTo, fingerprint } = tls.current;
  if (Date.parse(validTo) <= Date.now()) {
    logger.warn({ validTo, fingerprint }, "the TLS certificate has expired: clients will refuse it");
  }
}
