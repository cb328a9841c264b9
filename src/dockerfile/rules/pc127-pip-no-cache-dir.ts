import type { Stage } from "../stages.js";
import { pipInstallPackages } from "./pc113-pinned-package-versions.js";
import type { Rule } from "./types.js";
import { cacheMountTargets, hasFlag, instructionsOf, keyValue, runCommands } from "./util.js";

function disablesCache(assignment: string): boolean {
  const { key, value } = keyValue(assignment);
  return key === "PIP_NO_CACHE_DIR" && value !== undefined && value !== "";
}

export const pc127: Rule = {
  id: "PC127",
  name: "pip-no-cache-dir",
  severity: "info",
  rationale:
    "pip keeps every downloaded wheel in ~/.cache/pip. In an image that cache is never reused, but it " +
    "is committed into the layer, often adding tens to hundreds of megabytes.",
  fix: "Use `pip install --no-cache-dir ...`, set `ENV PIP_NO_CACHE_DIR=1`, or mount a cache: `RUN --mount=type=cache,target=/root/.cache/pip`.",
  equivalents: { hadolint: "DL3042" },
  check(context) {
    // The first line of each stage where an ENV turns the cache off (one pass, not one per RUN).
    const disabledFrom = new Map<Stage, number>();
    for (const stage of context.stages) {
      const env = stage.instructions.find((i) => i.keyword === "ENV" && i.args.some(disablesCache));
      if (env !== undefined) disabledFrom.set(stage, env.range.startLine);
    }
    for (const { instruction, at, stage } of instructionsOf(context, "RUN")) {
      const from = stage === undefined ? undefined : disabledFrom.get(stage);
      if (from !== undefined && from < at.range.startLine) continue;
      if (cacheMountTargets(instruction).some((t) => t.endsWith(".cache/pip") || t.endsWith(".cache")))
        continue;
      for (const command of runCommands(instruction)) {
        if (pipInstallPackages(command) === undefined) continue;
        if (hasFlag(command, "--no-cache-dir") || command.assignments.some(disablesCache)) continue;
        context.report(at, "pip install without --no-cache-dir");
      }
    }
  },
};
