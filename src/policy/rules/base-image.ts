import { checkApprovedBase, type ImageReference, parseImageReference } from "../../oci/index.js";
import { fail, pass, type RequirementRule } from "./rule.js";

/** The base the image records (OCI base annotations) must be on the approved list (oci's one matcher). */
export const baseImageRule: RequirementRule<"baseImage"> = {
  id: "baseImage",
  rationale: "Approved bases are patched and supported; anything else escapes the platform team's updates.",
  fix: "Build FROM an approved base and record it (org.opencontainers.image.base.name).",
  needs: () => ["config"],
  check(required, { input }) {
    const base = input.evidence.base;
    if (!base?.name) {
      return [
        fail("baseImage", "the image does not record its base image (org.opencontainers.image.base.name)"),
      ];
    }
    let ref: ImageReference;
    try {
      ref = parseImageReference(base.name);
    } catch {
      return [
        fail("baseImage", `recorded base image ${JSON.stringify(base.name)} is not an image reference`),
      ];
    }
    if (base.digest !== undefined && ref.digest === undefined) ref = { ...ref, digest: base.digest };
    const verdict = checkApprovedBase(ref, required.approved, base.name);
    if (verdict.approved)
      return [pass("baseImage", `base image "${base.name}" is approved (${verdict.entry.name})`)];
    return [fail("baseImage", verdict.message)];
  },
};
