import type { Stage } from "../stages.js";
import type { Rule } from "./types.js";
import { expandedWord, instructionsOf, ownInstructions, parentStage } from "./util.js";

/**
 * For each stage: the line of its first own WORKDIR, and whether a stage it is built FROM sets one.
 * Parents come earlier in the file, so one pass in order fills both.
 */
function workdirFacts(stages: readonly Stage[]): { first: Map<Stage, number>; inherited: Set<Stage> } {
  const first = new Map<Stage, number>();
  const inherited = new Set<Stage>();
  for (const stage of stages) {
    const own = ownInstructions(stage, "WORKDIR")[0];
    if (own !== undefined) first.set(stage, own.range.startLine);
    const parent = parentStage(stages, stage);
    if (parent !== undefined && (first.has(parent) || inherited.has(parent))) inherited.add(stage);
  }
  return { first, inherited };
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
    const workdirs = workdirFacts(context.stages);
    for (const { instruction, at, stage, onbuild } of instructionsOf(context, "COPY", "ADD")) {
      if (stage === undefined || onbuild || instruction.args.length < 2) continue;
      const written = instruction.args[instruction.args.length - 1] ?? "";
      const dest = expandedWord(context, instruction, written);
      if (dest === undefined || dest.startsWith("/") || /^[A-Za-z]:[\\/]/.test(dest)) continue;
      const own = workdirs.first.get(stage);
      if (workdirs.inherited.has(stage) || (own !== undefined && own < instruction.range.startLine)) continue;
      context.report(
        at,
        `${instruction.keyword} to the relative destination "${written}" without a WORKDIR set`,
      );
    }
  },
};
