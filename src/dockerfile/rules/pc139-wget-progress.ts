import type { Rule } from "./types.js";
import { hasFlag, instructionsOf, runCommands } from "./util.js";

export const pc139: Rule = {
  id: "PC139",
  name: "wget-progress",
  severity: "info",
  rationale:
    "Without a terminal, wget falls back to its dot progress display, printing a line per few " +
    "kilobytes: downloading a large file fills the build log with thousands of lines and hides the " +
    "output that matters.",
  fix: "Use `wget --progress=dot:giga <url>`, or `-q`/`-nv` for quiet output.",
  equivalents: { hadolint: "DL3047" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (command.name !== "wget") continue;
        if (
          hasFlag(command, "--progress", "-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file") ||
          hasFlag(command, "-a", "--append-output")
        ) {
          continue;
        }
        // One finding per RUN, as hadolint reports it.
        context.report(at, "wget without --progress (or -q/-nv) floods the build log");
        break;
      }
    }
  },
};
