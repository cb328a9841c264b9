import type { Rule } from "./types.js";
import { instructionsOf, runCommands } from "./util.js";

export const pc126: Rule = {
  id: "PC126",
  name: "apt-get-not-apt",
  severity: "warning",
  rationale:
    "`apt` is the interactive front end: its output and behaviour may change between releases and it " +
    "warns that it has no stable command-line interface. `apt-get` and `apt-cache` are the stable, " +
    "scriptable interfaces meant for builds.",
  fix: "Use `apt-get` (and `apt-cache` for queries) instead of `apt`.",
  equivalents: { hadolint: "DL3027" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      if (runCommands(instruction).some((c) => c.name === "apt")) {
        context.report(at, "use apt-get instead of apt in scripts");
      }
    }
  },
};
