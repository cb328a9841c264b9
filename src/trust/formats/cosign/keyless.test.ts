import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../../core/index.js";
import { MEDIA_TYPE_SIMPLE_SIGNING } from "../../payloads/simple-signing.js";
import { loadTrustedRoot } from "../bundle/trusted-root.js";
import { cosignLayerToBundle, verifyKeylessCosignSignature } from "./keyless.js";
import type { CosignSignature } from "./parse.js";

const testdata = (p: string) => new URL(`../../testdata/${p}`, import.meta.url);
const trustedRoot = loadTrustedRoot(readFileSync(testdata("keyless/trusted_root_pgi.json")));
const identity = {
  subjectAlternativeName:
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
  issuer: "https://token.actions.githubusercontent.com",
};

/**
 * cosign stores a keyless `.sig` as annotations (certificate PEM, Rekor bundle JSON). No such
 * image is in the fixtures, so this restates the conformance suite's v0.1 hashedrekord bundle
 * over `a.txt` in that form: the certificate chain, SCT, SET and Rekor body all verify, and only
 * the payload check fails, because `a.txt` is not a simple-signing payload.
 */
function cosignStyleSignature(): CosignSignature {
  const bundle = JSON.parse(
    readFileSync(testdata("conformance/happy-path-v0.1/bundle.sigstore.json"), "utf8"),
  );
  const entry = bundle.verificationMaterial.tlogEntries[0];
  const der = Buffer.from(
    bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes,
    "base64",
  );
  const payload = readFileSync(testdata("conformance/a.txt"));
  return {
    kind: "signature",
    descriptor: { mediaType: MEDIA_TYPE_SIMPLE_SIGNING, digest: digestOf(payload), size: payload.length },
    payload,
    signature: Buffer.from(bundle.messageSignature.signature, "base64"),
    material: {
      certificate: new X509Certificate(der).toString(),
      rekorBundle: {
        SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: entry.canonicalizedBody,
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logID: Buffer.from(entry.logId.keyId, "base64").toString("hex"),
        },
      },
    },
  };
}

describe("keyless cosign signatures", () => {
  it("restate as a v0.1 bundle that passes every Sigstore check", () => {
    const sig = cosignStyleSignature();
    const bundle = cosignLayerToBundle(sig);
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle+json;version=0.1");
    const result = verifyKeylessCosignSignature(
      sig,
      { digest: `sha256:${"a".repeat(64)}` },
      { trustedRoot, identity },
    );
    expect(result).toMatchObject({ ok: false, reason: "PAYLOAD_INVALID" });
  });

  it("fail on a wrong identity, a changed payload, a forged SET, and a missing certificate", () => {
    const sig = cosignStyleSignature();
    const expected = { digest: `sha256:${"a".repeat(64)}` };
    const wrong = {
      ...identity,
      subjectAlternativeName: "https://github.com/evil/evil/.github/workflows/x.yml@refs/heads/main",
    };
    expect(verifyKeylessCosignSignature(sig, expected, { trustedRoot, identity: wrong })).toMatchObject({
      reason: "IDENTITY_MISMATCH",
    });
    const changed = { ...sig, payload: Buffer.from("something else") };
    expect(verifyKeylessCosignSignature(changed, expected, { trustedRoot, identity })).toMatchObject({
      ok: false,
      reason: "TLOG_INVALID",
    });
    const rekor = sig.material.rekorBundle!;
    const forged = {
      ...sig,
      material: {
        ...sig.material,
        rekorBundle: {
          ...rekor,
          Payload: { ...rekor.Payload, integratedTime: rekor.Payload.integratedTime + 1 },
        },
      },
    };
    expect(verifyKeylessCosignSignature(forged, expected, { trustedRoot, identity }).ok).toBe(false);
    const keyed = { ...sig, material: {} };
    expect(verifyKeylessCosignSignature(keyed, expected, { trustedRoot, identity })).toMatchObject({
      ok: false,
      reason: "BUNDLE_INVALID",
    });
  });
});
