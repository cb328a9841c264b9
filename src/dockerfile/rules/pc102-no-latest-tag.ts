import { parseImageReference } from "../../oci/index.js";
import type { Rule } from "./types.js";
import { hasVariable, isExternalBase } from "./util.js";

export const pc102: Rule = {
  id: "PC102",
  name: "no-latest-tag",
  severity: "warning",
  rationale:
    "`latest` (which is also what an image without a tag means) changes whenever the publisher pushes, " +
    "so the same Dockerfile builds on a different base from one day to the next, including across major " +
    "versions. Builds stop being reproducible and upgrades happen silently instead of through review.",
  fix: "Name an explicit version tag (`FROM python:3.12-slim`), ideally with its digest as well (see PC101).",
  equivalents: { hadolint: "DL3006, DL3007", trivy: "DS001" },
  check(context) {
    for (const stage of context.stages) {
      if (!isExternalBase(stage) || hasVariable(stage.base)) continue;
      let ref: ReturnType<typeof parseImageReference>;
      try {
        ref = parseImageReference(stage.base);
      } catch {
        continue;
      }
      if (ref.digest !== undefined) continue;
      if (ref.tag === undefined) {
        context.report(stage.from, `base image "${stage.base}" has no tag, so it means "latest"`);
      } else if (ref.tag === "latest") {
        context.report(stage.from, `base image "${stage.base}" uses the "latest" tag`);
      }
    }
  },
};
