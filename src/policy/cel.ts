import { Environment } from "@marcbachmann/cel-js";
import { CelMeter, guardCelProgram, metered } from "../core/index.js";

/**
 * CEL (https://github.com/google/cel-spec) conditions, compiled once when the policy loads and type
 * checked against the variables of their context, so a typo fails the load rather than a decision.
 * Structural limits keep a hostile policy from building huge expressions; the cost estimate
 * (core/cel/cost.ts) refuses at load what no input could make affordable, and the run-time meter
 * (core/cel/budget.ts) fails an evaluation closed when a decision's budget runs out. `matches()` uses RE2
 * (linear time, as the CEL specification defines it), never a backtracking JavaScript RegExp.
 *
 * - attestation conditions see `predicate` (the in-toto predicate), `predicateType` (string), `image`
 *   and `now` (a timestamp: the decision's time, for expiries such as an approval's);
 * - custom expressions see `image`, `request`, `evidence` (see facts.ts) and `now` (a timestamp).
 */
export type CelContext = "attestation" | "custom";

export interface CompiledCondition {
  readonly source: string;
  /**
   * True, false, or the reason evaluation failed (a missing key, a type error at run time, the
   * budget exhausted). `meter` is the decision's: share one across the expressions of a decision;
   * without one, the expression gets a budget of its own.
   */
  run(variables: Record<string, unknown>, meter?: CelMeter): boolean | { readonly error: string };
}

const LIMITS = {
  maxAstNodes: 2000,
  maxDepth: 64,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxCallArguments: 32,
};

function environment(context: CelContext): Environment {
  const env = new Environment({ limits: LIMITS });
  if (context === "attestation") {
    return env
      .registerVariable("predicate", "dyn")
      .registerVariable("predicateType", "string")
      .registerVariable("image", "dyn")
      .registerVariable("now", "google.protobuf.Timestamp");
  }
  return env
    .registerVariable("image", "dyn")
    .registerVariable("request", "dyn")
    .registerVariable("evidence", "dyn")
    .registerVariable("now", "google.protobuf.Timestamp");
}

const ENVIRONMENTS: Record<CelContext, Environment> = {
  attestation: environment("attestation"),
  custom: environment("custom"),
};

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!.trim();
}

/** Compiles and type checks an expression that must yield a bool; returns the problem as a string. */
export function compileCondition(source: string, context: CelContext): CompiledCondition | string {
  if (source.trim() === "") return "CEL expression is empty";
  let program: ReturnType<Environment["parse"]>;
  try {
    program = ENVIRONMENTS[context].parse(source);
  } catch (err) {
    return `CEL expression does not compile: ${firstLine(err)}`;
  }
  let checked: ReturnType<typeof program.check>;
  try {
    checked = program.check();
  } catch (err) {
    return `CEL expression does not type check: ${firstLine(err)}`;
  }
  if (!checked.valid) return `CEL expression does not type check: ${firstLine(checked.error)}`;
  if (checked.type !== "bool" && checked.type !== "dyn") {
    return `CEL expression must yield a bool, not ${checked.type}`;
  }
  const problem = guardCelProgram(program.ast);
  if (problem !== undefined) return problem;
  return {
    source,
    run(variables, meter = new CelMeter()) {
      try {
        const value: unknown = metered(meter, () => program(variables));
        if (typeof value === "boolean") return value;
        return { error: `yielded ${typeof value === "bigint" ? "an int" : typeof value}, not a bool` };
      } catch (err) {
        // Once the budget is gone every step throws; say so rather than whichever error surfaced.
        return { error: meter.exhausted ? meter.reason : firstLine(err) };
      }
    },
  };
}
