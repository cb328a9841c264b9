import type { LimitReached } from "../env.js";
import type { Rule } from "./types.js";
import { instructionsOf, runScripts } from "./util.js";

/**
 * The linter's own limits, reported as findings so that a file built to exceed them fails the lint
 * (fail closed) instead of passing with its hidden parts unchecked: RUN text nested deeper than the
 * shell analyser follows (`parseShell`'s depth and work limits), and variable expansions refused for
 * their length or the file's work budget (`lint` reports those from `Environments.limitsReached`,
 * after every other rule has expanded what it needed).
 */
export const pc151: Rule = {
  id: "PC151",
  name: "too-complex-to-analyse",
  severity: "error",
  rationale:
    "The linter reads RUN commands through every construct a shell runs (subshells, substitutions, " +
    "`sh -c`, heredocs) and expands ARG/ENV values, up to fixed limits that keep hostile files from " +
    "hanging it. A RUN nested deeper than those limits, or a value too long or too costly to expand, " +
    "cannot be checked: `curl … | sh` hidden 40 substitutions deep would otherwise pass unseen.",
  fix: "Flatten the command (fewer nested `$( )`, `sh -c` and heredoc levels; a script file run by RUN) and keep ARG/ENV values short.",
  equivalents: {},
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      if (runScripts(instruction).some((s) => s.incomplete)) {
        context.report(at, "RUN is too complex to analyse: it nests deeper than the shell analyser follows");
      }
    }
  },
};

/** The PC151 message for an expansion refused at an instruction. */
export function limitMessage(limit: LimitReached): string {
  return `${limit.instruction.keyword} is too complex to analyse: ${limit.reason.replace(/^too complex: /, "")}`;
}
