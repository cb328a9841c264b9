import type { Command } from "commander";
import { createPlatform, isLoopback } from "../app/index.js";
import { PortcullisError } from "../core/index.js";
import { buildServer } from "../server/index.js";
import { serveUntilStopped } from "./drain.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { cliLogger } from "./pretty-log.js";

interface ServeFlags extends PlatformFlags {
  listen?: string;
  insecurePublic?: boolean;
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
      .option("--insecure-public", "listen beyond loopback although every request is anonymous")
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
    "log.format": flags.logFormat,
  });
  const { host, port } = config.server;
  if (!isLoopback(host) && !config.server.insecurePublic) {
    throw new PortcullisError(
      "CONFIG_INVALID",
      `refusing to listen on ${host}: authentication is anonymous in this version, so anyone who can reach ` +
        "the port could push and delete. Listen on 127.0.0.1, or pass --insecure-public if that is what you want.",
    );
  }
  const logger = cliLogger(config.log.level, config.log.format);
  const platform = await createPlatform(config, { version, logger });
  const { app } = buildServer(platform);
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
    { listen: `${host}:${bound}`, data: config.storage.dataDir, database: platform.database.description },
    "portcullis is serving",
  );

  return serveUntilStopped({
    app,
    logger: platform.logger,
    shutdownTimeoutMs: config.server.shutdownTimeoutMs,
    stopWork: stopJobs,
    // SIGHUP: look at the policy files now, as the background job does every policy.reloadInterval.
    onHangup: () => platform.reloadPolicies(),
    close: () => platform.close(),
  });
}
