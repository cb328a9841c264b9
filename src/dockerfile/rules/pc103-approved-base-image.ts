import { checkApprovedBase, type ImageReference, parseImageReference } from "../../oci/index.js";
import type { Rule } from "./types.js";
import { hasVariable, isExternalBase } from "./util.js";

export const pc103: Rule = {
  id: "PC103",
  name: "approved-base-image",
  severity: "error",
  rationale:
    "Base images carry an operating system, a package set and a publisher the organisation has to " +
    "trust. Restricting FROM to an approved list (vetted, scanned, patched, supported images) keeps " +
    "unknown publishers and unmaintained distributions out of the supply chain and makes fleet-wide " +
    "patching possible. The rule runs only when `approvedBases` is configured.",
  fix:
    "Build FROM one of the approved base images (and an approved tag or digest of it), or ask the " +
    "platform team to add the image to `approvedBases`.",
  equivalents: { hadolint: "DL3026", cis: "4.2" },
  check(context) {
    const approved = context.config.approvedBases;
    if (approved.length === 0) return;
    for (const stage of context.stages) {
      if (!isExternalBase(stage)) continue;
      if (hasVariable(stage.base)) {
        context.report(
          stage.from,
          `base image "${stage.baseRaw}" comes from a build argument with no default and cannot be checked against the approved list`,
        );
        continue;
      }
      let ref: ImageReference;
      try {
        ref = parseImageReference(stage.base);
      } catch {
        context.report(stage.from, `base image "${stage.base}" is not a valid image reference`);
        continue;
      }
      const verdict = checkApprovedBase(ref, approved, stage.base);
      if (!verdict.approved) context.report(stage.from, verdict.message);
    }
  },
};
