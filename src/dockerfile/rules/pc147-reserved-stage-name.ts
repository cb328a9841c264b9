import type { Rule } from "./types.js";

/** Names BuildKit gives a meaning of their own (`FROM scratch`, the build context). */
const RESERVED = new Set(["scratch", "context"]);

export const pc147: Rule = {
  id: "PC147",
  name: "reserved-stage-name",
  severity: "warning",
  rationale:
    "`scratch` and `context` mean something to BuildKit (the empty image, the build context), so a " +
    "stage called that is ambiguous: `FROM scratch` or `COPY --from=context` may not refer to the stage " +
    "the author meant.",
  fix: "Rename the stage: `FROM alpine:3.20 AS build`.",
  equivalents: { hadolint: "DL3063", buildkit: "ReservedStageName" },
  check(context) {
    for (const stage of context.stages) {
      if (stage.name !== undefined && RESERVED.has(stage.name)) {
        context.report(stage.from, `stage name "${stage.name}" is reserved`);
      }
    }
  },
};
