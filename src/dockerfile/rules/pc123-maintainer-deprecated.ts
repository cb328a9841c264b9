import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

export const pc123: Rule = {
  id: "PC123",
  name: "maintainer-deprecated",
  severity: "style",
  rationale:
    "MAINTAINER has been deprecated since Docker 1.13: its value is stored in a field tools no longer " +
    "read. Labels are the standard, queryable place for image metadata, including the OCI annotation " +
    "keys registries and scanners understand.",
  fix: 'Replace it with a label: `LABEL org.opencontainers.image.authors="team@example.com"`.',
  equivalents: { hadolint: "DL4000", trivy: "DS022", buildkit: "MaintainerDeprecated" },
  check(context) {
    for (const { at } of instructionsOf(context, "MAINTAINER")) {
      context.report(at, "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors");
    }
  },
};
