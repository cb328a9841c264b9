import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

/**
 * The variable names a Dockerfile word refers to (`$name`, `${name...}`), outside single quotes and
 * not escaped, as BuildKit's word expansion reads them.
 */
export function referencedVariables(word: string, escapeToken: string): string[] {
  const names: string[] = [];
  let single = false;
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (single) {
      if (c === "'") single = false;
      continue;
    }
    if (c === "'") single = true;
    else if (c === escapeToken) i++;
    else if (c === "$") {
      const m = /^\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(word.slice(i + 1));
      if (m?.[1] !== undefined) names.push(m[1]);
    }
  }
  return names;
}

export const pc136: Rule = {
  id: "PC136",
  name: "env-self-reference",
  severity: "error",
  rationale:
    "BuildKit expands every value of an ENV instruction against the environment from before that " +
    "instruction, so in `ENV A=/opt B=$A/bin` the `$A` is not `/opt` but whatever A was before " +
    "(usually nothing, giving `B=/bin`). The Dockerfile reads as if it did one thing and builds another.",
  fix: "Split the instruction: `ENV A=/opt` then `ENV B=$A/bin`.",
  equivalents: { hadolint: "DL3044" },
  check(context) {
    const escapeToken = context.dockerfile.escape;
    for (const { instruction, at } of instructionsOf(context, "ENV")) {
      const pairs = instruction.args.map((arg) => {
        const eq = arg.indexOf("=");
        return eq === -1 ? { key: arg, value: "" } : { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
      });
      if (pairs.length < 2) continue;
      const before = context.envAt(instruction).vars;
      const flagged = new Set<string>();
      pairs.forEach((pair, i) => {
        for (const name of referencedVariables(pair.value, escapeToken)) {
          const definedHere = pairs.some((other, j) => j !== i && other.key === name);
          if (definedHere && !before.has(name)) flagged.add(name);
        }
      });
      for (const name of flagged) {
        context.report(
          at,
          `ENV refers to ${name}, which the same ENV instruction defines (it does not see that value)`,
        );
      }
    }
  },
};
