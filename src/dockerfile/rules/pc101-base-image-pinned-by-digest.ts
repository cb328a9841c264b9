import type { Rule } from "./types.js";
import { hasVariable, isExternalBase } from "./util.js";

export const pc101: Rule = {
  id: "PC101",
  name: "base-image-pinned-by-digest",
  severity: "warning",
  rationale:
    "A tag is a movable pointer: the registry can serve different content under `node:20` tomorrow, " +
    "whether through a routine rebuild or a compromised publisher account. Only a digest names exact " +
    "bytes, so pinning the base by digest makes builds reproducible and lets the gate know precisely " +
    "which image (and which vulnerabilities and signatures) a build started from.",
  fix:
    "Append the digest to the image: `FROM node:20.11-bookworm@sha256:<digest>` (keep the tag for " +
    "readability); let a bot such as Renovate or Dependabot bump the digest.",
  equivalents: {},
  check(context) {
    for (const stage of context.stages) {
      if (!isExternalBase(stage)) continue;
      if (/@sha(256|512):/.test(stage.base)) continue;
      if (hasVariable(stage.base)) {
        context.report(
          stage.from,
          `base image "${stage.baseRaw}" comes from a build argument with no default and cannot be checked for a digest`,
        );
      } else {
        context.report(stage.from, `base image "${stage.base}" is not pinned by digest (@sha256:...)`);
      }
    }
  },
};
