import { isPortcullisError } from "../errors.js";
import { compileRegExp, type LinearRegExp } from "../patterns.js";

/**
 * CEL's run-time budget. cel-js evaluates synchronously and has no cost hook, so a policy's
 * expression over hostile input (a long list, a long string) could hold the event loop for as long
 * as it likes. Every node cel-js evaluates goes through its evaluator's `run(ast, ctx)`; we wrap that
 * method (per evaluator, once) so each step is charged to the meter of the decision being made, and
 * a meter that runs out throws, which fails the expression closed with the reason.
 *
 * The unit is one node evaluation (about 0.1 µs here). A node that yields a list or a map (a Map or
 * a plain object) costs its length more, a string or bytes its length / 64 (native string operations are fast), so reading a
 * long list in a loop, or doubling a string or a list, costs what it would take. `matches()` costs
 * text length × RE2 program size / 2, what the RE2 NFA can take at worst, plus the pattern's
 * compilation.
 */

/** Units a whole decision may spend on CEL (every custom expression and attestation condition). */
export const CEL_BUDGET = 50_000;

const CHARS_PER_UNIT = 64;

/** The meter of one decision; share one across every expression the decision evaluates. */
export class CelMeter {
  #left: number;
  readonly #error: Error;

  constructor(readonly budget: number = CEL_BUDGET) {
    this.#left = budget;
    // One error object, thrown at every step once exhausted: cel-js catches errors inside `||`,
    // `&&` and quantifiers and tries the other operands, which must fail too, and cheaply.
    this.#error = new Error(
      `CEL evaluation budget exhausted (${budget} steps for the decision; see docs/threat-model.md)`,
    );
  }

  get exhausted(): boolean {
    return this.#left < 0;
  }

  get reason(): string {
    return this.#error.message;
  }

  charge(units: number): void {
    this.#left -= units;
    if (this.#left < 0) throw this.#error;
  }
}

/** Units a value costs when a node yields it (see above). */
export function valueCost(value: unknown): number {
  if (typeof value === "string") return Math.ceil(value.length / CHARS_PER_UNIT);
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value instanceof Uint8Array) return Math.ceil(value.length / CHARS_PER_UNIT);
  // A plain object is a CEL map (labels, annotations, predicates): iterating or comparing it costs
  // its size. Counting the keys costs about as much as one pass over them, which is what is charged.
  if (typeof value === "object" && value !== null) {
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return Object.keys(value).length;
  }
  return 0;
}

/**
 * Nodes that hand on a value another node yielded (and was charged for): charging them again would
 * make a comprehension's accumulator cost its length at every step.
 */
const PASSTHROUGH = new Set(["accuValue", "accuPush", "accuInc", "?:", "||", "&&"]);

let active: CelMeter | undefined;

/** Runs `body` with `meter` charged for every CEL step it evaluates. */
export function metered<T>(meter: CelMeter, body: () => T): T {
  const previous = active;
  active = meter;
  try {
    return body();
  } finally {
    active = previous;
  }
}

interface CelNode {
  readonly op: string;
  evaluate(ev: CelEvaluator, ast: CelNode, ctx: unknown): unknown;
}

interface CelEvaluator {
  run(ast: CelNode, ctx: unknown): unknown;
}

const instrumented = new WeakSet<object>();

function instrumentEvaluator(ev: CelEvaluator): void {
  if (instrumented.has(ev)) return;
  instrumented.add(ev);
  ev.run = function run(this: CelEvaluator, ast: CelNode, ctx: unknown): unknown {
    const meter = active;
    if (meter === undefined) return ast.evaluate(this, ast, ctx);
    meter.charge(1);
    const value = ast.evaluate(this, ast, ctx);
    if (!PASSTHROUGH.has(ast.op)) meter.charge(valueCost(value));
    return value;
  };
}

/**
 * Charges a parsed program's evaluation to the active meter. The root node is evaluated by cel-js
 * directly (not through `run`); wrapping it gives us the evaluator to instrument. cel-js replaces a
 * node's `evaluate` with a specialised one on first use, so the wrapper puts itself back afterwards.
 */
export function instrumentProgram(root: object): void {
  const node = root as CelNode;
  const original = Object.getPrototypeOf(node).evaluate as CelNode["evaluate"];
  const wrapper: CelNode["evaluate"] = function (this: CelNode, ev, ast, ctx) {
    instrumentEvaluator(ev);
    active?.charge(1);
    try {
      return original.call(this, ev, ast, ctx);
    } finally {
      this.evaluate = wrapper;
    }
  };
  node.evaluate = wrapper;
}

const PATTERN_CACHE_SIZE = 64;
const patternCache = new Map<string, LinearRegExp | string>();

/** A `matches()` pattern compiled with RE2, or why RE2 refuses it; a few recent ones are kept. */
export function celPattern(source: string): LinearRegExp | string {
  let compiled = patternCache.get(source);
  if (compiled === undefined) {
    try {
      compiled = compileRegExp(source);
    } catch (err) {
      if (!isPortcullisError(err)) throw err;
      compiled = err.message;
    }
    if (patternCache.size >= PATTERN_CACHE_SIZE) patternCache.delete(patternCache.keys().next().value!);
    patternCache.set(source, compiled);
  }
  return compiled;
}

/**
 * CEL `matches()` with RE2 (the CEL specification's semantics: a match anywhere in the text), charged
 * to the active meter. The compilation is charged whether or not the pattern was cached, so a
 * decision's cost never depends on what was decided before it.
 */
export function re2Matches(text: string, source: string): boolean {
  const pattern = celPattern(source);
  if (typeof pattern === "string") throw new Error(pattern);
  active?.charge(pattern.size * 4 + Math.ceil((text.length * pattern.size) / 2));
  return pattern.test(text);
}
