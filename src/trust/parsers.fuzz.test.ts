import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Budget, withinBudget, withinBudgetAsync } from "../../test/support/budget.js";
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

/**
 * Each parser, on each input, within 250 ms of CPU plus 10 µs per byte (the inputs are at most a few KB:
 * the fixed part is for a cold start) and a peak of 4 MiB plus 64 bytes of memory per byte
 * (test/support/budget.ts, measured quickly: these run thousands of times).
 */
const BUDGET: Budget = {
  cpuMs: { fixed: 250, perUnit: 0.01 },
  memoryBytes: { fixed: 4 * 2 ** 20, perUnit: 64 },
};

function onlyTrustErrors(what: string, text: string, fn: () => unknown): void {
  const { value: thrown } = withinBudget(
    { what, size: text.length },
    BUDGET,
    () => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return err;
      }
    },
    { quick: true },
  );
  if (thrown !== undefined) expect(thrown).toBeInstanceOf(TrustError);
}

describe("parsers on garbage never crash (fast-check)", () => {
  it("key, statement, payload, trusted-root and encrypted-key parsers throw only TrustError, within budget", () => {
    fc.assert(
      fc.property(garbage, (text) => {
        onlyTrustErrors("loadPublicKey", text, () => loadPublicKey(text));
        onlyTrustErrors("parseEncryptedKeyJson", text, () => parseEncryptedKeyJson(Buffer.from(text)));
        onlyTrustErrors("parseStatement", text, () => parseStatement(text));
        onlyTrustErrors("parseSimpleSigningPayload", text, () => parseSimpleSigningPayload(text));
        onlyTrustErrors("loadTrustedRoot", text, () => loadTrustedRoot(text));
      }),
      { numRuns: 400 },
    );
  });

  it("loadPrivateKey rejects with TrustError only, within budget", async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async (text) => {
        const { value: thrown } = await withinBudgetAsync(
          { what: "loadPrivateKey", size: text.length },
          BUDGET,
          () =>
            loadPrivateKey(text, "pw").then(
              () => undefined,
              (err: unknown) => err,
            ),
          { quick: true },
        );
        if (thrown !== undefined) expect(thrown).toBeInstanceOf(TrustError);
      }),
      { numRuns: 300 },
    );
  });

  it("verifyBundle returns a failure instead of throwing, within budget", () => {
    fc.assert(
      fc.property(garbage, (text) => {
        const { value: result } = withinBudget(
          { what: "verifyBundle", size: text.length },
          BUDGET,
          () => verifyBundle(text, { allowNoTransparencyLog: true }),
          { quick: true },
        );
        expect(result.ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
