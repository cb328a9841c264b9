import { describe, expect, it } from "vitest";
import { deriveOccurrences } from "./derive.js";
import type { ImageEvidence } from "./evidence.js";
import { parseDerivedOccurrenceId } from "./names.js";
import { advisoryNote, analysisNotes } from "./notes.js";
import { vulnerabilitySummary } from "./summary.js";
import { swaggerErrors } from "./testing.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

const EVIDENCE: ImageEvidence = {
  host: "registry.example:5000",
  repository: "team/app",
  digest: DIGEST,
  scan: {
    status: "done",
    requestedAt: "2026-12-01T10:00:00.000Z",
    scannedAt: "2026-12-01T10:01:00.000Z",
    findings: [
      {
        id: "CVE-2019-10906",
        severity: "HIGH",
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N", score: 8.6 },
        summary: "sandbox escape",
        package: { name: "Jinja2", type: "python", purl: "pkg:pypi/jinja2@2.10" },
        installedVersion: "2.10",
        fixedVersion: "2.10.1",
      },
      {
        id: "GHSA-xxxx-yyyy-zzzz",
        severity: "UNKNOWN",
        package: { name: "left-pad", type: "npm", purl: "pkg:npm/left-pad@1.0.0" },
        installedVersion: "1.0.0",
      },
    ],
  },
  packages: [
    {
      name: "Jinja2",
      version: "2.10",
      ecosystem: "python",
      purl: "pkg:pypi/jinja2@2.10",
      licenses: ["BSD-3-Clause"],
      paths: ["/usr/lib/python3"],
    },
  ],
  signatures: [
    { format: "cosign", digest: `sha256:${"b".repeat(64)}`, verified: true, signer: "key release.pub" },
  ],
  attestations: [
    {
      predicateType: "https://slsa.dev/provenance/v1",
      digest: `sha256:${"c".repeat(64)}`,
      verified: null,
      signer: null,
    },
  ],
  provenance: {
    builder: "https://github.com/actions/runner",
    source: "git+https://git.example/app",
    dockerfileDigest: null,
    verified: true,
  },
  decisions: [
    {
      id: 7,
      gate: "admission",
      effect: "allow",
      at: Date.UTC(2026, 11, 2),
      reason: "allowed",
      actor: "alice",
      namespace: "prod",
      workload: "Deployment/app",
    },
    { id: 8, gate: "admission", effect: "deny", at: Date.UTC(2026, 11, 3), reason: "unsigned" },
    { id: 9, gate: "registry-pull", effect: "allow", at: Date.UTC(2026, 11, 3), reason: "ok" },
  ],
  baseImage: { name: "docker.io/library/debian:12", digest: null },
  layers: [`sha256:${"d".repeat(64)}`],
};

describe("deriveOccurrences", () => {
  const occurrences = deriveOccurrences(EVIDENCE);

  it("gives one occurrence per fact, each valid against grafeas.swagger.json's v1Occurrence", () => {
    expect(occurrences.map((o) => o.kind)).toEqual([
      "DISCOVERY",
      "VULNERABILITY",
      "VULNERABILITY",
      "PACKAGE",
      "BUILD",
      "ATTESTATION",
      "ATTESTATION",
      "DEPLOYMENT",
      "IMAGE",
    ]);
    for (const o of occurrences) expect(swaggerErrors("v1Occurrence", o), o.kind).toEqual([]);
    for (const o of occurrences) {
      expect(o.resourceUri).toBe(`https://registry.example:5000/team/app@${DIGEST}`);
      expect(o.name).toMatch(/^projects\/team\/occurrences\/pc-/);
    }
  });

  it("writes a finding's advisory note, severity, CVSS score and affected and fixed versions", () => {
    const [high, unknown] = occurrences.filter((o) => o.kind === "VULNERABILITY");
    expect(high!.noteName).toBe("projects/portcullis-advisories/notes/CVE-2019-10906");
    expect(high!.vulnerability).toMatchObject({
      severity: "HIGH",
      cvssScore: 8.6,
      cvssVersion: "CVSS_VERSION_3",
      fixAvailable: true,
      packageIssue: [
        {
          affectedPackage: "Jinja2",
          affectedVersion: { name: "2.10", kind: "NORMAL" },
          fixedVersion: { name: "2.10.1", kind: "NORMAL" },
        },
      ],
    });
    expect(high!.remediation).toBe("upgrade Jinja2 to 2.10.1");
    // No fix: Grafeas's MAXIMUM version, and no severity is SEVERITY_UNSPECIFIED.
    expect(unknown!.vulnerability).toMatchObject({
      severity: "SEVERITY_UNSPECIFIED",
      fixAvailable: false,
      packageIssue: [{ fixedVersion: { kind: "MAXIMUM" } }],
    });
  });

  it("keeps only admissions that let the image run as DEPLOYMENT, with who and where", () => {
    const deployments = occurrences.filter((o) => o.kind === "DEPLOYMENT");
    expect(deployments).toHaveLength(1);
    expect(deployments[0]!.deployment).toMatchObject({
      userEmail: "alice",
      address: "prod/Deployment/app",
      deployTime: "2026-12-02T00:00:00.000Z",
    });
  });

  it("names each occurrence by what it was derived from, stable across calls", () => {
    const again = deriveOccurrences(EVIDENCE);
    expect(again.map((o) => o.name)).toEqual(occurrences.map((o) => o.name));
    expect(new Set(occurrences.map((o) => o.name)).size).toBe(occurrences.length);
    const id = occurrences[1]!.name.split("/").pop()!;
    expect(parseDerivedOccurrenceId(id)).toEqual({
      kind: "VULNERABILITY",
      repository: "team/app",
      digest: DIGEST,
      key: "CVE-2019-10906|pkg:pypi/jinja2@2.10|2.10",
    });
    expect(parseDerivedOccurrenceId("pc-bm90IGpzb24")).toBeUndefined();
    expect(parseDerivedOccurrenceId("0b9d5f8e")).toBeUndefined();
  });

  it("derives nothing from an image nothing is known about", () => {
    expect(
      deriveOccurrences({
        ...EVIDENCE,
        scan: undefined,
        packages: [],
        signatures: [],
        attestations: [],
        decisions: [],
        layers: [],
        provenance: undefined,
        baseImage: undefined,
      } as ImageEvidence),
    ).toEqual([]);
  });
});

describe("notes and the vulnerability summary", () => {
  it("every analysis note and an advisory note are valid v1Notes", () => {
    for (const n of [...analysisNotes(), advisoryNote("CVE-2019-10906")])
      expect(swaggerErrors("v1Note", n), n.name).toEqual([]);
  });

  it("counts fixable and total findings per severity, with an all-severities row", () => {
    const summary = vulnerabilitySummary(deriveOccurrences(EVIDENCE));
    const uri = `https://registry.example:5000/team/app@${DIGEST}`;
    expect(summary.counts).toEqual([
      { resourceUri: uri, severity: "HIGH", fixableCount: "1", totalCount: "1" },
      { resourceUri: uri, severity: "SEVERITY_UNSPECIFIED", fixableCount: "1", totalCount: "2" },
    ]);
  });
});
