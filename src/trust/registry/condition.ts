import { Environment } from "@marcbachmann/cel-js";
import { CelMeter, guardCelProgram, metered } from "../../core/index.js";
import { TrustError } from "../errors.js";
import type { InTotoStatement } from "../intoto/statement.js";

/** A compiled `--condition`: true passes; false, a non-boolean or an evaluation error fails with a reason. */
export type CompiledCondition = (statement: InTotoStatement) => { ok: true } | { ok: false; message: string };

// Built once: an Environment is costly to create (cel-js README). `predicate` is the statement's
// predicate, `predicateType` its type URI, `now` the time of the check (for expiries); nothing else is
// visible to the expression.
const environment = new Environment()
  .registerVariable("predicate", "map")
  .registerVariable("predicateType", "string")
  .registerVariable("now", "google.protobuf.Timestamp");

/**
 * Compiles a CEL expression (google/cel-spec) over an attestation's predicate, such as
 * `predicate.buildDefinition.buildType == "https://example.com/build/v1"`. Refuses, with the
 * parser's or type checker's message, an expression that does not compile or cannot be a bool.
 */
export function compileCondition(expression: string): CompiledCondition {
  const checked = environment.check(expression);
  if (!checked.valid) {
    throw new TrustError(
      "INVALID_ARGUMENT",
      `the condition does not compile: ${checked.error?.message ?? "unknown error"}`,
    );
  }
  if (checked.type !== "bool" && checked.type !== "dyn") {
    throw new TrustError("INVALID_ARGUMENT", `the condition is of type ${checked.type}, not bool`);
  }
  // Checked once more on the program we run: the check fixes each call's handler, and the guard then
  // points matches() at RE2 and meters every step (core/cel), as policy conditions are.
  const evaluate = environment.parse(expression);
  evaluate.check();
  const refused = guardCelProgram(evaluate.ast);
  if (refused !== undefined) throw new TrustError("INVALID_ARGUMENT", `the condition is refused: ${refused}`);
  return (statement) => {
    let value: unknown;
    const meter = new CelMeter();
    try {
      value = metered(meter, () =>
        evaluate({
          predicate: toCel(statement.predicate ?? {}),
          predicateType: statement.predicateType,
          now: new Date(),
        }),
      );
    } catch (err) {
      const why = meter.exhausted ? meter.reason : firstLine(err);
      return { ok: false, message: `the condition failed to evaluate: ${why}` };
    }
    if (value === true) return { ok: true };
    if (value === false)
      return { ok: false, message: `the condition ${JSON.stringify(expression)} is false` };
    return { ok: false, message: `the condition evaluated to ${typeof value}, not a bool` };
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

/** JSON into CEL values: whole numbers become ints (so `x == 1` holds for JSON 1), the rest as is. */
function toCel(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}
