import { matchesImage } from "../image-pattern.js";
import { fail, pass, type RequirementRule } from "./rule.js";

export const registriesRule: RequirementRule<"registries"> = {
  id: "registries",
  rationale:
    "Images come only from registries the organisation trusts, so nothing is pulled from a look-alike.",
  fix: "Push the image to a trusted registry, or add its registry to require.registries.",
  needs: () => [],
  check(patterns, { input }) {
    const name = `${input.image.registry}/${input.image.repository}`;
    const match = patterns.find((p) => matchesImage(p, input.image));
    if (match) return [pass("registries", `${name} matches trusted pattern "${match.source}"`)];
    const trusted = patterns.map((p) => `"${p.source}"`).join(", ");
    return [fail("registries", `${name} is not in a trusted registry (trusted: ${trusted})`)];
  },
};
