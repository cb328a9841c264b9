import { describe, expect, it } from "vitest";
import type { SignatureFact } from "../facts.js";
import { DIGEST, OTHER_DIGEST, resultsOf } from "../testing.js";

const KEY = { key: "keys/release.pub" };
const KEYLESS = {
  issuer: "https://token.actions.githubusercontent.com",
  identity: "https://github.com/ex/app/.github/workflows/release.yml@refs/heads/main",
};
const KEYLESS_RE = { issuer: KEYLESS.issuer, identityRegExp: "https://github\\.com/ex/.*" };

const byKey: SignatureFact = {
  verified: true,
  digest: DIGEST,
  signer: { key: "keys/release.pub" },
  format: "cosign",
};
const byIdentity: SignatureFact = {
  verified: true,
  digest: DIGEST,
  signer: { identity: KEYLESS.identity, issuer: KEYLESS.issuer },
};

describe("signedBy", () => {
  it.each([
    ["a verified key signature", KEY, [byKey], true, "signed by key keys/release.pub (cosign)"],
    ["no signature", KEY, [], false, "no signature found; required: key keys/release.pub"],
    [
      "another key",
      KEY,
      [{ ...byKey, signer: { key: "keys/other.pub" } }],
      false,
      "1 signature(s) found, none verified by key keys/release.pub",
    ],
    ["another digest", KEY, [{ ...byKey, digest: OTHER_DIGEST }], false, "1 sign(s) another digest"],
    [
      "a failed verification",
      KEY,
      [{ ...byKey, verified: false, error: "signature mismatch" }],
      false,
      "1 failed verification: signature mismatch",
    ],
    ["a keyless identity", KEYLESS, [byIdentity], true, `signed by identity ${KEYLESS.identity}`],
    [
      "a keyless identity from another issuer",
      KEYLESS,
      [{ ...byIdentity, signer: { ...byIdentity.signer, issuer: "https://evil" } }],
      false,
      "none verified by identity",
    ],
    ["an identity regexp", KEYLESS_RE, [byIdentity], true, "signed by identity /https://github\\.com/ex/.*/"],
    [
      "an identity regexp, anchored",
      KEYLESS_RE,
      [{ ...byIdentity, signer: { ...byIdentity.signer, identity: `https://evil.io/?${KEYLESS.identity}` } }],
      false,
      "none verified",
    ],
  ])("%s", (_name, signer, signatures, passed, reason) => {
    const [result] = resultsOf({ signedBy: [signer] }, { evidence: { signatures } }, "signedBy");
    expect(result).toMatchObject({ rule: "signedBy", passed });
    expect(result!.reason).toContain(reason);
  });

  it("requires every listed signer", () => {
    const results = resultsOf(
      { signedBy: [KEY, KEYLESS] },
      { evidence: { signatures: [byKey] } },
      "signedBy",
    );
    expect(results.map((r) => r.passed)).toEqual([true, false]);
  });

  it("fails without a digest to compare with", () => {
    const [result] = resultsOf(
      { signedBy: [KEY] },
      { image: { digest: undefined }, evidence: { signatures: [byKey] } },
      "signedBy",
    );
    expect(result).toMatchObject({
      passed: false,
      reason: "no digest to check a signature by key keys/release.pub against",
    });
  });
});
