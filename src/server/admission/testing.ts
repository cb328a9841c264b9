import { existsSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parsePolicy } from "../../policy/index.js";
import { evaluatingGate } from "./gate.js";
import { buildAdmissionServer } from "./server.js";

/**
 * Test support (never built into dist/): the admission webhook in a process of its own, measuring
 * its event loop on command, for event-loop.test.ts. The test starts it with the V8 flags of
 * bin/portcullis.js, so the heap (and so the garbage collector's pauses) is the one users run.
 */

/** One gap between two turns of a 1 ms interval timer (ms), and what the thread did in it. */
export interface Gap {
  ms: number;
  /** Ran on a CPU (Linux schedstat). */
  ran?: number;
  /** Waited, ready to run, for a CPU the OS gave to other processes (Linux schedstat). */
  waited?: number;
  /** What the process held the loop for: the gap less the wait for a CPU (the whole gap without schedstat). */
  held: number;
}

export interface LoopMeasurement {
  /** monitorEventLoopDelay at a 1 ms resolution (ms). */
  max: number;
  p99: number;
  p50: number;
  samples: number;
  /** The longest gap, and the gap the process itself held longest. */
  longest: Gap;
  heldLongest: Gap;
  /** Garbage collections meanwhile, and the longest (ms): the collector's pauses hold the loop too. */
  gc: { count: number; longest: number };
}

/**
 * What the kernel says about the calling thread (Linux schedstat, in ns): time it ran, and time it
 * was ready but waited for a CPU. Undefined where the kernel does not say.
 */
const SCHEDSTAT = "/proc/thread-self/schedstat";
const HAS_SCHEDSTAT = existsSync(SCHEDSTAT);
function schedstat(): { ran: number; waited: number } | undefined {
  if (!HAS_SCHEDSTAT) return undefined;
  const [ran, waited] = readFileSync(SCHEDSTAT, "utf8").split(" ").map(Number);
  return { ran: ran ?? 0, waited: waited ?? 0 };
}

/**
 * Starts measuring this thread's event loop: with monitorEventLoopDelay, and with a 1 ms interval
 * that reads at each turn how long the thread ran, and waited for a CPU, since the last. The OS may
 * keep a process off the CPU for longer than any bound a program sets itself (235 ms were seen at a
 * load of 11 on 2 cores, the thread running 1 ms of them); the wait tells that apart from a loop the
 * program held, running or blocked. Call the returned function to stop.
 */
export function startLoopMeasurement(): () => LoopMeasurement {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let longest: Gap = { ms: 0, held: 0 };
  let heldLongest: Gap = longest;
  let last = performance.now();
  let lastStat = schedstat();
  const ticker = setInterval(() => {
    const now = performance.now();
    const stat = schedstat();
    const ms = now - last;
    const gap: Gap = { ms, held: ms };
    if (stat !== undefined && lastStat !== undefined) {
      gap.ran = (stat.ran - lastStat.ran) / 1e6;
      gap.waited = (stat.waited - lastStat.waited) / 1e6;
      gap.held = Math.max(0, ms - gap.waited);
    }
    if (gap.ms > longest.ms) longest = gap;
    if (gap.held > heldLongest.held) heldLongest = gap;
    last = now;
    lastStat = stat;
  }, 1);
  const gc = { count: 0, longest: 0 };
  const collections = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.longest = Math.max(gc.longest, entry.duration);
    }
  });
  collections.observe({ entryTypes: ["gc"] });
  histogram.enable();
  return () => {
    histogram.disable();
    clearInterval(ticker);
    collections.disconnect();
    return {
      max: histogram.max / 1e6,
      p99: histogram.percentile(99) / 1e6,
      p50: histogram.percentile(50) / 1e6,
      samples: histogram.count,
      longest,
      heldLongest,
      gc,
    };
  };
}

export interface MeasuredWebhookOptions {
  /** Policy YAML; the gate evaluates it over no evidence (evaluatingGate). */
  readonly policy: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * A child process's main: serves the webhook on a free port, writes `{"port":N}`, then takes
 * commands on stdin, one JSON line each: `{"start":true}` starts a measurement and answers
 * `{"started":true}`; `{"stop":true}` answers the LoopMeasurement.
 */
export async function serveMeasuredWebhook(options: MeasuredWebhookOptions): Promise<void> {
  const gate = evaluatingGate(parsePolicy(options.policy, "policy.yaml"));
  const tls = { cert: readFileSync(options.cert, "utf8"), key: readFileSync(options.key, "utf8") };
  const app = buildAdmissionServer({ gate, tls, timeoutMs: 10_000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const write = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  write({ port: typeof address === "object" && address !== null ? address.port : 0 });
  let stop: (() => LoopMeasurement) | undefined;
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as { start?: boolean; stop?: boolean };
    if (command.start) {
      stop = startLoopMeasurement();
      write({ started: true });
    } else if (command.stop && stop !== undefined) {
      write(stop());
      stop = undefined;
    }
  }
  await app.close();
}
