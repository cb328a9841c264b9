import type { Rule } from "./types.js";
import { instructionsOf, operands, runCommands } from "./util.js";

const DEFAULT_SHELLS = new Set(["/bin/sh", "/usr/bin/sh"]);

export const pc144: Rule = {
  id: "PC144",
  name: "shell-instruction",
  severity: "warning",
  rationale:
    "Replacing /bin/sh with a link to bash changes the shell of every later RUN and of anything in " +
    "the running container that calls `sh`, invisibly to readers of the Dockerfile. The SHELL " +
    "instruction changes the shell for RUN, CMD and ENTRYPOINT explicitly and leaves the system alone.",
  fix: 'Use `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` instead of linking /bin/sh.',
  equivalents: { hadolint: "DL4005" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (command.name !== "ln") continue;
        const target = operands(command, ["-t", "--target-directory", "-S", "--suffix"]).at(-1);
        if (target !== undefined && DEFAULT_SHELLS.has(target)) {
          context.report(at, `ln replaces ${target}: use the SHELL instruction to change the shell`);
        }
      }
    }
  },
};
