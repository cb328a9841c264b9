import { describe, expect, it } from "vitest";
import { PREDICATE_TYPE_ALIASES, resolvePredicateType } from "./predicate-types.js";
import { buildStatement, matchSubject, parseStatement } from "./statement.js";

const hex = "658781cd4ed9bca60dacd09f7bb914bb51502e8b5d619f57f39a1d652596cc24";

describe("predicate types (cosign options/predicate.go)", () => {
  it.each([
    ["slsaprovenance", "https://slsa.dev/provenance/v0.2"],
    ["slsaprovenance02", "https://slsa.dev/provenance/v0.2"],
    ["slsaprovenance1", "https://slsa.dev/provenance/v1"],
    ["link", "https://in-toto.io/Link/v1"],
    ["spdx", "https://spdx.dev/Document"],
    ["spdxjson", "https://spdx.dev/Document"],
    ["cyclonedx", "https://cyclonedx.org/bom"],
    ["vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"],
    ["openvex", "https://openvex.dev/ns"],
    ["custom", "https://cosign.sigstore.dev/attestation/v1"],
    ["https://example.com/my-predicate/v1", "https://example.com/my-predicate/v1"],
  ])("%s → %s", (alias, uri) => expect(resolvePredicateType(alias)).toBe(uri));

  it("has the ten aliases cosign defines", () =>
    expect(Object.keys(PREDICATE_TYPE_ALIASES)).toHaveLength(10));

  it.each(["slsaprovenace", "", "provenance v1", "not a uri"])("refuses %j", (t) => {
    expect(() => resolvePredicateType(t)).toThrowError(
      expect.objectContaining({ code: "PREDICATE_TYPE_UNKNOWN" }),
    );
  });
});

describe("in-toto statements", () => {
  it("builds v1 and parses v1 and v0.1", () => {
    const s = buildStatement([{ name: "img", digest: { sha256: hex } }], "https://slsa.dev/provenance/v1", {
      a: 1,
    });
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(parseStatement(JSON.stringify(s))).toEqual(s);
    const old = { ...s, _type: "https://in-toto.io/Statement/v0.1" };
    expect(parseStatement(JSON.stringify(old))._type).toBe("https://in-toto.io/Statement/v0.1");
  });

  it.each([
    ["an unknown _type", { _type: "https://in-toto.io/Statement/v2", subject: [], predicateType: "x" }],
    ["no subject", { _type: "https://in-toto.io/Statement/v1", predicateType: "x" }],
    [
      "a subject without digest",
      { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "a" }], predicateType: "x" },
    ],
    [
      "a numeric digest",
      {
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: "a", digest: { sha256: 1 } }],
        predicateType: "x",
      },
    ],
    ["no predicateType", { _type: "https://in-toto.io/Statement/v1", subject: [] }],
    [
      "a list predicate",
      { _type: "https://in-toto.io/Statement/v1", subject: [], predicateType: "x", predicate: [] },
    ],
  ])("refuses %s", (_n, value) => {
    expect(() => parseStatement(JSON.stringify(value))).toThrowError(
      expect.objectContaining({ code: "STATEMENT_INVALID" }),
    );
  });

  it("refuses to build with bad subjects", () => {
    expect(() => buildStatement([], "x")).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => buildStatement([{ name: "a", digest: { sha256: "ABC" } }], "x")).toThrowError(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("matches subjects by digest", () => {
    const s = buildStatement([{ name: "a", digest: { sha256: hex, sha512: "ab" } }], "x");
    expect(matchSubject(s, `sha256:${hex}`).ok).toBe(true);
    expect(matchSubject(s, `sha256:${"0".repeat(64)}`)).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    expect(matchSubject(s, "sha384:00")).toMatchObject({ ok: false, reason: "DIGEST_MISMATCH" });
    expect(matchSubject(s, "nonsense")).toMatchObject({ ok: false, reason: "DIGEST_MISMATCH" });
  });
});
