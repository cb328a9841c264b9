import { constants, createPrivateKey, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyNotationJws } from "./jws.js";

const envelope = readFileSync(new URL("../../testdata/notation/jws_signature.sig", import.meta.url));
const json = JSON.parse(envelope.toString());
// notation-go's test signature is made with a self-signed leaf ("CN=alpine"); it is its own trust anchor.
const leafPem = new X509Certificate(Buffer.from(json.header.x5c[0], "base64")).toString();
const digest = "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0";

describe("Notation JWS (notation-go internal/testdata)", () => {
  it("verifies against its certificate and the alpine manifest digest", () => {
    const result = verifyNotationJws(envelope, { trustedCertificates: [leafPem], expected: { digest } });
    expect(result).toMatchObject({
      ok: true,
      signingScheme: "notary.x509",
      targetArtifact: { digest, size: 481 },
    });
  });

  it("fails for another digest, an untrusted chain, a tampered payload, and outside validity", () => {
    expect(
      verifyNotationJws(envelope, {
        trustedCertificates: [leafPem],
        expected: { digest: `sha256:${"0".repeat(64)}` },
      }),
    ).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    expect(verifyNotationJws(envelope, { trustedCertificates: [], expected: { digest } })).toMatchObject({
      ok: false,
      reason: "UNTRUSTED",
    });
    const payload = Buffer.from(
      JSON.stringify({ targetArtifact: { digest, mediaType: "x", size: 1 } }),
    ).toString("base64url");
    const tampered = JSON.stringify({ ...json, payload });
    expect(
      verifyNotationJws(tampered, { trustedCertificates: [leafPem], expected: { digest } }),
    ).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    expect(
      verifyNotationJws(envelope, {
        trustedCertificates: [leafPem],
        expected: { digest },
        at: new Date("1999-01-01"),
      }),
    ).toMatchObject({
      ok: false,
      reason: "UNTRUSTED",
    });
  });

  it("returns a failure, never a crash, on garbage", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({
              protected: fc.string(),
              payload: fc.string(),
              signature: fc.string(),
              header: fc.json(),
            })
            .map((v) => JSON.stringify(v)),
        ),
        (text) => {
          expect(verifyNotationJws(text, { trustedCertificates: [leafPem], expected: { digest } }).ok).toBe(
            false,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Notation JWS with a weak RSA signing key (issue 22, item 13)", () => {
  const weak = (name: string) =>
    readFileSync(new URL(`../../testdata/weak-rsa/${name}`, import.meta.url), "utf8");
  // openssl genrsa -3: a CA-issued code-signing leaf whose RSA key has e=3 (testdata/weak-rsa/README.md).
  const caPem = weak("ca.pem");
  const leafDer = new X509Certificate(weak("leaf-e3.pem")).raw;

  function envelopeSignedByWeakLeaf(): string {
    const header = {
      alg: "PS256",
      cty: "application/vnd.cncf.notary.payload.v1+json",
      crit: ["io.cncf.notary.signingScheme"],
      "io.cncf.notary.signingScheme": "notary.x509",
      "io.cncf.notary.signingTime": "2026-01-01T00:00:00Z",
    };
    const protectedB64 = Buffer.from(JSON.stringify(header)).toString("base64url");
    const payloadB64 = Buffer.from(
      JSON.stringify({
        targetArtifact: { digest, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 481 },
      }),
    ).toString("base64url");
    const signature = sign("sha256", Buffer.from(`${protectedB64}.${payloadB64}`), {
      key: createPrivateKey(weak("leaf-e3.key")),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    return JSON.stringify({
      protected: protectedB64,
      payload: payloadB64,
      signature: signature.toString("base64url"),
      header: { x5c: [leafDer.toString("base64")] },
    });
  }

  it("refuses a chain whose leaf key has e=3, though the chain and the signature are otherwise good", () => {
    const result = verifyNotationJws(envelopeSignedByWeakLeaf(), {
      trustedCertificates: [caPem],
      expected: { digest },
    });
    expect(result).toMatchObject({ ok: false, reason: "CERTIFICATE_INVALID" });
    expect(result.ok ? "" : result.message).toContain("exponent 3");
  });
});
