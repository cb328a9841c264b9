import { describe, expect, it } from "vitest";
import { NO_ANCHOR_VERIFIES, unverifiedReason } from "./supply-chain.js";

const NO_ROOT = "no Sigstore trusted root is configured for keyless signers";

describe("unverifiedReason", () => {
  it("says why when the only signers of the policy could not be used (a keyless one without a root)", () => {
    expect(unverifiedReason(undefined, [NO_ROOT, NO_ROOT])).toBe(NO_ROOT);
  });

  it("says no anchor verifies it when every anchor was usable", () => {
    expect(unverifiedReason(undefined, [])).toBe(NO_ANCHOR_VERIFIES);
    expect(unverifiedReason("SIGNATURE_INVALID: bad", [])).toBe("SIGNATURE_INVALID: bad");
  });

  it("adds the unusable anchors to a failure, since one of them might have verified it", () => {
    expect(unverifiedReason("SIGNATURE_INVALID: bad", [NO_ROOT])).toBe(`SIGNATURE_INVALID: bad; ${NO_ROOT}`);
  });
});
