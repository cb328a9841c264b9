import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleFromJSON } from "@sigstore/bundle";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { compileRegExp } from "../../../core/index.js";
import { buildStatement } from "../../intoto/statement.js";
import { generateKeyPair } from "../../keys/generate.js";
import { loadPublicKey } from "../../keys/load.js";
import { conformanceCases } from "./conformance.js";
import { createDsseBundle, createMessageSignatureBundle } from "./create.js";
import { loadTrustedRoot } from "./trusted-root.js";
import { verifyBundle } from "./verify.js";

const testdata = (p: string) => fileURLToPath(new URL(`../../testdata/${p}`, import.meta.url));
const publicGoodRoot = loadTrustedRoot(readFileSync(testdata("keyless/trusted_root_pgi.json")));
const SHARED_SUITE = `${import.meta.dirname}/../../../../../shared/testdata/sigstore/conformance-bundle-verify`;

/**
 * Cases whose material our stack cannot verify, and why. Both are passing cases; every `_fail`
 * case fails. Anything not listed here must pass or fail as its name says.
 */
const UNSUPPORTED: Record<string, string> = {
  "managed-key-happy-path":
    "its only timestamp is an RFC 3161 one from the public-good TSA, and the public-good root we ship (cosign's trusted_root_pgi.json) predates that TSA",
  "rekor2-dsse-happy-path":
    "Rekor v2 hashedrekord-over-DSSE entries (hash of PAE) are not understood by @sigstore/verify 3.1.1, which compares the payload digest",
};

function runSuite(dir: string) {
  const cases = conformanceCases(dir, publicGoodRoot);
  expect(cases.length).toBeGreaterThan(0);
  const outcome = { pass: 0, fail: 0, unsupported: 0, wrong: [] as string[] };
  for (const c of cases) {
    const result = c.run();
    if (UNSUPPORTED[c.name]) {
      outcome.unsupported++;
      continue;
    }
    if (result.ok === c.expectFailure) outcome.wrong.push(`${c.name}: ${result.ok ? "ok" : result.message}`);
    else if (c.expectFailure) outcome.fail++;
    else outcome.pass++;
  }
  return outcome;
}

describe("Sigstore conformance (bundle-verify)", () => {
  it("the copied cases in testdata behave as named", () => {
    const outcome = runSuite(testdata("conformance"));
    expect(outcome.wrong).toEqual([]);
    expect(outcome.pass).toBe(4);
    expect(outcome.fail).toBe(5);
  });

  it.skipIf(unavailable(`the shared Sigstore suite ${SHARED_SUITE}`, existsSync(SHARED_SUITE)))(
    "every case of the full suite in ../shared behaves as named",
    () => {
      const outcome = runSuite(SHARED_SUITE);
      expect(outcome.wrong).toEqual([]);
      expect(outcome.unsupported).toBe(Object.keys(UNSUPPORTED).length);
      expect(outcome.pass + outcome.fail).toBeGreaterThan(60);
    },
  );

  it("reports precise reasons for the copied failing cases", () => {
    const reasons = Object.fromEntries(
      conformanceCases(testdata("conformance"), publicGoodRoot)
        .filter((c) => c.expectFailure)
        .map((c) => {
          const r = c.run();
          return [c.name, r.ok ? "ok" : r.reason];
        }),
    );
    expect(reasons).toEqual({
      "inclusion-proof-corrupted-hash_fail": "TLOG_INVALID",
      "intoto-expired-certificate_fail": "CERTIFICATE_INVALID",
      "managed-key-wrong-key_fail": "UNTRUSTED",
      "signature-mismatch_fail": "TLOG_INVALID",
      "wrong-material_fail": "SIGNATURE_MISMATCH",
    });
  });
});

describe("cosign's keyless bundle (pkg/cosign/testdata)", () => {
  const bundle = readFileSync(testdata("keyless/oci-attestation.sigstore.json"));
  it("verifies with the right identity and issuer", () => {
    const result = verifyBundle(bundle, {
      trustedRoot: publicGoodRoot,
      identity: { subjectAlternativeName: "cody@soyland.com", issuer: "https://github.com/login/oauth" },
    });
    expect(result).toMatchObject({ ok: true, identity: { subjectAlternativeName: "cody@soyland.com" } });
    if (result.ok) expect(result.dsse?.statement?._type).toMatch(/^https:\/\/in-toto.io\/Statement\//);
  });

  it.each([
    [{ subjectAlternativeName: "someone@else.com", issuer: "https://github.com/login/oauth" }],
    [{ subjectAlternativeName: "cody@soyland.com", issuer: "https://accounts.google.com" }],
    [{ subjectAlternativeName: compileRegExp("cody@soyland", { anchored: true }) }],
  ])("refuses a wrong identity %o (patterns are anchored)", (identity) => {
    const result = verifyBundle(bundle, { trustedRoot: publicGoodRoot, identity });
    expect(result).toMatchObject({ ok: false, reason: "IDENTITY_MISMATCH" });
  });

  it("accepts an anchored pattern that covers the whole identity", () => {
    const result = verifyBundle(bundle, {
      trustedRoot: publicGoodRoot,
      identity: { subjectAlternativeName: compileRegExp(".*@soyland\\.com", { anchored: true }) },
    });
    expect(result.ok).toBe(true);
  });

  it("needs an identity policy and a trusted root", () => {
    expect(verifyBundle(bundle, { trustedRoot: publicGoodRoot })).toMatchObject({
      ok: false,
      reason: "IDENTITY_MISMATCH",
    });
    expect(verifyBundle(bundle, { identity: { subjectAlternativeName: "cody@soyland.com" } })).toMatchObject({
      ok: false,
      reason: "UNTRUSTED",
    });
  });
});

describe("bundles we create verify with @sigstore/verify", () => {
  it.each(["ecdsa-p256", "rsa-3072"] as const)("message signature, %s", async (algorithm) => {
    const pair = await generateKeyPair("", { algorithm, strength: "legacy" });
    const artifact = Buffer.from("hello, portcullis\n");
    const json = createMessageSignatureBundle(artifact, pair);
    expect(json.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(() => bundleFromJSON(json)).not.toThrow();
    const publicKey = loadPublicKey(pair.publicKeyPem);
    expect(verifyBundle(json, { artifact, publicKey, allowNoTransparencyLog: true })).toMatchObject({
      ok: true,
    });
    expect(
      verifyBundle(JSON.stringify(json), {
        artifact: Buffer.from("tampered"),
        publicKey,
        allowNoTransparencyLog: true,
      }),
    ).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    // Without an explicit opt-in, a keyed bundle with neither log entry nor timestamp is not enough
    // (@sigstore/verify checks timestamps first, so that is the reason given).
    expect(verifyBundle(json, { artifact, publicKey })).toMatchObject({
      ok: false,
      reason: "TIMESTAMP_INVALID",
    });
    const other = await generateKeyPair("", { strength: "legacy" });
    expect(
      verifyBundle(json, { artifact, publicKey: other.publicKey, allowNoTransparencyLog: true }),
    ).toMatchObject({ ok: false });
  });

  it("DSSE in-toto bundle, with the subject checked against the artifact", async () => {
    const pair = await generateKeyPair("", { strength: "legacy" });
    const artifact = Buffer.from("some-payload");
    const statement = buildStatement(
      [
        {
          name: "blob",
          digest: { sha256: "658781cd4ed9bca60dacd09f7bb914bb51502e8b5d619f57f39a1d652596cc24" },
        },
      ],
      "https://slsa.dev/provenance/v1",
      { buildDefinition: {} },
    );
    const json = createDsseBundle(Buffer.from(JSON.stringify(statement)), pair);
    const ok = verifyBundle(json, { artifact, publicKey: pair.publicKey, allowNoTransparencyLog: true });
    expect(ok).toMatchObject({ ok: true, dsse: { payloadType: "application/vnd.in-toto+json" } });
    if (ok.ok) expect(ok.dsse?.statement?.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(
      verifyBundle(json, {
        artifact: Buffer.from("another-blob"),
        publicKey: pair.publicKey,
        allowNoTransparencyLog: true,
      }),
    ).toMatchObject({ ok: false, reason: "DIGEST_MISMATCH" });
  });

  it("refuses garbage and other media types with BUNDLE_INVALID", () => {
    for (const input of [
      "",
      "{",
      "[]",
      "null",
      JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v9+json" }),
    ]) {
      expect(verifyBundle(input, { allowNoTransparencyLog: true })).toMatchObject({
        ok: false,
        reason: "BUNDLE_INVALID",
      });
    }
  });
});

describe("loadTrustedRoot", () => {
  it.each([
    ["not JSON", "{"],
    ["no media type", "{}"],
    [
      "lists that are not lists",
      JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: {} }),
    ],
    [
      "a log without validFor.start",
      JSON.stringify({
        mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        tlogs: [{ publicKey: {} }],
      }),
    ],
  ])("refuses %s", (_name, text) => {
    expect(() => loadTrustedRoot(text)).toThrowError(
      expect.objectContaining({ code: "TRUSTED_ROOT_INVALID" }),
    );
  });
});

describe("weak RSA keys in bundles (issue 22, item 13)", () => {
  it("refuses a keyed bundle whose key, handed in as a bare KeyObject, has e=3", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 });
    const artifact = Buffer.from("hello, portcullis\n");
    const json = createMessageSignatureBundle(artifact, {
      privateKey,
      publicKey,
      kind: { type: "rsa", bits: 2048 },
    });
    const result = verifyBundle(json, { artifact, publicKey, allowNoTransparencyLog: true });
    expect(result).toMatchObject({ ok: false, reason: "UNTRUSTED" });
    expect(result.ok ? "" : result.message).toContain("exponent 3");
  });

  it("refuses a certificate bundle whose leaf key has e=3 before checking anything else", () => {
    const bundle = JSON.parse(readFileSync(testdata("keyless/oci-attestation.sigstore.json"), "utf8"));
    const weakLeaf = new X509Certificate(readFileSync(testdata("weak-rsa/leaf-e3.pem")));
    bundle.verificationMaterial.certificate.rawBytes = weakLeaf.raw.toString("base64");
    const result = verifyBundle(bundle, {
      trustedRoot: publicGoodRoot,
      identity: { subjectAlternativeName: "cody@soyland.com", issuer: "https://github.com/login/oauth" },
    });
    expect(result).toMatchObject({ ok: false, reason: "CERTIFICATE_INVALID" });
    expect(result.ok ? "" : result.message).toContain("exponent 3");
  });
});
