import { resolve } from "node:path";
import { type Command, Option } from "commander";
import pino from "pino";
import { createWebhookServices, logReload, parseListen, type ReloadOutcome } from "../app/index.js";
import { parseDuration } from "../core/index.js";
import {
  type AdmissionAuthentication,
  AdmissionMetrics,
  buildAdmissionServer,
  deadlineFor,
  fromPolicyGate,
  logTlsReload,
  type TlsReloadOutcome,
} from "../server/index.js";
import { loadTrustedRoot, MAX_TRUSTED_ROOT_BYTES } from "../trust/index.js";
import {
  failurePolicyOf,
  invalid,
  readPem,
  readText,
  readToken,
  registerAdmissionSetup,
  timeoutSecondsOf,
} from "./admission-setup.js";
import { serveUntilStopped } from "./drain.js";
import { fromInputFile } from "./failure.js";
import { collectPlatforms, NODE_PLATFORMS_HELP, nodePlatforms } from "./node-platforms.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { scanApiFromFlag } from "./scan-api-flag.js";
import { loadTlsFiles } from "./tls-files.js";

/**
 * `portcullis admission serve | install | certs`: the Kubernetes validating and mutating webhook
 * (serve, here), and its configuration and certificates (install and certs, admission-setup.ts). The
 * commands only map flags onto app/ (createWebhookServices: the database and the policy gate, wired as
 * for `serve` and `verify --policy`), admission/ and server/.
 */

const DEFAULT_LISTEN = "127.0.0.1:8443";

interface ServeFlags extends PlatformFlags {
  policy: string;
  tlsCert: string;
  tlsKey: string;
  listen: string;
  timeout: string;
  failurePolicy: string;
  dockerConfig?: string;
  trustedRoot?: string;
  insecure?: boolean;
  /** The old name of --insecure. */
  insecureRegistry?: boolean;
  scanApi?: string;
  platform?: string[];
  policyReload: string;
  clientCa?: string;
  tokenFile?: string;
}

export function registerAdmission(program: Command, setExit: (code: number) => void): void {
  const admission = program
    .command("admission")
    .description("the Kubernetes admission webhook: serve it, print its configuration, make certificates");

  withPlatformFlags(
    admission
      .command("serve")
      .description(
        "serve POST /validate and /mutate (AdmissionReview v1 and v1beta1) and GET /healthz over HTTPS; " +
          "with --data or --config, record decisions in the audit log and read scans from the scan store; " +
          "with --scan-api, read scans from a running Portcullis server instead",
      ),
  )
    .requiredOption("--policy <file>", "policy file (examples/policies/)")
    .requiredOption("--tls-cert <file>", "serving certificate (PEM), e.g. tls.crt from `admission certs`")
    .requiredOption("--tls-key <file>", "its private key (PEM)")
    .option("-l, --listen <host:port>", "address to listen on", DEFAULT_LISTEN)
    .option("--timeout <duration>", "the webhook configurations' timeoutSeconds; decisions get 80%", "10s")
    .option(
      "--policy-reload <duration>",
      "how often to look for changes to the policy, its key files and the TLS certificate (0: only on SIGHUP)",
      "10s",
    )
    .option("--failure-policy <Fail|Ignore>", "what a failed or late decision answers", "Fail")
    .option("--docker-config <file>", "registry credentials (a .dockerconfigjson, e.g. an imagePullSecret)")
    .option("--trusted-root <file>", "Sigstore trusted_root.json, for keyless signers")
    .option("--platform <os/arch[/variant]>", NODE_PLATFORMS_HELP, collectPlatforms)
    .option(
      "--insecure",
      "allow plain HTTP to registries (and the --scan-api server) other than localhost and 127.0.0.1",
    )
    // The flag's name before it matched every other command's --insecure; kept so configurations work.
    .addOption(new Option("--insecure-registry").hideHelp())
    .option(
      "--client-ca <file>",
      "accept reviews only from callers with a client certificate signed by this CA (PEM); " +
        "the API server presents it through its AdmissionConfiguration kubeconfig",
    )
    .option(
      "--token-file <file>",
      "accept reviews only with this bearer token (first line of the file); with --client-ca, either one",
    )
    .option(
      "--scan-api <url>",
      "read scan reports from this Portcullis server's API (e.g. https://registry.example.com:5000); " +
        "wins over the scans of --data/--config, whose database still records decisions; credentials from " +
        "PORTCULLIS_SCAN_API_USERNAME/_PASSWORD (a robot with scan.read) or --docker-config",
    )
    .action(async (flags: ServeFlags) => {
      setExit(await serve(flags));
    });

  registerAdmissionSetup(admission, setExit);
}

/** --docker-config: a .dockerconfigjson, which must at least be a JSON object. */
function readDockerConfig(file: string): string {
  const text = readText(file, "docker config");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`--docker-config ${file}: not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid(`--docker-config ${file}: expected a JSON object (a .dockerconfigjson)`);
  return text;
}

async function serve(flags: ServeFlags): Promise<number> {
  const { host, port } = parseListen(flags.listen);
  const timeoutSeconds = timeoutSecondsOf(flags.timeout);
  const failurePolicy = failurePolicyOf(flags.failurePolicy);
  const platforms = nodePlatforms(flags.platform, invalid);
  const reloadMs = parseDuration(flags.policyReload);
  const dockerConfig = flags.dockerConfig === undefined ? undefined : readDockerConfig(flags.dockerConfig);
  const access = {
    ...(dockerConfig === undefined ? {} : { dockerConfig }),
    insecure: flags.insecure === true || flags.insecureRegistry === true,
  };
  const trustedRoot =
    flags.trustedRoot === undefined
      ? undefined
      : fromInputFile("--trusted-root", flags.trustedRoot, () =>
          loadTrustedRoot(readText(flags.trustedRoot!, "trusted root", MAX_TRUSTED_ROOT_BYTES)),
        );
  const tls = loadTlsFiles({ certFile: resolve(flags.tlsCert), keyFile: resolve(flags.tlsKey) }, flags);
  const authentication: AdmissionAuthentication = {
    ...(flags.clientCa === undefined
      ? {}
      : { clientCa: readPem("--client-ca", flags.clientCa, "certificate") }),
    ...(flags.tokenFile === undefined ? {} : { token: readToken(flags.tokenFile) }),
  };
  const authenticated = flags.clientCa !== undefined || flags.tokenFile !== undefined;
  const logger = pino({ base: null });
  const scanApi = flags.scanApi === undefined ? undefined : scanApiFromFlag(flags.scanApi, access, invalid);
  // The database is the one `portcullis serve` writes (scan on push, the audit log), used only when
  // -c/--config or -d/--data is given; without either the webhook keeps no state and writes no ./data.
  const config = configFrom(flags);
  const shared = flags.config !== undefined || flags.data !== undefined;
  if (!authenticated)
    logger.warn(
      "no --client-ca or --token-file: any caller that reaches the webhook is answered, and no decision " +
        "is recorded (only authenticated reviews are written to the audit log)",
    );
  if (!shared && scanApi === undefined)
    logger.warn(
      "no --data, --config or --scan-api: decisions are not recorded and scan requirements have no evidence",
    );
  else if (!shared)
    logger.warn("no --data or --config: decisions are not recorded (scans are read from --scan-api)");
  if (scanApi && shared) logger.info("scans are read from --scan-api; the database only records decisions");
  // Opened after every file has been read, so a bad flag leaves no database open. Each evidence
  // look-up gets the whole decision deadline; the webhook answers at that deadline regardless.
  const services = await createWebhookServices({
    policyFile: resolve(flags.policy),
    ...(shared ? { platform: config } : {}),
    access,
    ...(trustedRoot ? { trustedRoot } : {}),
    ...(scanApi ? { scanApi, occurrenceApi: scanApi } : {}),
    ...(platforms ? { platforms } : {}),
    timeoutMs: deadlineFor(timeoutSeconds * 1000),
    serve: (gate, recorder) =>
      fromPolicyGate(
        gate,
        recorder && {
          recorder,
          onError: (err: unknown, what: string) => logger.error({ err }, `${what} failed`),
        },
      ),
  });
  const { policy } = services;
  const metrics = new AdmissionMetrics();
  metrics.setPolicy(policy.policy.digest);
  const app = buildAdmissionServer({
    gate: (check, signal) => policy.current(check, signal),
    metrics,
    tls,
    authentication,
    timeoutMs: timeoutSeconds * 1000,
    failurePolicy,
    log: (entry) => logger.info(entry, "admission review"),
  });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await services.close();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  logger.info(
    // policyReloadMs 0: the policy's files are looked at only on SIGHUP.
    { listen: `${host}:${bound}`, policyDigest: policy.policy.digest, policyReloadMs: reloadMs },
    "admission webhook is serving",
  );
  const report = (outcome: ReloadOutcome) => {
    metrics.policyChecked();
    if (!logReload(logger, outcome, policy.policy.digest)) return;
    metrics.policyReloaded(outcome.result === "reloaded");
    if (outcome.result === "reloaded") metrics.setPolicy(outcome.policy.digest);
  };
  // The serving certificate follows its files on the same schedule (cert-manager renews it in place).
  const reportTls = (outcome: TlsReloadOutcome) => logTlsReload(logger, outcome, tls.current);
  const stopPolicy = reloadMs > 0 ? policy.watch(reloadMs, report) : () => {};
  const stopTls = reloadMs > 0 ? tls.watch(reloadMs, reportTls) : () => {};
  return serveUntilStopped({
    app,
    logger,
    shutdownTimeoutMs: config.server.shutdownTimeoutMs,
    stopWork: () => {
      stopPolicy();
      stopTls();
    },
    onHangup: () => {
      report(policy.check());
      reportTls(tls.check());
    },
    close: () => services.close(),
  });
}
