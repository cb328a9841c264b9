import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TrustError } from "./errors.js";
import { loadTrustedRoot } from "./formats/bundle/trusted-root.js";
import { verifyBundle } from "./formats/bundle/verify.js";
import { parseStatement } from "./intoto/statement.js";
import { parseEncryptedKeyJson } from "./keys/encrypted.js";
import { loadPrivateKey, loadPublicKey } from "./keys/load.js";
import { encodePem } from "./keys/pem.js";
import { parseSimpleSigningPayload } from "./payloads/simple-signing.js";

/** Garbage, PEM-wrapped garbage, and JSON with the right top-level names. */
const garbage = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .tuple(
      fc.constantFrom(
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "RSA PRIVATE KEY",
        "PUBLIC KEY",
        "CERTIFICATE",
        "ENCRYPTED SIGSTORE PRIVATE KEY",
        "ENCRYPTED COSIGN PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
      ),
      fc.uint8Array({ maxLength: 300 }),
    )
    .map(([label, bytes]) => encodePem(label, bytes)),
  fc
    .record({
      mediaType: fc.constantFrom(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "x",
      ),
      verificationMaterial: fc.json(),
      messageSignature: fc.json(),
      dsseEnvelope: fc.json(),
      tlogs: fc.json(),
      kdf: fc.json(),
      cipher: fc.json(),
      critical: fc.json(),
      _type: fc.constantFrom("https://in-toto.io/Statement/v1", "x"),
      subject: fc.json(),
    })
    .map((v) => JSON.stringify(v)),
);

function onlyTrustErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustError);
  }
}

describe("parsers on garbage never crash (fast-check)", () => {
  it("key, statement, payload, trusted-root and encrypted-key parsers throw only TrustError", () => {
    fc.assert(
      fc.property(garbage, (text) => {
        onlyTrustErrors(() => loadPublicKey(text));
        onlyTrustErrors(() => parseEncryptedKeyJson(Buffer.from(text)));
        onlyTrustErrors(() => parseStatement(text));
        onlyTrustErrors(() => parseSimpleSigningPayload(text));
        onlyTrustErrors(() => loadTrustedRoot(text));
      }),
      { numRuns: 400 },
    );
  });

  it("loadPrivateKey rejects with TrustError only", async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async (text) => {
        await loadPrivateKey(text, "pw").catch((err) => expect(err).toBeInstanceOf(TrustError));
      }),
      { numRuns: 300 },
    );
  });

  it("verifyBundle returns a failure instead of throwing", () => {
    fc.assert(
      fc.property(garbage, (text) => {
        const result = verifyBundle(text, { allowNoTransparencyLog: true });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
