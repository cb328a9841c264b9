import type { LabelRequirement } from "../model.js";
import { ownValue } from "../own-record.js";
import { fail, pass, type RequirementRule } from "./rule.js";

const WHERE: Record<LabelRequirement["from"], string> = {
  label: "image label",
  annotation: "manifest annotation",
  any: "label or annotation",
};

/** Required image labels (config) or manifest annotations, optionally with a value glob. */
export const labelsRule: RequirementRule<"labels"> = {
  id: "labels",
  rationale: "Ownership and source labels tie a running image back to a team and a repository.",
  fix: "Add the label at build time (LABEL or --label), or the annotation on the manifest.",
  needs: () => ["config"],
  check(required, { input }) {
    const config = input.evidence.config;
    return required.map((req) => {
      const what = `${WHERE[req.from]} "${req.name}"`;
      const value =
        (req.from !== "annotation" ? ownValue(config?.labels, req.name) : undefined) ??
        (req.from !== "label" ? ownValue(config?.annotations, req.name) : undefined);
      if (value === undefined || value === "") return fail("labels", `${what} is missing`);
      if (req.value && !req.value.test(value)) {
        return fail("labels", `${what} is ${JSON.stringify(value)}, which does not match "${req.valueText}"`);
      }
      return pass("labels", `${what} is ${JSON.stringify(value)}`);
    });
  },
};
