import type { Rule } from "./types.js";
import { ownInstructions } from "./util.js";

export const pc132: Rule = {
  id: "PC132",
  name: "single-healthcheck",
  severity: "error",
  rationale:
    "Only the last HEALTHCHECK of a stage takes effect; earlier ones are silently discarded. Two " +
    "HEALTHCHECKs usually mean a check was added without noticing an existing one, and the one a " +
    "reviewer reads may not be the one that runs.",
  fix: "Keep exactly one HEALTHCHECK per stage (the one that should run).",
  equivalents: { hadolint: "DL3012", trivy: "DS023", buildkit: "MultipleInstructionsDisallowed" },
  check(context) {
    for (const stage of context.stages) {
      const all = ownInstructions(stage, "HEALTHCHECK");
      for (const extra of all.slice(0, -1)) {
        context.report(
          extra,
          "multiple HEALTHCHECK instructions in one stage: only the last one takes effect",
        );
      }
    }
  },
};
