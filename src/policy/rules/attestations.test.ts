import { describe, expect, it } from "vitest";
import type { AttestationFact } from "../facts.js";
import { DIGEST, OTHER_DIGEST, resultsOf } from "../testing.js";

const SLSA = "https://slsa.dev/provenance/v1";
const REQUIRE = {
  attestations: [
    {
      type: SLSA,
      key: "keys/builder.pub",
      condition: "predicate.runDetails.builder.id == 'https://ci.example.com/builder'",
    },
  ],
};
const good: AttestationFact = {
  predicateType: SLSA,
  verified: true,
  digest: DIGEST,
  signer: { key: "keys/builder.pub" },
  predicate: { runDetails: { builder: { id: "https://ci.example.com/builder" } } },
};

describe("attestations", () => {
  it.each([
    [
      "a matching provenance",
      [good],
      true,
      `${SLSA} by key keys/builder.pub: condition "predicate.runDetails.builder.id == 'https://ci.example.com/builder'" holds`,
    ],
    ["none", [], false, `no verified ${SLSA} by key keys/builder.pub attestation`],
    [
      "another builder",
      [{ ...good, predicate: { runDetails: { builder: { id: "https://evil" } } } }],
      false,
      "is false",
    ],
    [
      "a predicate without the field",
      [{ ...good, predicate: { buildDefinition: {} } }],
      false,
      "could not be evaluated: No such key: runDetails",
    ],
    [
      "another signer",
      [{ ...good, signer: { key: "keys/other.pub" } }],
      false,
      "(1 of that type, none verified by key keys/builder.pub for",
    ],
    ["another digest", [{ ...good, digest: OTHER_DIGEST }], false, "none verified"],
    ["unverified", [{ ...good, verified: false }], false, "none verified"],
    ["another type", [{ ...good, predicateType: "https://spdx.dev/Document" }], false, "no verified"],
    ["one good among bad", [{ ...good, predicate: {} }, good], true, "holds"],
  ])("%s", (_name, attestations, passed, reason) => {
    const [result] = resultsOf(REQUIRE, { evidence: { attestations } }, "attestations");
    expect(result).toMatchObject({ rule: "attestations", passed });
    expect(result!.reason).toContain(reason);
  });

  it("resolves cosign aliases and checks type alone when no signer or condition is given", () => {
    const [result] = resultsOf(
      { attestations: [{ type: "slsaprovenance1" }] },
      { evidence: { attestations: [good] } },
      "attestations",
    );
    expect(result).toMatchObject({ passed: true, reason: `verified ${SLSA} attestation` });
  });

  it("checks a lint attestation with a condition over numbers", () => {
    const lint = {
      ...good,
      predicateType: "https://portcullis.dev/attestations/dockerfile-lint/v1",
      predicate: { summary: { errors: 0, warnings: 2 } },
    };
    const require = {
      attestations: [{ type: lint.predicateType, condition: "predicate.summary.errors == 0" }],
    };
    expect(resultsOf(require, { evidence: { attestations: [lint] } }, "attestations")[0]!.passed).toBe(true);
    const bad = { ...lint, predicate: { summary: { errors: 1 } } };
    expect(resultsOf(require, { evidence: { attestations: [bad] } }, "attestations")[0]!.passed).toBe(false);
  });

  it("gives conditions the decision's time as `now`, so an approval can expire", () => {
    const APPROVAL = "https://portcullis.dev/attestations/approval/v1";
    const require = {
      attestations: [
        {
          type: APPROVAL,
          key: "keys/security.pub",
          condition: "has(predicate.expires) && timestamp(predicate.expires) > now",
        },
      ],
    };
    const approval = (expires?: string): AttestationFact => ({
      predicateType: APPROVAL,
      verified: true,
      digest: DIGEST,
      signer: { key: "keys/security.pub" },
      predicate: { approver: "security@example.com", reason: "CR-1", ...(expires ? { expires } : {}) },
    });
    // NOW (policy/testing.ts) is 2026-06-01T12:00:00Z.
    const passed = (attestation: AttestationFact) =>
      resultsOf(require, { evidence: { attestations: [attestation] } }, "attestations")[0]!.passed;
    expect(passed(approval("2026-06-01T12:00:01Z"))).toBe(true);
    expect(passed(approval("2026-06-01T11:59:59Z"))).toBe(false);
    expect(passed(approval())).toBe(false);
  });
});
