import type { Instruction } from "../ast.js";
import type { Rule } from "./types.js";
import { runCommands } from "./util.js";

/** A RUN with more commands than this is taken as deliberately separate (hadolint's threshold). */
const SMALL = 2;

function flagKey(instruction: Instruction): string {
  return instruction.flags.map((f) => `${f.name}=${f.value ?? ""}`).join(" ");
}

export const pc141: Rule = {
  id: "PC141",
  name: "consecutive-run",
  severity: "info",
  rationale:
    "Each RUN makes a layer. Several small consecutive RUNs with the same flags add layers (and " +
    "cache entries) without benefit, and files removed in a later RUN still ship in the earlier " +
    "layer. Longer RUNs, RUNs with different `--mount` flags and RUNs separated by other instructions " +
    "are left alone: those splits are usually deliberate.",
  fix: "Join the commands into one RUN with `&&` (or a heredoc).",
  equivalents: { hadolint: "DL3059" },
  check(context) {
    let previous: { flags: string; commands: number } | undefined;
    for (const instruction of context.dockerfile.instructions) {
      if (instruction.keyword !== "RUN") {
        previous = undefined;
        continue;
      }
      // The RUN's own commands: those of a `sh -c '…'` script do not make it a long RUN (as in hadolint).
      const own = runCommands(instruction).filter((c) => c.fromArgument !== true).length;
      const current = { flags: flagKey(instruction), commands: own };
      if (
        previous !== undefined &&
        previous.flags === current.flags &&
        previous.commands <= SMALL &&
        current.commands <= SMALL
      ) {
        context.report(instruction, "consecutive RUN instructions: consider joining them into one");
      }
      previous = current;
    }
  },
};
