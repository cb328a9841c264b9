import type { Rule } from "./types.js";
import { ownInstructions } from "./util.js";

export const pc122: Rule = {
  id: "PC122",
  name: "single-cmd-entrypoint",
  severity: "warning",
  rationale:
    "Only the last CMD and the last ENTRYPOINT of a stage take effect; earlier ones are silently " +
    "overridden. Several of them usually mean a copy-paste mistake or a misunderstanding of how the " +
    "container starts, and a reader may trust the wrong one.",
  fix: "Keep one CMD and one ENTRYPOINT per stage; run several processes through a script or a supervisor if really needed.",
  equivalents: {
    hadolint: "DL4003, DL4004",
    trivy: "DS016, DS007",
    buildkit: "MultipleInstructionsDisallowed",
  },
  check(context) {
    for (const stage of context.stages) {
      for (const keyword of ["CMD", "ENTRYPOINT"]) {
        const all = ownInstructions(stage, keyword);
        for (const extra of all.slice(0, -1)) {
          context.report(
            extra,
            `multiple ${keyword} instructions in one stage: only the last one takes effect`,
          );
        }
      }
    }
  },
};
