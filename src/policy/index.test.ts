import { describe, expect, it } from "vitest";
import * as policy from "./index.js";

describe("policy/ public surface", () => {
  it("exports exactly these values", () => {
    expect(Object.keys(policy).sort()).toEqual([
      "MAX_POLICY_BYTES",
      "PolicyError",
      "REQUIREMENT_RULES",
      "compileImagePattern",
      "evaluate",
      "matchesImage",
      "parsePolicy",
      "parsePolicyCase",
      "policyInputSchema",
      "policyTrustAnchors",
      "requiredEvidence",
      "runPolicyCases",
      "selectRule",
    ]);
  });
});
