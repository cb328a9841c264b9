import { celPattern, instrumentProgram, re2Matches } from "./budget.js";
import { costProblem, nodesOf } from "./cost.js";

/**
 * Makes a parsed and type-checked cel-js program (its `ast`) safe to run on hostile input: refuses
 * what its cost estimate cannot bound (cost.ts), points `matches()` at RE2, and charges every step
 * to the active meter (budget.ts). Returns why the program is refused, or undefined. Call it once,
 * after `check()`, before the first evaluation.
 */
export function guardCelProgram(root: object): string | undefined {
  const problem = costProblem(root) ?? useRe2(root);
  if (problem !== undefined) return problem;
  instrumentProgram(root);
  return undefined;
}

type RcallHandle = (args: unknown[], ev: unknown, ast: unknown) => unknown;
interface RcallNode {
  readonly op: string;
  readonly args: [string, unknown, { op: string; args: unknown }[]];
  handle: RcallHandle;
}

/**
 * Points every `text.matches(pattern)` call at RE2 (budget.ts re2Matches). cel-js implements
 * `matches` with `new RegExp(pattern).test(text)` and will not let an environment register the same
 * signature again, so after type checking (which sets each call node's `handle`) we replace the
 * handle of those nodes; other argument types keep cel-js's handle and its "no such overload" error.
 * A pattern written as a literal is compiled now, so RE2's refusal (a backreference, lookaround) is a
 * load error, not a failed decision.
 */
function useRe2(root: object): string | undefined {
  for (const node of nodesOf(root) as RcallNode[]) {
    if (node.op !== "rcall" || node.args[0] !== "matches" || node.args[2].length !== 1) continue;
    const pattern = node.args[2][0]!;
    if (pattern.op === "value" && typeof pattern.args === "string") {
      const compiled = celPattern(pattern.args);
      if (typeof compiled === "string") return `CEL matches(): ${compiled}`;
    }
    const original = node.handle;
    node.handle = (args, ev, ast) => {
      const [text, source] = args;
      if (typeof text === "string" && typeof source === "string") return re2Matches(text, source);
      return original(args, ev, ast);
    };
  }
  return undefined;
}
