import { fail, pass, type RequirementRule } from "./rule.js";

export const digestRule: RequirementRule<"digest"> = {
  id: "digest",
  rationale:
    "A tag can move; only a digest names the bytes that were checked (the mutating webhook pins it).",
  fix: "Refer to the image by digest (name@sha256:...), or let the mutating webhook pin the tag.",
  needs: () => [],
  check(_required, { input }) {
    const { reference, digest } = input.image;
    if (digest === undefined) {
      return [fail("digest", `"${reference}" is referred to by tag and was not resolved to a digest`)];
    }
    if (reference.includes("@")) return [pass("digest", `"${reference}" is referred to by digest`)];
    return [pass("digest", `"${reference}" was resolved to ${digest}`)];
  },
};
