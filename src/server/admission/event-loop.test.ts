import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../../policy/index.js";
import { evaluatingGate } from "./gate.js";
import { buildAdmissionServer } from "./server.js";

/**
 * Issue 22: one Pod locked up the webhook, because a decision ran a backtracking RegExp (and an
 * unbounded CEL evaluation) synchronously; /healthz stopped answering. With linear-time patterns and
 * the CEL budget (and one decision per event-loop turn), hostile reviews keep the event loop's delay
 * under 50 ms and /healthz answers.
 */

const POLICY = parsePolicy(
  `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  enforcementMode: enforce
  require:
    custom:
      - name: team
        expression: 'image.repository.matches("^team/([a-z0-9]+-?)+$")'
      - name: annotations
        expression: "request.annotations.all(k, request.annotations.exists(j, k == j))"
    labels: [{ name: team, value: "${"*a".repeat(12)}*b" }]
`,
  "hostile.yaml",
);

const DIGEST = `sha256:${"ab".repeat(32)}`;
const HOSTILE_IMAGE = `registry.example.com/team/${"a1".repeat(30)}_b@${DIGEST}`;
const MANY_ANNOTATIONS = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`a${i}`, "v"]));

function podReview(uid: string, images: string[], annotations: Record<string, string>) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "apps",
      operation: "CREATE",
      userInfo: { username: "mallory", groups: ["system:authenticated"] },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace: "apps", annotations },
        spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
      },
      dryRun: false,
    },
  };
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The hostile client, in a process of its own so its JSON and TLS work does not count against the
 * server's event loop: it sends every review at once (keep-alive connections), asks /healthz in a
 * loop until all are answered, and prints what it got as JSON.
 */
const CLIENT = `
import { Agent, request } from "node:https";
const port = Number(process.argv[1]);
let reviewsJson = "";
for await (const chunk of process.stdin) reviewsJson += chunk;
const agent = new Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
// Probes on a connection of their own, as the kubelet's: they never queue behind reviews here.
const probes = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
function send(method, path, body, via = agent) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: "127.0.0.1", port, method, path, agent: via,
      headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} },
      (res) => { const chunks = []; res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), ms: performance.now() - started })); });
    req.on("error", reject);
    req.end(body);
  });
}
const reviews = JSON.parse(reviewsJson);
await send("GET", "/healthz", undefined, probes);
let done = false;
const answers = Promise.all(reviews.map((r) => send("POST", "/validate", JSON.stringify(r)))).finally(() => { done = true; });
const health = [];
while (!done || health.length < 3) health.push(await send("GET", "/healthz", undefined, probes));
process.stdout.write(JSON.stringify({ answers: await answers, health }));
agent.destroy();
probes.destroy();
`;

function runClient(port: number, reviews: unknown[]) {
  return new Promise<{
    answers: Array<{ status: number; body: string }>;
    health: Array<{ status: number; body: string; ms: number }>;
  }>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", CLIENT, String(port)],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))),
    );
    child.stdin?.end(JSON.stringify(reviews));
  });
}

describe.skipIf(!hasOpenssl())("the admission webhook under hostile reviews", () => {
  let dir = "";
  let app: FastifyInstance | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-event-loop-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...[
          "-keyout",
          join(dir, "tls.key"),
          "-out",
          join(dir, "tls.crt"),
          "-subj",
          "/CN=localhost",
          "-days",
          "1",
        ],
      ],
      { stdio: "ignore" },
    );
    const tls = {
      cert: readFileSync(join(dir, "tls.crt"), "utf8"),
      key: readFileSync(join(dir, "tls.key"), "utf8"),
    };
    app = buildAdmissionServer({ gate: evaluatingGate(POLICY), tls, timeoutMs: 4_000 });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the event loop's delay under 50 ms and answers /healthz meanwhile", async () => {
    // Warm up (JIT, the policy's first evaluation) so the measurement is of the decisions.
    await runClient(port, [podReview("warm", [HOSTILE_IMAGE], MANY_ANNOTATIONS)]);

    const reviews = Array.from({ length: 24 }, (_, i) =>
      i % 2 === 0
        ? podReview(`regex-${i}`, [HOSTILE_IMAGE, HOSTILE_IMAGE], {})
        : podReview(`cel-${i}`, [HOSTILE_IMAGE], MANY_ANNOTATIONS),
    );
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const { answers, health } = await runClient(port, reviews);
    histogram.disable();

    expect(answers).toHaveLength(reviews.length);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect((JSON.parse(answer.body) as { response: { allowed: boolean } }).response.allowed).toBe(false);
    }
    expect(health.length).toBeGreaterThanOrEqual(3);
    expect(health.every((h) => h.status === 200 && h.body.includes("ok"))).toBe(true);
    // The histogram records nanoseconds; its 5 ms resolution adds up to 5 ms to each sample.
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    const summary = `event-loop delay: max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms, p95 ${ms(histogram.percentile(95))} ms, p90 ${ms(histogram.percentile(90))} ms, p50 ${ms(histogram.percentile(50))} ms over ${histogram.count} samples; slowest /healthz ${Math.max(...health.map((h) => h.ms)).toFixed(1)} ms`;
    // 95% of the loop's turns start within 50 ms, and none waits anywhere near a decision that
    // backtracks (the old matches() held the loop for over 8 s). The maximum is not held to 50 ms:
    // on a shared 2-core machine the OS deschedules the process for that long with benign reviews too.
    expect(histogram.percentile(95) / 1e6, summary).toBeLessThan(50);
    expect(histogram.max / 1e6, summary).toBeLessThan(500);
  });
});
