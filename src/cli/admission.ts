import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import pino from "pino";
import { renderOpensslCommands, renderWebhookConfigurations } from "../admission/index.js";
import {
  apiScanSource,
  auditRecorder,
  cachedClients,
  createPolicyGate,
  logReload,
  parseListen,
  ReloadablePolicy,
  type ReloadOutcome,
  registryDigestResolver,
  registryEvidencePorts,
  ScanStore,
  scanApiUrl,
  storedScanSource,
} from "../app/index.js";
import { AuditLog } from "../audit/index.js";
import { describeReadError, PortcullisError, parseDuration, readRegularFile } from "../core/index.js";
import { EvidenceCache, type ScanReportSource } from "../evidence/index.js";
import { credentialsFromDockerConfig, type Platform, parsePlatform, RegistryClient } from "../oci/index.js";
import type { Policy } from "../policy/index.js";
import {
  AdmissionMetrics,
  buildAdmissionServer,
  deadlineFor,
  fromPolicyGate,
  type ImagePolicyGate,
  type WebhookFailurePolicy,
} from "../server/index.js";
import { type Database, openDatabase } from "../storage/index.js";
import { loadTrustedRoot, MAX_KEY_FILE_BYTES, MAX_TRUSTED_ROOT_BYTES } from "../trust/index.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";

/**
 * `portcullis admission serve | install | certs`: the Kubernetes validating and mutating webhook, the
 * two webhook configurations that point the API server at it, and a CA and serving certificate to
 * try it out. The commands only map flags onto admission/ and server/.
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
  insecureRegistry?: boolean;
  scanApi?: string;
  platform: string;
  policyReload: string;
}

interface InstallFlags {
  service: string;
  namespace: string;
  caBundle: string;
  failurePolicy: string;
  timeout: string;
  port?: string;
}

interface CertsFlags {
  service: string;
  namespace: string;
  dir: string;
  days: string;
  print?: boolean;
}

function invalid(message: string): PortcullisError {
  return new PortcullisError("CONFIG_INVALID", message);
}

function failurePolicyOf(value: string): WebhookFailurePolicy {
  if (value === "Fail" || value === "Ignore") return value;
  throw invalid(`--failure-policy must be Fail or Ignore, not ${JSON.stringify(value)}`);
}

/** The API server accepts timeoutSeconds from 1 to 30 (admissionregistration.k8s.io/v1). */
function timeoutSecondsOf(value: string): number {
  const ms = parseDuration(value);
  if (ms % 1000 !== 0 || ms < 1000 || ms > 30_000)
    throw invalid(`--timeout must be a whole number of seconds from 1s to 30s, not ${JSON.stringify(value)}`);
  return ms / 1000;
}

function platformOf(value: string): Platform {
  const platform = parsePlatform(value);
  if (!platform)
    throw invalid(`--platform must be OS/ARCH[/VARIANT] (linux/arm64), not ${JSON.stringify(value)}`);
  return platform;
}

/** The largest certificate, CA bundle or docker config file read (1 MiB). */
const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/** Reads a file named by a flag: a regular file under its limit, never a FIFO or a device (readRegularFile). */
function readText(file: string, what: string, maxBytes: number): string {
  try {
    return readRegularFile(file, { maxBytes }).toString("utf8");
  } catch (err) {
    throw invalid(`cannot read ${what} ${file}: ${describeReadError(err)}`);
  }
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
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
      "how often to look for changes to the policy and its key files (0: only on SIGHUP)",
      "10s",
    )
    .option("--failure-policy <Fail|Ignore>", "what a failed or late decision answers", "Fail")
    .option("--docker-config <file>", "registry credentials (a .dockerconfigjson, e.g. an imagePullSecret)")
    .option("--trusted-root <file>", "Sigstore trusted_root.json, for keyless signers")
    .option(
      "--platform <os/arch[/variant]>",
      "the image a multi-platform index runs on your nodes (its config and scan are judged)",
      "linux/amd64",
    )
    .option(
      "--insecure-registry",
      "allow plain HTTP to registries (and the --scan-api server) other than localhost and 127.0.0.1",
    )
    .option(
      "--scan-api <url>",
      "read scan reports from this Portcullis server's API (e.g. https://registry.example.com:5000); " +
        "wins over the scans of --data/--config, whose database still records decisions",
    )
    .action(async (flags: ServeFlags) => {
      setExit(await serve(flags));
    });

  admission
    .command("install")
    .description("print the ValidatingWebhookConfiguration and MutatingWebhookConfiguration (YAML)")
    .requiredOption("--service <name>", "the Service in front of `admission serve`")
    .requiredOption("--namespace <ns>", "its namespace (exempt from the webhooks, as is kube-system)")
    .requiredOption("--ca-bundle <file>", "the CA certificate (PEM) that signed the serving certificate")
    .option(
      "--failure-policy <Fail|Ignore>",
      "what the API server does when the webhook is unreachable",
      "Fail",
    )
    .option("--timeout <duration>", "timeoutSeconds, 1s to 30s", "10s")
    .option("--port <port>", "the Service port (default 8443)")
    .action((flags: InstallFlags) => {
      // Flags first, then the file: a typo is reported before a missing file.
      const failurePolicy = failurePolicyOf(flags.failurePolicy);
      const timeoutSeconds = timeoutSecondsOf(flags.timeout);
      const rendered = renderWebhookConfigurations({
        serviceName: flags.service,
        namespace: flags.namespace,
        caBundlePem: readText(flags.caBundle, "CA bundle", MAX_CERTIFICATE_FILE_BYTES),
        failurePolicy,
        timeoutSeconds,
        ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
      });
      process.stdout.write(rendered.yaml);
      setExit(0);
    });

  admission
    .command("certs")
    .description("make a CA and a serving certificate with openssl (or print the script with --print)")
    .requiredOption("--service <name>", "the Service name the certificate is for")
    .requiredOption("--namespace <ns>", "its namespace")
    .option("--dir <dir>", "where to write ca.crt, ca.key, tls.crt, tls.key", ".")
    .option("--days <n>", "validity in days", "365")
    .option("--print", "print the openssl script instead of running it")
    .action((flags: CertsFlags) => {
      const dir = resolve(flags.dir);
      const script = renderOpensslCommands({
        serviceName: flags.service,
        namespace: flags.namespace,
        days: Number(flags.days),
        dir,
      });
      if (flags.print || !hasOpenssl()) {
        if (!flags.print) process.stderr.write("openssl not found: printing the script to run elsewhere\n");
        process.stdout.write(script);
      } else {
        mkdirSync(dir, { recursive: true });
        execFileSync("sh", ["-c", script], { stdio: ["ignore", "ignore", "inherit"] });
        process.stderr.write(
          `ran openssl: wrote ca.crt, ca.key, tls.crt and tls.key to ${dir}\n` +
            "(ca.crt is the --ca-bundle of `admission install`; keep ca.key offline)\n",
        );
      }
      setExit(0);
    });
}

/**
 * The platform's metadata database, opened only when -c/--config or -d/--data is given: the same
 * database `portcullis serve` writes (scan on push, the audit log), without the registry and its
 * background jobs. Without either flag the webhook keeps no state, as before, and writes no ./data.
 */
async function openPlatformDatabase(flags: ServeFlags): Promise<Database | undefined> {
  if (flags.config === undefined && flags.data === undefined) return undefined;
  const config = configFrom(flags);
  return openDatabase(config.database.url, { poolSize: config.database.poolSize });
}

/**
 * `--scan-api URL`: a running Portcullis server's scan reports, with the --docker-config credentials
 * stored for its host (sent as Basic; never logged). Checked before anything is opened: plain HTTP only
 * to loopback unless --insecure-registry.
 */
function scanApiFrom(flags: ServeFlags, dockerConfig: string | undefined): ScanReportSource | undefined {
  if (flags.scanApi === undefined) return undefined;
  const insecure = flags.insecureRegistry === true;
  let host: string;
  try {
    host = scanApiUrl(flags.scanApi, insecure).host;
  } catch (err) {
    const hint = !insecure && flags.scanApi.startsWith("http:") ? " with --insecure-registry" : "";
    throw invalid(`--scan-api: ${(err as Error).message}${hint}`);
  }
  const credentials =
    dockerConfig === undefined ? undefined : credentialsFromDockerConfig(dockerConfig, host);
  return apiScanSource({ baseUrl: flags.scanApi, insecure, ...(credentials ? { credentials } : {}) });
}

async function serve(flags: ServeFlags): Promise<number> {
  const { host, port } = parseListen(flags.listen);
  const timeoutSeconds = timeoutSecondsOf(flags.timeout);
  const failurePolicy = failurePolicyOf(flags.failurePolicy);
  const platform = platformOf(flags.platform);
  const reloadMs = parseDuration(flags.policyReload);
  const dockerConfig =
    flags.dockerConfig === undefined
      ? undefined
      : readText(flags.dockerConfig, "docker config", MAX_CERTIFICATE_FILE_BYTES);
  const clientFor = cachedClients((registry) => {
    const credentials =
      dockerConfig === undefined ? undefined : credentialsFromDockerConfig(dockerConfig, registry);
    return new RegistryClient({
      registry,
      ...(credentials ? { credentials } : {}),
      insecure: flags.insecureRegistry === true,
    });
  });
  const trustedRoot =
    flags.trustedRoot === undefined
      ? undefined
      : loadTrustedRoot(readText(flags.trustedRoot, "trusted root", MAX_TRUSTED_ROOT_BYTES));
  const tls = {
    cert: readText(flags.tlsCert, "certificate", MAX_CERTIFICATE_FILE_BYTES),
    key: readText(flags.tlsKey, "key", MAX_KEY_FILE_BYTES),
  };
  const logger = pino({ base: null });
  const apiScans = scanApiFrom(flags, dockerConfig);
  // Opened last, once every file has been read, so a bad flag leaves no database open.
  const database = await openPlatformDatabase(flags);
  const scans: ScanReportSource | undefined =
    apiScans ?? (database === undefined ? undefined : storedScanSource(new ScanStore(database)));
  const recording =
    database === undefined
      ? undefined
      : {
          recorder: auditRecorder(new AuditLog(database)),
          onError: (err: unknown, what: string) => logger.error({ err }, `${what} failed`),
        };
  if (database === undefined && scans === undefined)
    logger.warn(
      "no --data, --config or --scan-api: decisions are not recorded and scan requirements have no evidence",
    );
  else if (database === undefined)
    logger.warn("no --data or --config: decisions are not recorded (scans are read from --scan-api)");
  if (apiScans && database !== undefined)
    logger.info("scans are read from --scan-api; the database only records decisions");
  // Each look-up gets the whole decision deadline; the webhook answers at that deadline regardless.
  // A reloaded policy gets a fresh evidence cache: found signatures depend on its trust anchors.
  const build = (policy: Policy, readFile: (path: string) => string) =>
    fromPolicyGate(
      createPolicyGate({
        policy,
        ports: registryEvidencePorts({
          policy,
          clientFor,
          platform,
          readFile,
          ...(trustedRoot ? { trustedRoot } : {}),
          ...(scans ? { scans } : {}),
        }),
        resolver: registryDigestResolver(clientFor),
        cache: new EvidenceCache(),
        timeoutMs: deadlineFor(timeoutSeconds * 1000),
      }),
      recording,
    );
  let policy: ReloadablePolicy<ImagePolicyGate>;
  try {
    policy = new ReloadablePolicy({ path: resolve(flags.policy), build });
  } catch (err) {
    await database?.close();
    throw err;
  }
  const metrics = new AdmissionMetrics();
  metrics.setPolicy(policy.policy.digest);
  const app = buildAdmissionServer({
    gate: (check, signal) => policy.current(check, signal),
    metrics,
    tls,
    timeoutMs: timeoutSeconds * 1000,
    failurePolicy,
    log: (entry) => logger.info(entry, "admission review"),
  });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await database?.close();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  logger.info(
    { listen: `${host}:${bound}`, policyDigest: policy.policy.digest },
    "admission webhook is serving",
  );
  const report = (outcome: ReloadOutcome) => {
    if (!logReload(logger, outcome, policy.policy.digest)) return;
    metrics.policyReloaded(outcome.result === "reloaded");
    if (outcome.result === "reloaded") metrics.setPolicy(outcome.policy.digest);
  };
  const stopWatching = reloadMs > 0 ? policy.watch(reloadMs, report) : () => {};
  const onHangup = () => report(policy.check());
  process.on("SIGHUP", onHangup);
  return new Promise<number>((done) => {
    const stop = () => {
      stopWatching();
      process.off("SIGHUP", onHangup);
      void app
        .close()
        .then(() => database?.close())
        .then(() => done(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
