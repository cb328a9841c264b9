import { fail, pass, type RequirementRule } from "./rule.js";

/** Custom CEL expressions over `image`, `request`, `evidence` and `now` (see cel.ts and facts.ts). */
export const customRule: RequirementRule<"custom"> = {
  id: "custom",
  rationale: "Organisation-specific checks without a code change.",
  fix: "Read the expression's message; change the workload or the image to satisfy it.",
  // An expression that never mentions `evidence` does not depend on gathering it.
  needs: (entries) =>
    entries.some((e) => e.expression.source.includes("evidence"))
      ? ["config", "signatures", "attestations", "scan"]
      : [],
  check(entries, { input, now, cel }) {
    const variables = {
      image: input.image,
      request: input.request,
      evidence: input.evidence,
      now: new Date(now),
    };
    return entries.map((entry) => {
      const rule = `custom.${entry.name}`;
      const outcome = entry.expression.run(variables, cel);
      if (outcome === true) return pass(rule, `"${entry.expression.source}" holds`);
      if (outcome === false) return fail(rule, entry.message ?? `"${entry.expression.source}" is false`);
      return fail(rule, `"${entry.expression.source}" could not be evaluated: ${outcome.error}`);
    });
  },
};
