import { X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import { signEnvelope } from "../dsse/sign.js";
import { buildStatement } from "../intoto/statement.js";
import { generateKeyPair } from "../keys/generate.js";
import { buildSimpleSigningPayload } from "../payloads/simple-signing.js";
import { signBytes } from "../signing/sign.js";
import { createDsseBundle } from "./bundle/create.js";
import { attestationLayer, signatureLayer } from "./cosign/layers.js";
import type { StoredSignature, TrustAnchor } from "./format.js";
import { formatForMediaType, SIGNATURE_FORMATS } from "./registry.js";

const hex = "a".repeat(64);
const key = await generateKeyPair("", { strength: "legacy" });
const stranger = await generateKeyPair("", { strength: "legacy" });
const statement = Buffer.from(
  JSON.stringify(
    buildStatement([{ name: "img", digest: { sha256: hex } }], "https://slsa.dev/provenance/v1"),
  ),
);
const keyAnchor = (k: typeof key): TrustAnchor => ({ kind: "key", key: k, allowNoTransparencyLog: true });

interface Sample {
  stored: StoredSignature;
  digest: string;
  anchor: TrustAnchor;
  /** The same kind of anchor, trusting someone else. */
  strangerAnchor: TrustAnchor;
}

const stored = (mediaType: string, blob: Buffer): StoredSignature => ({
  descriptor: { mediaType, digest: digestOf(blob), size: blob.length },
  blob,
});

/** One genuine artifact per format: our own for those we sign, notation-go's fixture for Notation. */
function sample(id: string): Sample {
  const keyed = { digest: `sha256:${hex}`, anchor: keyAnchor(key), strangerAnchor: keyAnchor(stranger) };
  switch (id) {
    case "cosign-signature": {
      const payload = buildSimpleSigningPayload({
        dockerReference: "example.com/app",
        manifestDigest: keyed.digest,
      });
      const l = signatureLayer(payload, signBytes(key, payload));
      return { ...keyed, stored: { descriptor: l.descriptor, blob: l.data } };
    }
    case "cosign-attestation": {
      const l = attestationLayer(
        signEnvelope("application/vnd.in-toto+json", statement, [{ key }]),
        "https://slsa.dev/provenance/v1",
      );
      return { ...keyed, stored: { descriptor: l.descriptor, blob: l.data } };
    }
    case "sigstore-bundle":
      return {
        ...keyed,
        stored: stored(
          "application/vnd.dev.sigstore.bundle.v0.3+json",
          Buffer.from(JSON.stringify(createDsseBundle(statement, key))),
        ),
      };
    case "notation-jws": {
      const blob = readFileSync(new URL("../testdata/notation/jws_signature.sig", import.meta.url));
      const leaf = new X509Certificate(
        Buffer.from(JSON.parse(blob.toString()).header.x5c[0], "base64"),
      ).toString();
      return {
        stored: stored("application/jose+json", blob),
        digest: "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0",
        anchor: { kind: "x509", trustedCertificates: [leaf] },
        strangerAnchor: { kind: "x509", trustedCertificates: [] },
      };
    }
    default:
      throw new Error(`no sample for ${id}`);
  }
}

describe("signature format registry", () => {
  it("lists one format per folder, with the folder's name as id", () => {
    const dir = fileURLToPath(new URL(".", import.meta.url));
    // cosign/ and bundle/ are the shared machinery the formats are built from, not formats.
    const folders = readdirSync(dir).filter(
      (n) => statSync(`${dir}/${n}`).isDirectory() && !["cosign", "bundle"].includes(n),
    );
    expect(SIGNATURE_FORMATS.map((f) => f.id).sort()).toEqual(folders.sort());
    const mediaTypes = SIGNATURE_FORMATS.flatMap((f) => f.mediaTypes);
    expect(new Set(mediaTypes).size).toBe(mediaTypes.length);
  });

  describe.each(SIGNATURE_FORMATS.map((f) => [f.id, f] as const))("%s (contract)", (id, format) => {
    it("verifies a genuine artifact", () => {
      const s = sample(id);
      expect(formatForMediaType(s.stored.descriptor.mediaType)).toBe(format);
      expect(format.verify(s.stored, { digest: s.digest }, s.anchor)).toMatchObject({ ok: true, format: id });
    });

    it("fails for another image, another signer, another kind of anchor, and garbage, without throwing", () => {
      const s = sample(id);
      expect(format.verify(s.stored, { digest: `sha256:${"b".repeat(64)}` }, s.anchor)).toMatchObject({
        ok: false,
        reason: "DIGEST_MISMATCH",
      });
      expect(format.verify(s.stored, { digest: s.digest }, s.strangerAnchor).ok).toBe(false);
      const otherKind: TrustAnchor =
        s.anchor.kind === "x509" ? keyAnchor(key) : { kind: "x509", trustedCertificates: [] };
      expect(format.verify(s.stored, { digest: s.digest }, otherKind).ok).toBe(false);
      expect(
        format.verify(
          stored(s.stored.descriptor.mediaType, Buffer.from("{not json")),
          { digest: s.digest },
          s.anchor,
        ).ok,
      ).toBe(false);
    });
  });
});
