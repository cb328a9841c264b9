import type { Rule } from "./types.js";
import { aptCall, instructionsOf, runCommands } from "./util.js";

const USES_INDEX = new Set(["install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"]);

export const pc108: Rule = {
  id: "PC108",
  name: "apt-update-with-install",
  severity: "warning",
  rationale:
    "Docker caches each RUN as a layer. An `apt-get update` in a RUN of its own is cached and reused " +
    "by later builds, so a later `apt-get install` works from a stale package index: it installs old, " +
    "vulnerable versions or fails when the mirror has dropped them. Updating and installing in the " +
    "same RUN keeps the index and the install in one cache entry.",
  fix: "Combine them: `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`.",
  equivalents: { trivy: "DS017", cis: "4.7" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const calls = runCommands(instruction)
        .map(aptCall)
        .filter((c) => c !== undefined);
      const updates = calls.some((c) => c.sub === "update");
      const installs = calls.some((c) => c.sub !== undefined && USES_INDEX.has(c.sub));
      if (updates && !installs) {
        context.report(at, "apt-get update without an install in the same RUN leaves a stale cached index");
      }
    }
  },
};
