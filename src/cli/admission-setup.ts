import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import {
  renderApiServerAuth,
  renderOpensslCommands,
  renderWebhookConfigurations,
} from "../admission/index.js";
import { describeReadError, PortcullisError, parseDuration, readRegularFile } from "../core/index.js";
import type { WebhookFailurePolicy } from "../server/index.js";
import { describePathError } from "./failure.js";

/**
 * `portcullis admission install | certs`: the webhook configurations that point the API server at the
 * webhook (and, with --api-server-config, the API server's AdmissionConfiguration and kubeconfig that
 * authenticate it to the webhook), and a CA with serving and client certificates to try it out.
 */

interface InstallFlags {
  service: string;
  namespace: string;
  caBundle: string;
  failurePolicy: string;
  timeout: string;
  port?: string;
  apiServerConfig?: string;
  clientCert?: string;
  clientKey?: string;
  tokenFile?: string;
  kubeconfigPath: string;
}

interface CertsFlags {
  service: string;
  namespace: string;
  dir: string;
  days: string;
  print?: boolean;
  clientName: string;
}

export function invalid(message: string): PortcullisError {
  return new PortcullisError("CONFIG_INVALID", message);
}

export function failurePolicyOf(value: string): WebhookFailurePolicy {
  if (value === "Fail" || value === "Ignore") return value;
  throw invalid(`--failure-policy must be Fail or Ignore, not ${JSON.stringify(value)}`);
}

/** The API server accepts timeoutSeconds from 1 to 30 (admissionregistration.k8s.io/v1). */
export function timeoutSecondsOf(value: string): number {
  const ms = parseDuration(value);
  if (ms % 1000 !== 0 || ms < 1000 || ms > 30_000)
    throw invalid(`--timeout must be a whole number of seconds from 1s to 30s, not ${JSON.stringify(value)}`);
  return ms / 1000;
}

/** The largest certificate, CA bundle, token or docker config file read (1 MiB). */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/** Reads a file named by a flag: a regular file under its limit, never a FIFO or a device (readRegularFile). */
export function readText(file: string, what: string, maxBytes = MAX_CERTIFICATE_FILE_BYTES): string {
  try {
    return readRegularFile(file, { maxBytes }).toString("utf8");
  } catch (err) {
    throw invalid(`cannot read ${what} ${file}: ${describePathError(err, file) ?? describeReadError(err)}`);
  }
}

/**
 * A PEM file named by `flag` (certificates, or a private key), read and parsed now: a wrong file is
 * named before anything is written or served, rather than failing later inside TLS without a name.
 */
export function readPem(
  flag: string,
  file: string,
  kind: "certificate" | "private key",
  maxBytes = MAX_CERTIFICATE_FILE_BYTES,
): string {
  const text = readText(file, kind === "certificate" ? "certificate" : "key", maxBytes);
  try {
    if (kind === "certificate") new X509Certificate(text);
    else createPrivateKey(text);
  } catch (err) {
    throw invalid(`${flag} ${file}: not a PEM ${kind} (${(err as Error).message})`);
  }
  return text;
}

/** A bearer token file: its first line, which must not be empty (the token itself is never logged). */
export function readToken(file: string): string {
  const token = readText(file, "token file").split(/\r?\n/)[0]!.trim();
  if (token === "") throw invalid(`token file ${file} is empty`);
  return token;
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Registers `install` and `certs` under `admission`. */
export function registerAdmissionSetup(admission: Command, setExit: (code: number) => void): void {
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
    .option(
      "--api-server-config <dir>",
      "also write the API server side of caller authentication there: admission-configuration.yaml " +
        "(for kube-apiserver --admission-control-config-file) and webhook-kubeconfig.yaml",
    )
    .option("--client-cert <file>", "with --api-server-config: the client certificate (client.crt)")
    .option("--client-key <file>", "with --api-server-config: its key (client.key)")
    .option(
      "--token-file <file>",
      "with --api-server-config: the bearer token `admission serve --token-file` reads",
    )
    .option(
      "--kubeconfig-path <path>",
      "where webhook-kubeconfig.yaml will be on the API server's host",
      "/etc/kubernetes/portcullis/webhook-kubeconfig.yaml",
    )
    .action((flags: InstallFlags) => {
      // Flags first, then the file: a typo is reported before a missing file.
      const failurePolicy = failurePolicyOf(flags.failurePolicy);
      if (flags.apiServerConfig === undefined && (flags.clientCert || flags.clientKey || flags.tokenFile))
        throw invalid("--client-cert, --client-key and --token-file need --api-server-config DIR");
      const timeoutSeconds = timeoutSecondsOf(flags.timeout);
      const rendered = renderWebhookConfigurations({
        serviceName: flags.service,
        namespace: flags.namespace,
        caBundlePem: readPem("--ca-bundle", flags.caBundle, "certificate"),
        failurePolicy,
        timeoutSeconds,
        ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
      });
      if (flags.apiServerConfig !== undefined) writeApiServerConfig(flags);
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
    .option("--client-name <cn>", "the Common Name of the API server's client certificate", "kube-apiserver")
    .action((flags: CertsFlags) => {
      const dir = resolve(flags.dir);
      const script = renderOpensslCommands({
        serviceName: flags.service,
        namespace: flags.namespace,
        days: Number(flags.days),
        dir,
        clientName: flags.clientName,
      });
      if (flags.print || !hasOpenssl()) {
        if (!flags.print) process.stderr.write("openssl not found: printing the script to run elsewhere\n");
        process.stdout.write(script);
      } else {
        mkdirSync(dir, { recursive: true });
        execFileSync("sh", ["-c", script], { stdio: ["ignore", "ignore", "inherit"] });
        process.stderr.write(
          `ran openssl: wrote ca.crt, ca.key, tls.crt, tls.key, client.crt and client.key to ${dir}\n` +
            "(ca.crt is the --ca-bundle of `admission install` and the --client-ca of `admission serve`; " +
            "client.crt and client.key are the API server's, for `admission install --api-server-config`; " +
            "keep ca.key offline)\n",
        );
      }
      setExit(0);
    });
}

/** `install --api-server-config DIR`: the AdmissionConfiguration and the kubeconfig it names. */
function writeApiServerConfig(flags: InstallFlags): void {
  if ((flags.clientCert === undefined) !== (flags.clientKey === undefined))
    throw invalid("--client-cert and --client-key go together");
  const rendered = renderApiServerAuth({
    serviceName: flags.service,
    namespace: flags.namespace,
    kubeconfigPath: flags.kubeconfigPath,
    ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
    ...(flags.clientCert === undefined
      ? {}
      : {
          clientCertificatePem: readPem("--client-cert", flags.clientCert, "certificate"),
          clientKeyPem: readPem("--client-key", flags.clientKey!, "private key"),
        }),
    ...(flags.tokenFile === undefined ? {} : { token: readToken(flags.tokenFile) }),
  });
  const dir = resolve(flags.apiServerConfig!);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "admission-configuration.yaml"), rendered.admissionConfiguration, { mode: 0o644 });
  // It holds the client key or the token.
  writeFileSync(join(dir, "webhook-kubeconfig.yaml"), rendered.kubeconfig, { mode: 0o600 });
  process.stderr.write(
    `wrote admission-configuration.yaml and webhook-kubeconfig.yaml to ${dir}: put the kubeconfig at ` +
      `${flags.kubeconfigPath} on each API server host and start kube-apiserver with ` +
      "--admission-control-config-file pointing at admission-configuration.yaml\n",
  );
}
