import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderOpensslCommands } from "../../src/admission/index.js";
import { reviewOf } from "../../src/admission/testing.js";
import { type Policy, parsePolicy } from "../../src/policy/index.js";
import { PORTCULLIS_BIN } from "../support/targets.js";

/** Test helpers: a CA and serving certificate made by the system openssl, HTTPS posts, pod reviews. */

export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), "testdata");
/** The certificate names the Service `portcullis.portcullis.svc`; clients connect to 127.0.0.1. */
export const SERVER_NAME = "portcullis.portcullis.svc";

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface TestCerts {
  ca: string;
  cert: string;
  key: string;
  /** The API server's client certificate and key (CN kube-apiserver), signed by `ca`. */
  clientCert: string;
  clientKey: string;
  dir: string;
  cleanup(): void;
}

/** Runs the very script `portcullis admission certs` prints. */
/** `admission serve` with the test certificates, on a free loopback port; `extra` adds flags. */
export function serveArgs(certs: TestCerts, policy: string, ...extra: string[]): string[] {
  return [
    "serve",
    "--policy",
    policy,
    "--tls-cert",
    join(certs.dir, "tls.crt"),
    "--tls-key",
    join(certs.dir, "tls.key"),
    "--listen",
    "127.0.0.1:0",
    ...extra,
  ];
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-admission-"));
  const script = renderOpensslCommands({ serviceName: "portcullis", namespace: "portcullis", dir, days: 2 });
  execFileSync("sh", ["-c", script], { stdio: "ignore" });
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  return {
    ca: read("ca.crt"),
    cert: read("tls.crt"),
    key: read("tls.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function loadPolicy(name: string): Policy {
  const file = join(TESTDATA, name);
  return parsePolicy(readFileSync(file), file);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  ms: number;
}

/** How a test caller authenticates: a client certificate and key (PEM), and/or request headers. */
export interface CallerCredentials {
  readonly cert?: string;
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

/** POSTs `body` to `path`; /healthz and /metrics are fetched with GET instead. */
export function post(
  port: number,
  path: string,
  body: string | Buffer,
  ca: string,
  contentType = "application/json",
  credentials: CallerCredentials = {},
): Promise<Reply> {
  const started = performance.now();
  const get = path === "/healthz" || path === "/metrics";
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: get ? "GET" : "POST",
        ca,
        servername: SERVER_NAME,
        ...(credentials.cert !== undefined ? { cert: credentials.cert, key: credentials.key } : {}),
        headers: { "content-type": contentType, ...credentials.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: parsed,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(get ? undefined : body);
  });
}

export interface PodOptions {
  version?: "v1" | "v1beta1";
  namespace?: string;
  dryRun?: boolean;
  annotations?: Record<string, string>;
}

/** An AdmissionReview (from the real fixture) creating a Pod with these container images. */
export function podReview(images: string[], options: PodOptions = {}): Record<string, unknown> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: options.namespace ?? "apps", annotations: options.annotations ?? {} },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
  return reviewOf(pod, {
    version: options.version ?? "v1",
    namespace: options.namespace ?? "apps",
    dryRun: options.dryRun ?? false,
  });
}

export interface ReviewResponseBody {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    patch?: string;
    patchType?: string;
    auditAnnotations?: Record<string, string>;
    warnings?: string[];
  };
}

export interface RunningAdmission {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every stdout line so far (pino JSON lines). */
  readonly lines: string[];
}

/**
 * Starts `portcullis admission serve ARGS` as users do (bin/portcullis.js, so the suite's build of
 * dist/ is what runs; pass `--listen 127.0.0.1:0`) and resolves with the port from its listen line.
 * `env` is added to this process's environment.
 */
export function startAdmissionServe(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunningAdmission> {
  const child = spawn(process.execPath, [PORTCULLIS_BIN, "admission", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  let buffered = "";
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line: ${output}`)), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        const m = line.match(/"listen":"127\.0\.0\.1:(\d+)"/);
        if (m) {
          clearTimeout(timer);
          resolve({ child, port: Number(m[1]), lines });
        }
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}
