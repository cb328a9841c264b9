import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { WORKLOAD_LIMITS } from "../../admission/index.js";
import type { Gap, LoopMeasurement } from "./testing.js";

/**
 * Issue 22: one Pod locked up the webhook, because a decision ran a backtracking RegExp (and an
 * unbounded CEL evaluation) synchronously; /healthz stopped answering. Every step of a review now
 * holds the event loop for a bounded slice: the body is parsed a slice per turn (core/json.ts), what a
 * workload may hold is counted before it is read (admission/limits.ts), patterns are linear, CEL has
 * a budget, and each decision takes a turn of its own (core/turns.ts), as does each evaluation of the
 * policy gate. Under hostile reviews the event loop's delay stays under 50 ms: its maximum, not a
 * percentile, less only the time the OS kept the server off the CPU (see the test).
 */

const POLICY = `apiVersion: portcullis.dev/v1
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
`;

const DIGEST = `sha256:${"ab".repeat(32)}`;
/** Backtracks `^team/([a-z0-9]+-?)+$` for ever in a RegExp; RE2 answers in linear time. */
const HOSTILE_IMAGE = `registry.example.com/team/${"a1".repeat(30)}_b@${DIGEST}`;
const BENIGN_IMAGE = `registry.example.com/team/web@${DIGEST}`;

function keys(count: number, prefix: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, "v"]));
}

function annotations(count: number): Record<string, string> {
  return keys(count, "a");
}

/** A review's body as sent, and whether the webhook should refuse it unread (limits.ts). */
interface Review {
  body: string;
  refused: boolean;
}

function podReview(
  uid: string,
  images: string[],
  metadata: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
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
        metadata: { name: "web", namespace: "apps", ...metadata },
        spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })), ...extra },
      },
      dryRun: false,
    },
  };
}

/**
 * Reviews that each cost the old webhook from tens to hundreds of milliseconds of CPU in one stretch
 * (and, with more containers or annotations, seconds): backtracking patterns, a CEL comprehension over
 * 1,000 annotations (and 32 images deciding it), 30,000 annotations (valid in Kubernetes: under
 * 256 KiB), and bodies V8's JSON.parse is slow on (60 to 200 ms each here): an object of 90,000 keys,
 * 60,000 objects each with a key of its own; and 5,000 levels of nesting. Keys are new in each run
 * (`salt`), as an attacker's would be: V8 is faster on keys it has seen.
 */
function hostileReviews(salt: string) {
  const manyImages = Array.from({ length: 32 }, (_, i) => `${HOSTILE_IMAGE.replace("_b@", `_${i}@`)}`);
  const reviews: Review[] = [];
  const add = (review: unknown, refused = false) => reviews.push({ body: JSON.stringify(review), refused });
  for (let i = 0; i < 3; i++) {
    add(podReview(`regex-${i}`, [HOSTILE_IMAGE, HOSTILE_IMAGE]));
    add(podReview(`cel-${i}`, [HOSTILE_IMAGE], { annotations: annotations(1000) }));
  }
  add(podReview("images", manyImages, { annotations: annotations(1000) }));
  add(podReview("annotations", [HOSTILE_IMAGE], { annotations: annotations(30_000) }), true);
  add(podReview("keys", [HOSTILE_IMAGE], {}, { nodeSelector: keys(90_000, salt) }));
  const distinct = Array.from({ length: 60_000 }, (_, j) => ({ [`k${salt}x${j}`]: j }));
  add(podReview("objects", [HOSTILE_IMAGE], {}, { overhead: distinct }));
  // Written as text: JSON.stringify itself recurses once per level.
  const deep = `${"[".repeat(5_000)}"bottom"${"]".repeat(5_000)}`;
  const body = JSON.stringify(podReview("deep", [HOSTILE_IMAGE], {}, { deep: "DEEP" }));
  reviews.push({ body: body.replace('"DEEP"', deep), refused: false });
  return reviews;
}

/** As many reviews, of the same endpoint and policy, with nothing hostile in them. */
function benignReviews(count: number): Review[] {
  return Array.from({ length: count }, (_, i) => ({
    body: JSON.stringify(podReview(`benign-${i}`, [BENIGN_IMAGE], { labels: { app: "web" } })),
    refused: false,
  }));
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
 * The client, in a process of its own so that its JSON and TLS work does not count against the
 * server's event loop. It takes commands on stdin, one JSON line each: `load` (the bodies; it opens its
 * connections, then answers `ready`), and `go` (it sends every review at
 * once over 8 keep-alive connections, asks /healthz in a loop on a connection of its own, as the
 * kubelet's probes do, until every review is answered, and answers with what it got).
 */
const CLIENT = `
import { Agent, request } from "node:https";
import { createInterface } from "node:readline";
const port = Number(process.argv[1]);
const agent = new Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
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
function summary(answer) {
  try {
    const r = JSON.parse(answer.body).response;
    return { status: answer.status, uid: r.uid, allowed: r.allowed, message: r.status?.message ?? "" };
  } catch { return { status: answer.status, body: answer.body.slice(0, 500) }; }
}
let bodies = [];
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.load) {
    bodies = command.load;
    await Promise.all(Array.from({ length: 8 }, () => send("GET", "/healthz")));
    await send("GET", "/healthz", undefined, probes);
    process.stdout.write(JSON.stringify({ ready: true }) + "\\n");
  } else if (command.go) {
    let done = false;
    const answers = Promise.all(bodies.map((b) => send("POST", "/validate", b))).finally(() => { done = true; });
    const health = [];
    while (!done || health.length < 3) health.push(await send("GET", "/healthz", undefined, probes));
    process.stdout.write(JSON.stringify({ answers: (await answers).map(summary), health }) + "\\n");
  }
}
agent.destroy();
probes.destroy();
`;

interface Answer {
  status: number;
  uid?: string;
  allowed?: boolean;
  message?: string;
  body?: string;
}

interface Outcome {
  answers: Answer[];
  health: Array<{ status: number; body: string; ms: number }>;
}

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A child process spoken to in JSON lines: a command on stdin, an answer on stdout. */
class LineChild {
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  readonly #early: string[] = [];
  #exited: Error | undefined;

  constructor(args: string[]) {
    this.#child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    this.#lines = createInterface({ input: this.#child.stdout! });
    this.#lines.on("line", (line) => {
      const waiter = this.#waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.#early.push(line);
    });
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`the child process exited (${code ?? signal})`);
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited);
    });
  }

  /** The next line the child writes, parsed. */
  next<T>(): Promise<T> {
    const early = this.#early.shift();
    if (early !== undefined) return Promise.resolve(JSON.parse(early) as T);
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) =>
      this.#waiting.push({ resolve: (line) => resolve(JSON.parse(line) as T), reject }),
    );
  }

  ask<T>(command: unknown): Promise<T> {
    const answer = this.next<T>();
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  close(): void {
    this.#lines.close();
    this.#child.kill();
  }
}

/** The V8 flags bin/portcullis.js runs Node with (its shebang line), so the heap is the users' one. */
function binNodeFlags(): string[] {
  const shebang = readFileSync(join(ROOT, "bin/portcullis.js"), "utf8").split("\n")[0] ?? "";
  return shebang.split(/\s+/).filter((word) => word.startsWith("--"));
}

/**
 * The webhook (testing.ts serveMeasuredWebhook) in a process of its own, as users run it, measuring
 * its event loop on command; the test's own work (vitest, building reviews) never counts against it.
 * It runs with the bin's V8 flags (a 4 MiB young generation), and with the garbage collector's work on
 * the main thread: its parallel helper threads, short of a CPU on a shared machine, stalled the main
 * thread for 50 ms where it neither ran nor waited for a CPU itself, so the OS's delay could not be
 * told from ours. On its own thread the collector's work counts in full (its pauses here: 2 to 19 ms).
 */
class Webhook {
  readonly #child: LineChild;
  readonly port: Promise<number>;

  constructor(cert: string, key: string) {
    const main = `const { serveMeasuredWebhook } = await import(process.argv[1]);
      await serveMeasuredWebhook({ policy: process.argv[2], cert: process.argv[3], key: process.argv[4] });`;
    const testing = new URL("./testing.ts", import.meta.url).href;
    this.#child = new LineChild([
      ...binNodeFlags(),
      "--single-threaded-gc",
      ...["--import", "tsx", "--input-type=module", "-e", main, testing, POLICY, cert, key],
    ]);
    this.port = this.#child.next<{ port: number }>().then((r) => r.port);
  }

  async start(): Promise<void> {
    await this.#child.ask({ start: true });
  }

  stop(): Promise<LoopMeasurement> {
    return this.#child.ask({ stop: true });
  }

  close(): void {
    this.#child.close();
  }
}

/** The hostile client (CLIENT above). */
class Client {
  readonly #child: LineChild;

  constructor(port: number) {
    this.#child = new LineChild(["--input-type=module", "-e", CLIENT, String(port)]);
  }

  /** Hands over the reviews; resolves once the client has them and has opened its connections. */
  async load(reviews: readonly Review[]): Promise<void> {
    await this.#child.ask({ load: reviews.map((r) => r.body) });
  }

  go(): Promise<Outcome> {
    return this.#child.ask({ go: true });
  }

  close(): void {
    this.#child.close();
  }
}

interface Measurement extends LoopMeasurement {
  outcome: Outcome;
}

/** Sends the reviews and measures the webhook's event loop meanwhile (and only meanwhile). */
async function measure(webhook: Webhook, client: Client, reviews: readonly Review[]): Promise<Measurement> {
  await client.load(reviews);
  await webhook.start();
  const outcome = await client.go();
  return { ...(await webhook.stop()), outcome };
}

/**
 * monitorEventLoopDelay's maximum less the wait for a CPU in the longest gap: the two are the same
 * stall, seen by two 1 ms timers on one loop.
 */
function heldMax(m: Measurement): number {
  return m.max - (m.longest.waited ?? 0);
}

function describeGap(gap: Gap): string {
  const f = (n: number | undefined) => (n === undefined ? "?" : n.toFixed(1));
  return `${f(gap.ms)} ms (ran ${f(gap.ran)} ms, waited for a CPU ${f(gap.waited)} ms)`;
}

function describeMeasurement(name: string, m: Measurement): string {
  const f = (n: number) => n.toFixed(1);
  const slowest = Math.max(...m.outcome.health.map((h) => h.ms));
  return (
    `${name}: held the loop at most ${f(m.heldLongest.held)} ms, in a gap of ${describeGap(m.heldLongest)}; ` +
    `event-loop delay max ${f(m.max)} ms, p99 ${f(m.p99)} ms, p50 ${f(m.p50)} ms over ${m.samples} samples; ` +
    `longest gap ${describeGap(m.longest)}; ${m.gc.count} GCs, the longest ${f(m.gc.longest)} ms; ` +
    `slowest /healthz ${f(slowest)} ms`
  );
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("the admission webhook under hostile reviews", () => {
  let dir = "";
  let webhook: Webhook | undefined;
  let client: Client | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-event-loop-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", join(dir, "tls.key"), "-out", join(dir, "tls.crt"), "-subj", "/CN=localhost"],
        ...["-days", "1"],
      ],
      { stdio: "ignore" },
    );
    webhook = new Webhook(join(dir, "tls.crt"), join(dir, "tls.key"));
    client = new Client(await webhook.port);
  });

  afterAll(() => {
    client?.close();
    webhook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the event loop's delay under 50 ms, its maximum, and answers /healthz meanwhile", async () => {
    const expected = hostileReviews("warm");
    const benign = benignReviews(expected.length);
    // Warm up (JIT, the policy's first evaluations, the JSON reader) so what is measured is the steady state.
    await measure(webhook!, client!, [...expected, ...benign]);

    const runs: string[] = [];
    let passed: Measurement | undefined;
    let last: Measurement | undefined;
    // The machine is shared, and the OS may keep the webhook off the CPU for longer than 50 ms, with
    // benign reviews as with hostile ones (235 ms were seen at a load of 11 on 2 cores, the thread
    // running 1 ms of it). So a gap between two turns counts less the time the thread waited, ready,
    // for a CPU (Linux schedstat; elsewhere the whole gap counts); what remains is what the webhook
    // held the loop for, running or blocked. That still counts time the virtual machine's own CPU was
    // taken away (steal: the thread neither ran nor waited; once 53 ms), so a run over 50 ms is tried
    // again, up to five runs, each beside a benign baseline. A review whose handling takes 50 ms of
    // CPU in one stretch does so in every run and fails the test: a decision spinning for 80 ms of CPU
    // time fails all five, and so does parsing the bodies below with JSON.parse.
    const overBound = (m: Measurement) => Math.max(m.heldLongest.held, heldMax(m)) >= 50;
    for (let run = 1; run <= 5 && passed === undefined; run++) {
      const baseline = await measure(webhook!, client!, benign);
      last = await measure(webhook!, client!, hostileReviews(`r${run}`));
      runs.push(
        `run ${run}: ${describeMeasurement("hostile", last)}\n       ${describeMeasurement("benign", baseline)}`,
      );
      if (!overBound(last)) passed = last;
    }
    const report = runs.join("\n");
    process.stderr.write(`${report}\n`);

    const { answers, health } = (passed ?? last)!.outcome;
    expect(answers).toHaveLength(expected.length);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status, JSON.stringify(answer)).toBe(200);
      expect(answer.allowed, JSON.stringify(answer)).toBe(false);
      if (expected[i]!.refused) {
        expect(answer.message).toContain(`at most ${WORKLOAD_LIMITS.annotations} are read`);
      } else {
        expect(answer.message).toMatch(/custom\.team/);
      }
    }
    expect(health.length).toBeGreaterThanOrEqual(3);
    expect(health.every((h) => h.status === 200 && h.body.includes("ok"))).toBe(true);
    const measured = (passed ?? last)!;
    expect(measured.heldLongest.held, report).toBeLessThan(50);
    expect(heldMax(measured), report).toBeLessThan(50);
  }, 120_000);
});
