import type { Rule } from "./types.js";
import { instructionsOf, runCommands } from "./util.js";

export const pc125: Rule = {
  id: "PC125",
  name: "cd-instead-of-workdir",
  severity: "style",
  rationale:
    "`cd` in a RUN only lasts for that RUN, so the next instruction silently runs somewhere else; " +
    "chains of `cd dir && ...` are hard to read and easy to get wrong. WORKDIR states the directory " +
    "once and applies to every following instruction.",
  fix: "Use `WORKDIR /path` before the commands (or the tool's own directory option such as `make -C dir`).",
  equivalents: { hadolint: "DL3003", trivy: "DS013" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      if (runCommands(instruction).some((c) => c.name === "cd")) {
        context.report(at, "use WORKDIR instead of cd in RUN");
      }
    }
  },
};
