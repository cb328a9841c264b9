import type { Rule } from "./types.js";
import { instructionsOf, runCommands } from "./util.js";

export const pc143: Rule = {
  id: "PC143",
  name: "one-downloader",
  severity: "warning",
  rationale:
    "Installing both curl and wget in one image doubles the tools (and their libraries and CVEs) " +
    "that do the same job, and each extra network client is one more thing an attacker who gets a " +
    "shell can use. Pick one per stage.",
  fix: "Use either curl or wget throughout the stage (and remove the other if the base image added it).",
  equivalents: { hadolint: "DL4001", trivy: "DS014" },
  check(context) {
    const seen = new Map<number, Set<string>>();
    for (const { instruction, at, stage } of instructionsOf(context, "RUN")) {
      const key = stage?.index ?? -1;
      const used = seen.get(key) ?? new Set<string>();
      seen.set(key, used);
      const here = new Set(
        runCommands(instruction)
          .map((c) => c.name)
          .filter((n) => n === "curl" || n === "wget"),
      );
      for (const name of here) used.add(name);
      if (here.size > 0 && used.size >= 2) context.report(at, "the stage uses both curl and wget");
    }
  },
};
