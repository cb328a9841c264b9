import { Environment } from "@marcbachmann/cel-js";
import { CelMeter, guardCelProgram, metered } from "../../core/index.js";
import { AuthError } from "../errors.js";

const ENVIRONMENT = new Environment({
  limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 16 },
}).registerVariable("claims", "dyn");

/** A claim condition: CEL over the presented token's `claims`, bounded like the policy's expressions. */
export interface ClaimCondition {
  readonly source: string;
  /** True only when the expression yields true within its budget; anything else is false (fail closed). */
  test(claims: Record<string, unknown>): boolean;
}

export function compileClaimCondition(source: string, where: string): ClaimCondition {
  let program: ReturnType<Environment["parse"]>;
  try {
    program = ENVIRONMENT.parse(source);
    const checked = program.check();
    if (!checked.valid) throw checked.error;
    if (checked.type !== "bool" && checked.type !== "dyn")
      throw new Error(`yields ${checked.type}, not a bool`);
  } catch (err) {
    throw new AuthError(
      "INVALID",
      `${where}: the condition is not valid CEL: ${String((err as Error).message ?? err).split("\n")[0]}`,
    );
  }
  const problem = guardCelProgram(program.ast);
  if (problem !== undefined) throw new AuthError("INVALID", `${where}: ${problem}`);
  return {
    source,
    test(claims) {
      try {
        return metered(new CelMeter(10_000), () => program({ claims })) === true;
      } catch {
        return false;
      }
    },
  };
}
