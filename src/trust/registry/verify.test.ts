import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTrustedRoot } from "../formats/bundle/trusted-root.js";
import { readCosignManifest } from "../formats/cosign/manifest.js";
import { readCosignLayer } from "../formats/cosign/parse.js";
import { type SigningKey, toVerificationKey } from "../keys/load.js";
import { classifyKey } from "../keys/policy.js";
import { compileCondition } from "./condition.js";
import type { FoundArtifact } from "./discover.js";
import {
  fakeImage,
  messageSignatureReferrer,
  referrerAttestation,
  referrerSignature,
  tagAttestation,
  tagSignature,
} from "./testing.js";
import {
  keyFingerprint,
  type RegistryTrustAnchor,
  verifyImageAttestations,
  verifyImageSignatures,
} from "./verify.js";

function newKey(type: "ec" | "ed25519" = "ec"): SigningKey {
  const { privateKey, publicKey } =
    type === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

const SLSA1 = "https://slsa.dev/provenance/v1";
let key: SigningKey;
let other: SigningKey;
let anchor: RegistryTrustAnchor;

beforeAll(() => {
  key = newKey();
  other = newKey("ed25519");
  anchor = { kind: "key", key: toVerificationKey(key.publicKey) };
});

describe("verifyImageSignatures", () => {
  it("accepts a tag-scheme and a referrer signature, naming the key as signer", () => {
    const seed = fakeImage("a");
    const image = fakeImage("a", [
      tagSignature(key, seed.target.digest, { annotations: { env: "prod" } }),
      referrerSignature(key, seed.target.digest, { annotations: { env: "prod" } }),
    ]);
    const result = verifyImageSignatures(image, { anchor, requiredAnnotations: { env: "prod" } });
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.source, c.ok, c.signer])).toEqual([
      ["tag", true, `key ${keyFingerprint(anchor.kind === "key" ? anchor.key : ({} as never))}`],
      ["referrer", true, `key ${keyFingerprint(anchor.kind === "key" ? anchor.key : ({} as never))}`],
    ]);
    expect(result.checks[0]!.annotations).toEqual({ env: "prod" });
    expect(result.checks[1]!.dockerReference).toBe("registry.example/team/app");
  });

  const cases: Array<{
    name: string;
    build: (digest: string) => Parameters<typeof fakeImage>[1];
    options?: { requiredAnnotations?: Record<string, string>; strictReference?: boolean };
    reasons: string[];
  }> = [
    { name: "another key", build: (d) => [tagSignature(other, d)], reasons: ["SIGNATURE_MISMATCH"] },
    {
      name: "another key (referrer)",
      build: (d) => [referrerSignature(other, d)],
      reasons: ["SIGNATURE_MISMATCH"],
    },
    {
      name: "a signature copied from another image",
      build: () => [tagSignature(key, fakeImage("other").target.digest)],
      reasons: ["DIGEST_MISMATCH"],
    },
    {
      name: "a referrer bundle copied from another image",
      build: () => [referrerSignature(key, fakeImage("other").target.digest)],
      reasons: ["DIGEST_MISMATCH"],
    },
    {
      name: "a missing required annotation",
      build: (d) => [tagSignature(key, d), referrerSignature(key, d)],
      options: { requiredAnnotations: { env: "prod" } },
      reasons: ["ANNOTATION_MISMATCH", "ANNOTATION_MISMATCH"],
    },
    {
      name: "a different annotation value",
      build: (d) => [tagSignature(key, d, { annotations: { env: "dev" } })],
      options: { requiredAnnotations: { env: "prod" } },
      reasons: ["ANNOTATION_MISMATCH"],
    },
    {
      name: "another repository, strictly",
      build: (d) => [tagSignature(key, d, { reference: "registry.example/evil/app" })],
      options: { strictReference: true },
      reasons: ["REFERENCE_MISMATCH"],
    },
    {
      name: "an unreadable artifact",
      build: () => [{ source: "tag", kind: "unreadable", where: "sha256-x.sig[0]", message: "bad blob" }],
      reasons: ["ARTIFACT_UNREADABLE"],
    },
    {
      name: "a message signature over other bytes",
      build: () => [messageSignatureReferrer(key, Buffer.from("not the manifest"))],
      reasons: ["SIGNATURE_MISMATCH"],
    },
  ];
  it.each(cases)("refuses $name", ({ build, options, reasons }) => {
    const digest = fakeImage("a").target.digest;
    const result = verifyImageSignatures(fakeImage("a", build(digest)), { anchor, ...options });
    expect(result.ok).toBe(false);
    expect(result.checks.map((c) => c.reason)).toEqual(reasons);
    for (const c of result.checks) expect(c.message).toBeTruthy();
  });

  it("warns, by default, on a docker-reference naming another repository", () => {
    const digest = fakeImage("a").target.digest;
    const image = fakeImage("a", [tagSignature(key, digest, { reference: "mirror.example/team/app" })]);
    const result = verifyImageSignatures(image, { anchor });
    expect(result.ok).toBe(true);
    expect(result.checks[0]!.warnings).toEqual([
      "docker-reference mismatch: signed for mirror.example/team/app, verified as registry.example/team/app",
    ]);
  });

  it("accepts a message signature over the manifest bytes", () => {
    const seed = fakeImage("a");
    const image = fakeImage("a", [messageSignatureReferrer(key, seed.target.manifest.bytes)]);
    expect(verifyImageSignatures(image, { anchor }).ok).toBe(true);
  });

  it("is not ok with no signatures, and ignores attestations", () => {
    const digest = fakeImage("a").target.digest;
    const result = verifyImageSignatures(fakeImage("a", [tagAttestation(key, digest, SLSA1, {})]), {
      anchor,
    });
    expect(result).toMatchObject({ ok: false, checks: [] });
  });
});

describe("verifyImageAttestations", () => {
  const predicate = { buildDefinition: { buildType: "https://example.com/build/v1" } };

  it("verifies both schemes, filters by type and evaluates the condition", () => {
    const digest = fakeImage("a").target.digest;
    const image = fakeImage("a", [
      tagAttestation(key, digest, SLSA1, predicate),
      referrerAttestation(key, digest, SLSA1, predicate),
      tagAttestation(key, digest, "https://cyclonedx.org/bom", {}),
    ]);
    const pass = verifyImageAttestations(image, {
      anchor,
      predicateType: SLSA1,
      condition: compileCondition('predicate.buildDefinition.buildType == "https://example.com/build/v1"'),
    });
    expect(pass.ok).toBe(true);
    expect(pass.checks.map((c) => [c.source, c.ok, c.predicateType])).toEqual([
      ["tag", true, SLSA1],
      ["referrer", true, SLSA1],
    ]);
    const fail = verifyImageAttestations(image, {
      anchor,
      predicateType: SLSA1,
      condition: compileCondition('predicate.buildDefinition.buildType == "other"'),
    });
    expect(fail.ok).toBe(false);
    expect(fail.checks.map((c) => c.reason)).toEqual(["CONDITION_FAILED", "CONDITION_FAILED"]);
    expect(verifyImageAttestations(image, { anchor }).checks).toHaveLength(3);
    const either = verifyImageAttestations(image, {
      anchor,
      predicateType: [SLSA1, "https://slsa.dev/provenance/v0.2"],
    });
    expect(either.checks.map((c) => c.predicateType)).toEqual([SLSA1, SLSA1]);
  });

  it("refuses another key, another image and a predicate type that contradicts its label", () => {
    const digest = fakeImage("a").target.digest;
    const otherDigest = fakeImage("b").target.digest;
    const lyingTag = tagAttestation(key, digest, "https://cyclonedx.org/bom", {});
    if (lyingTag.kind === "attestation" && lyingTag.source === "tag") lyingTag.layer.predicateType = SLSA1;
    const lyingReferrer = {
      ...referrerAttestation(key, digest, "https://cyclonedx.org/bom", {}),
      predicateType: SLSA1,
    };
    const image = fakeImage("a", [
      tagAttestation(other, digest, SLSA1, predicate),
      referrerAttestation(key, otherDigest, SLSA1, predicate),
      lyingTag,
      lyingReferrer,
    ]);
    const result = verifyImageAttestations(image, { anchor, predicateType: SLSA1 });
    expect(result.checks.map((c) => c.reason)).toEqual([
      "SIGNATURE_MISMATCH",
      "DIGEST_MISMATCH",
      "STATEMENT_INVALID",
      "PREDICATE_TYPE_MISMATCH",
    ]);
  });
});

describe("keyless, on the attestations the SLSA generator pushed with cosign", () => {
  const dir = fileURLToPath(new URL("../testdata/oci-layout/v2.1.0/", import.meta.url));
  const blob = (digest: string) =>
    readFileSync(join(dir, "container_workflow_dispatch", "blobs", ...digest.split(":")));
  const digest = readFileSync(join(dir, "container_workflow_dispatch.digest"), "utf8").trim();
  const index = JSON.parse(readFileSync(join(dir, "container_workflow_dispatch", "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const atts = index.manifests.find((m) => m.annotations?.kind === "dev.cosignproject.cosign/atts")!;
  const artifacts: FoundArtifact[] = readCosignManifest(blob(atts.digest)).layers.map((d, i) => {
    const layer = readCosignLayer(d, blob(d.digest));
    if (layer.kind !== "attestation") throw new Error("expected an attestation");
    return { source: "tag", kind: "attestation", where: `att[${i}]`, layer };
  });
  const image = fakeImage("slsa", artifacts);
  image.target.digest = digest;
  const trustedRoot = loadTrustedRoot(
    readFileSync(fileURLToPath(new URL("../testdata/keyless/trusted_root_pgi.json", import.meta.url))),
  );
  const issuer = "https://token.actions.githubusercontent.com";
  const generator =
    /https:\/\/github\.com\/slsa-framework\/slsa-github-generator\/\.github\/workflows\/generator_container_slsa3\.yml@refs\/tags\/v[0-9.]+/;

  it("verifies with the generator's identity and names it as signer", () => {
    const result = verifyImageAttestations(image, {
      anchor: { kind: "keyless", trustedRoot, identity: { subjectAlternativeName: generator, issuer } },
      predicateType: "https://slsa.dev/provenance/v0.2",
    });
    expect(result.ok).toBe(true);
    expect(result.checks.every((c) => c.ok && c.signer?.includes(issuer))).toBe(true);
  });

  it("refuses another identity", () => {
    const result = verifyImageAttestations(image, {
      anchor: {
        kind: "keyless",
        trustedRoot,
        identity: { subjectAlternativeName: "someone@example.com", issuer },
      },
    });
    expect(result.ok).toBe(false);
    expect(new Set(result.checks.map((c) => c.reason))).toEqual(new Set(["IDENTITY_MISMATCH"]));
  });
});
