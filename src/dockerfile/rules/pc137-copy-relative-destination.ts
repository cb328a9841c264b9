import type { Stage } from "../stages.js";
import type { Rule } from "./types.js";
import { expandedWord, instructionsOf, ownInstructions, parentStage } from "./util.js";

/** True when the stage, or a stage it is built FROM, sets a WORKDIR before `line`. */
function workdirSetBefore(stages: readonly Stage[], stage: Stage, line: number): boolean {
  if (ownInstructions(stage, "WORKDIR").some((w) => w.range.startLine < line)) return true;
  const seen = new Set<Stage>([stage]);
  for (let parent = parentStage(stages, stage); parent !== undefined && !seen.has(parent); ) {
    if (ownInstructions(parent, "WORKDIR").length > 0) return true;
    seen.add(parent);
    parent = parentStage(stages, parent);
  }
  return false;
}

export const pc137: Rule = {
  id: "PC137",
  name: "copy-relative-destination",
  severity: "warning",
  rationale:
    "A relative COPY destination is resolved against the working directory, which, until the stage " +
    "sets a WORKDIR, is whatever the base image chose (often `/`). The files then land somewhere " +
    "that changes when the base image does.",
  fix: "Set `WORKDIR /app` first, or copy to an absolute path: `COPY app.py /app/`.",
  equivalents: { hadolint: "DL3045" },
  check(context) {
    for (const { instruction, at, stage, onbuild } of instructionsOf(context, "COPY", "ADD")) {
      if (stage === undefined || onbuild || instruction.args.length < 2) continue;
      const written = instruction.args[instruction.args.length - 1] ?? "";
      const dest = expandedWord(context, instruction, written);
      if (dest === undefined || dest.startsWith("/") || /^[A-Za-z]:[\\/]/.test(dest)) continue;
      if (workdirSetBefore(context.stages, stage, instruction.range.startLine)) continue;
      context.report(
        at,
        `${instruction.keyword} to the relative destination "${written}" without a WORKDIR set`,
      );
    }
  },
};
