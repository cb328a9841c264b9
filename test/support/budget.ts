/**
 * Time and memory budgets for one call on one input (issue 22: "time and memory budgets asserted for
 * every generated input"). A property test wraps the call under test in `withinBudget`; the call runs
 * in this process, and when it goes over any limit the helper throws `BudgetExceeded` naming the input's
 * size, what went over and by how much, so fast-check reports (and shrinks) that input.
 *
 * Time is CPU time (user + system of every thread: the collector's helpers work for the call too). On a
 * machine shared by several test runs, wall time measures the neighbours as much as the input; a wall
 * limit is there only as a guard against hangs.
 *
 * Memory is the peak the call added to the heap V8 keeps: its heap plus external memory (Buffers, typed
 * arrays). Short-lived garbage does not count, since a scavenge reclaims it whenever the young generation
 * fills; what a hostile input must not do is make the process hold more than a bounded amount at once. A
 * `GCProfiler` reads the heap synchronously at every collection during the call, so a structure that
 * grows past the young generation's few megabytes is seen by the scavenges that move it, even if the
 * call drops it before returning; a transient under that size can slip between collections, which is
 * why every budget has a fixed part of several MiB. What a scavenge leaves includes the old generation's
 * garbage, which V8 lets grow in proportion to the live heap before a full collection: the peak is the
 * heap as V8 manages it for the call, an upper bound of the live peak, and budgets leave room for that.
 * SQLite's and other native libraries' own allocations are outside V8 and not counted.
 *
 * Two ways to measure:
 *
 * - precise (the default): full collections before the call (the baseline) and after it, while its
 *   result is still held; the closing ones only when the heap as the call left it, garbage and all, is
 *   over the budget. The call runs once. Whatever else the process does meanwhile is counted too,
 *   so a test awaits nothing but the call; and the baseline counts what the caller still references, so
 *   a test does not keep the previous input's result while measuring the next.
 * - quick (`{ quick: true }`, for properties run hundreds of times on small inputs, where full
 *   collections' tens of milliseconds on a loaded machine would cost more than the calls): a scavenge
 *   before and after. While no full collection runs, the old generation only grows, so the difference is
 *   an upper bound of what the call added (the old generation's garbage is in both ends; what the call
 *   promoted and then dropped is counted). When that bound is within budget the input passes; when it is
 *   not, or a full collection ran meanwhile, the call runs again, measured precisely, and that decides.
 */
import { GCProfiler, getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** What the call is given: a name for messages and a size the budgets scale with. */
export interface BudgetInput {
  /** "lintText", "readSbom on SPDX (star)": the call and the input's shape. */
  what: string;
  size: number;
  /** The unit of `size`, plural: "bytes" (the default), "components", "rules". */
  unit?: string;
  /** The unit, singular, for "so much per …" (default: `unit` less its final s). */
  one?: string;
}

/** A limit: a fixed amount, or a fixed amount plus so much per unit of the input's size. */
export type Limit = number | { fixed: number; perUnit: number };

export interface Budget {
  /** CPU milliseconds (user + system). */
  cpuMs?: Limit;
  /** Wall milliseconds: a hang guard, loose enough for a loaded machine. */
  wallMs?: Limit;
  /** Peak bytes (V8 heap + external) the call may add while it runs and keep in its result. */
  memoryBytes?: Limit;
}

export interface Usage {
  cpuMs: number;
  wallMs: number;
  /** Peak bytes added, as described at the top of this file. */
  memoryBytes: number;
  /** How many collections ran during the call (0: memory was seen only after it). */
  collections: number;
  /** Set when a quick measurement could not vouch for the budget and the call ran again, precisely. */
  remeasured?: boolean;
}

export interface Measured<T> {
  value: T;
  usage: Usage;
}

export class BudgetExceeded extends Error {
  override name = "BudgetExceeded";
  constructor(
    message: string,
    readonly usage: Usage,
  ) {
    super(message);
  }
}

type Collection = "major" | "minor";
let collector: ((options?: { type: "minor" }) => void) | undefined;

/**
 * A synchronous collection. `--expose-gc` set at run time reaches contexts made after it. A full one is
 * `gc()` without options (with `{ type: "major" }` dead ArrayBuffers stayed counted in a vitest worker),
 * then a scavenge: V8 frees dead ArrayBuffers' memory, and lowers its external-memory count, in a sweep
 * the next collection finishes, so after a full collection alone the count may still hold what it just
 * found dead.
 */
function collect(type: Collection): void {
  if (collector === undefined) {
    setFlagsFromString("--expose-gc");
    collector = runInNewContext("gc") as (options?: { type: "minor" }) => void;
  }
  if (type === "major") collector();
  collector({ type: "minor" });
}

/** The profiler's statistics use camelCase names, unlike `getHeapStatistics` (and @types/node's). */
interface ProfiledHeap {
  usedHeapSize: number;
  externalMemory: number;
}

function liveBytes(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

interface Started {
  type: Collection;
  base: number;
  cpu: NodeJS.CpuUsage;
  started: number;
  profiler: GCProfiler;
}

function start(type: Collection): Started {
  collect(type);
  const base = liveBytes();
  const profiler = new GCProfiler();
  profiler.start();
  return { type, base, cpu: process.cpuUsage(), started: performance.now(), profiler };
}

/**
 * The usage since `start`, while the caller still holds the call's result. With a `limit`, the heap is
 * first read as the call left it: garbage included, that bounds what the call added from above, and when
 * the bound is within the limit no closing collection is needed (they cost as much as the opening ones).
 * `conclusive` is false when a full collection ran during a quick measurement (it freed garbage the
 * baseline counted).
 */
function finish(from: Started, limit?: number): { usage: Usage; conclusive: boolean } {
  const wallMs = performance.now() - from.started;
  const used = process.cpuUsage(from.cpu);
  const { statistics } = from.profiler.stop();
  let peak = 0;
  for (const gc of statistics) {
    const after = gc.afterGC.heapStatistics as unknown as ProfiledHeap;
    peak = Math.max(peak, after.usedHeapSize + after.externalMemory);
  }
  let added = Math.max(peak, liveBytes()) - from.base;
  if (limit === undefined || added > limit) {
    collect(from.type);
    added = Math.max(peak, liveBytes()) - from.base;
  }
  const usage = {
    cpuMs: (used.user + used.system) / 1000,
    wallMs,
    memoryBytes: Math.max(0, added),
    collections: statistics.length,
  };
  return { usage, conclusive: from.type === "major" || statistics.every((gc) => gc.gcType === "Scavenge") };
}

/** Runs `run` once and says what it cost, measured precisely (see the top of this file). */
export function measure<T>(run: () => T): Measured<T> {
  const from = start("major");
  const value = run();
  return { value, usage: finish(from).usage };
}

/** `measure` for a promise. */
export async function measureAsync<T>(run: () => Promise<T>): Promise<Measured<T>> {
  const from = start("major");
  const value = await run();
  return { value, usage: finish(from).usage };
}

/** The limit for an input of `size`. */
export function limitFor(limit: Limit, size: number): number {
  return typeof limit === "number" ? limit : limit.fixed + limit.perUnit * size;
}

const count = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const ms = (n: number) => (n < 10 ? `${n.toFixed(1)} ms` : `${count(n)} ms`);

/** How a kind of limit is printed: rounded, exactly (where rounding makes two equal), per unit. */
interface Format {
  show: (n: number) => string;
  exact: (n: number) => string;
  perUnit: (n: number) => string;
}

const TIME: Format = { show: ms, exact: (n) => `${n.toFixed(3)} ms`, perUnit: (n) => `${n} ms` };
const BYTES: Format = { show: mib, exact: (n) => `${count(n)} B`, perUnit: (n) => `${n} B` };

/** The usage against the budget: one line per limit gone over, none when within it. */
export function overBudget(input: BudgetInput, budget: Budget, usage: Usage): string[] {
  const one = input.one ?? (input.unit ?? "bytes").replace(/s$/, "");
  const over: string[] = [];
  const check = (name: string, used: number, limit: Limit | undefined, format: Format) => {
    if (limit === undefined) return;
    const allowed = limitFor(limit, input.size);
    if (used <= allowed) return;
    const rule =
      typeof limit === "number"
        ? ""
        : ` (${format.show(limit.fixed)} + ${format.perUnit(limit.perUnit)} per ${one})`;
    // Shrinking ends at the boundary, where rounding would print the two as equal.
    const show = format.show(used) === format.show(allowed) ? format.exact : format.show;
    over.push(`${name} ${show(used)} is over its budget of ${show(allowed)}${rule}`);
  };
  check("CPU time", usage.cpuMs, budget.cpuMs, TIME);
  check("wall time", usage.wallMs, budget.wallMs, TIME);
  check("peak memory", usage.memoryBytes, budget.memoryBytes, BYTES);
  return over;
}

function verdict<T>(input: BudgetInput, budget: Budget, measured: Measured<T>): Measured<T> {
  const over = overBudget(input, budget, measured.usage);
  if (over.length === 0) return measured;
  const { usage } = measured;
  throw new BudgetExceeded(
    `${input.what} on an input of ${count(input.size)} ${input.unit ?? "bytes"}: ${over.join("; ")} ` +
      `(used ${ms(usage.cpuMs)} CPU, ${ms(usage.wallMs)} wall, ${mib(usage.memoryBytes)} peak, ` +
      `${usage.collections} collection${usage.collections === 1 ? "" : "s"})`,
    usage,
  );
}

export interface BudgetOptions {
  /**
   * Measure memory quickly first (see the top of this file): `run` is then called a second time when the
   * quick bound cannot vouch for the budget, so it must do the same work each time.
   */
  quick?: boolean;
}

/**
 * Runs `run` on the input and throws `BudgetExceeded` when it goes over any limit of `budget`. Time is
 * judged on the first call.
 */
export function withinBudget<T>(
  input: BudgetInput,
  budget: Budget,
  run: () => T,
  options: BudgetOptions = {},
): Measured<T> {
  const from = start(options.quick ? "minor" : "major");
  const value = run();
  const { usage, conclusive } = finish(from, memoryLimit(input, budget));
  if (needsPreciseMemory(input, budget, usage, conclusive, from)) {
    usage.memoryBytes = measure(run).usage.memoryBytes;
    usage.remeasured = true;
  }
  return verdict(input, budget, { value, usage });
}

/** `withinBudget` for a promise. */
export async function withinBudgetAsync<T>(
  input: BudgetInput,
  budget: Budget,
  run: () => Promise<T>,
  options: BudgetOptions = {},
): Promise<Measured<T>> {
  const from = start(options.quick ? "minor" : "major");
  const value = await run();
  const { usage, conclusive } = finish(from, memoryLimit(input, budget));
  if (needsPreciseMemory(input, budget, usage, conclusive, from)) {
    usage.memoryBytes = (await measureAsync(run)).usage.memoryBytes;
    usage.remeasured = true;
  }
  return verdict(input, budget, { value, usage });
}

function memoryLimit(input: BudgetInput, budget: Budget): number {
  return budget.memoryBytes === undefined
    ? Number.POSITIVE_INFINITY
    : limitFor(budget.memoryBytes, input.size);
}

/** Whether a quick measurement cannot vouch for the memory budget (see the top of this file). */
function needsPreciseMemory(
  input: BudgetInput,
  budget: Budget,
  usage: Usage,
  conclusive: boolean,
  from: Started,
): boolean {
  if (budget.memoryBytes === undefined || from.type === "major") return false;
  return !conclusive || usage.memoryBytes > limitFor(budget.memoryBytes, input.size);
}

/** One point of a growth check: an input's size and the time (best of a few runs) it took. */
export interface Sample {
  size: number;
  ms: number;
}

/**
 * Throws unless the time grew at most `slack` times as fast as the input from `small` to `large`
 * (plus `floorMs`, for timer and collector noise on tiny inputs). With `large` 8 times `small`, a linear
 * call takes some 8 times as long and a quadratic one 64 times; a slack of 3 tells them apart on a
 * loaded machine.
 */
export function expectLinear(what: string, small: Sample, large: Sample, slack = 3, floorMs = 20): void {
  const factor = large.size / small.size;
  const bound = small.ms * factor * slack + floorMs;
  if (large.ms <= bound) return;
  throw new Error(
    `${what} is not linear: ${count(small.size)} → ${count(large.size)} (${factor.toFixed(1)}×) took ` +
      `${small.ms.toFixed(1)} → ${large.ms.toFixed(1)} ms (${(large.ms / small.ms).toFixed(1)}×), over the ` +
      `bound of ${bound.toFixed(1)} ms (${slack} × ${factor.toFixed(1)}× + ${floorMs} ms)`,
  );
}

/** CPU milliseconds of one call, with no collection around it (growth checks take the best of several). */
export async function cpuMs(run: () => unknown): Promise<number> {
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
}

export interface GrowthCase {
  size: number;
  run: () => unknown;
}

/**
 * Times the call on a small and a large input, interleaved, `rounds` times each after one warm-up of
 * the small one (the first call pays for the JIT), and checks with `expectLinear` that the best times
 * grew no faster than the sizes. Interleaving makes a loaded machine slow both sizes alike.
 */
export async function expectLinearTime(
  what: string,
  small: GrowthCase,
  large: GrowthCase,
  { rounds = 3, slack = 3, floorMs = 20 }: { rounds?: number; slack?: number; floorMs?: number } = {},
): Promise<{ small: Sample; large: Sample }> {
  await small.run();
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    smallMs = Math.min(smallMs, await cpuMs(small.run));
    largeMs = Math.min(largeMs, await cpuMs(large.run));
  }
  const samples = { small: { size: small.size, ms: smallMs }, large: { size: large.size, ms: largeMs } };
  expectLinear(what, samples.small, samples.large, slack, floorMs);
  return samples;
}
