import type { Rule } from "./types.js";
import { expandedWord, flagOf, instructionsOf } from "./util.js";

export const pc128: Rule = {
  id: "PC128",
  name: "copy-from-valid",
  severity: "error",
  rationale:
    "`COPY --from` names an earlier stage (by name or index) or an image. A stage copying from itself " +
    "or from a later stage cannot build, and a name that matches no stage is silently treated as an " +
    "image to pull from Docker Hub: a typo in a stage name becomes an unpinned, unreviewed image in " +
    "the supply chain.",
  fix:
    "Point `--from` at an earlier stage name (`FROM golang:1.22 AS build` … `COPY --from=build`), or at a " +
    "fully qualified image with a tag or digest (`COPY --from=registry.example.com/tools:1.2@sha256:...`).",
  equivalents: { hadolint: "DL3022, DL3023", trivy: "DS006" },
  check(context) {
    for (const { instruction, at, stage, onbuild } of instructionsOf(context, "COPY", "ADD")) {
      const written = flagOf(instruction, "from");
      if (written === undefined || written === null || stage === undefined) continue;
      // `--from=$BUILDER`: BuildKit expands it with the stage's ARG/ENV; skip when that value is unknown.
      const from = expandedWord(context, instruction, written);
      if (from === undefined || from === "") continue;
      const ref = from.toLowerCase();
      if (/^\d+$/.test(ref)) {
        if (!onbuild && Number(ref) >= stage.index) {
          context.report(at, `--from=${from} does not refer to an earlier stage`);
        }
        continue;
      }
      const named = context.stages.find((s) => s.name === ref);
      if (named !== undefined) {
        if (onbuild) continue;
        if (named.index === stage.index) context.report(at, `--from=${from} refers to the stage it is in`);
        else if (named.index > stage.index) context.report(at, `--from=${from} refers to a later stage`);
        continue;
      }
      if (!/[:@/.]/.test(ref)) {
        context.report(
          at,
          `--from=${from} matches no stage name; as an image it has no tag, registry or digest`,
        );
      }
    }
  },
};
