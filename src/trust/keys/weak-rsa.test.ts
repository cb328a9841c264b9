import { constants, createHash, type KeyObject, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TrustError } from "../errors.js";
import { verifyBytes } from "../signing/verify.js";
import { loadPublicKey, toVerificationKey } from "./load.js";
import { forgedPkcs1Signature, rsaPublicKey } from "./weak-rsa-testing.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TrustError) return err.code;
    throw err;
  }
  return "OK";
}

const pemOf = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
const payload = Buffer.from('{"critical":{"image":{"docker-manifest-digest":"sha256:00"}}}');

describe("RSA public exponents (issue 22, item 13)", () => {
  it("e=1 makes the PKCS#1 v1.5 padded digest itself a signature anyone can forge, so the key is refused", () => {
    const weak = rsaPublicKey({ bits: 2048, exponent: 1n });
    const forged = forgedPkcs1Signature(payload, 2048);
    // The attack: Node (OpenSSL) verifies the forgery with the e=1 key; no private key was involved.
    expect(verify("sha256", payload, { key: weak, padding: constants.RSA_PKCS1_PADDING }, forged)).toBe(true);
    // Portcullis refuses the key wherever one is loaded: PEM (verify --key, policy keys) and KeyObjects.
    expect(codeOf(() => loadPublicKey(pemOf(weak)))).toBe("KEY_TOO_WEAK");
    expect(codeOf(() => toVerificationKey(weak))).toBe("KEY_TOO_WEAK");
    // And a VerificationKey built by hand around it verifies nothing.
    expect(verifyBytes({ publicKey: weak, kind: { type: "rsa", bits: 2048 } }, payload, forged)).toBe(false);
  });

  it.each([
    ["e=3", 3n],
    ["an even e (65538)", 65538n],
    ["an even e (2)", 2n],
    ["e > 2^32 (2^33+1)", 2n ** 33n + 1n],
    ["e = 2^16+3", 65539n],
  ])("refuses %s, naming 65537 as the only exponent accepted", (_name, exponent) => {
    const key = rsaPublicKey({ bits: 2048, exponent });
    let message = "";
    try {
      loadPublicKey(pemOf(key));
    } catch (err) {
      expect(err).toBeInstanceOf(TrustError);
      expect((err as TrustError).code).toBe("KEY_TOO_WEAK");
      message = (err as Error).message;
    }
    expect(message).toContain(`exponent ${exponent}`);
    expect(message).toContain("65537");
  });

  it("refuses a 1024-bit modulus even with e=65537", () => {
    expect(codeOf(() => loadPublicKey(pemOf(rsaPublicKey({ bits: 1024, exponent: 65537n }))))).toBe(
      "KEY_TOO_WEAK",
    );
  });

  it("accepts e=65537 with 2048 to 4096 bits, and a real signature still verifies", () => {
    for (const bits of [2048, 3072, 4096]) {
      const key = loadPublicKey(pemOf(rsaPublicKey({ bits, exponent: 65537n })));
      expect(key.kind).toEqual({ type: "rsa", bits });
    }
    // The forged padding is no signature under a real exponent.
    const key = loadPublicKey(pemOf(rsaPublicKey({ bits: 2048, exponent: 65537n })));
    expect(verifyBytes(key, payload, forgedPkcs1Signature(payload, 2048))).toBe(false);
  });

  it("the digest info of the forgery is SHA-256's (RFC 8017 section 9.2, note 1)", () => {
    const forged = forgedPkcs1Signature(payload, 2048);
    expect(forged.subarray(0, 2)).toEqual(Buffer.from([0, 1]));
    expect(forged.subarray(-32)).toEqual(createHash("sha256").update(payload).digest());
  });
});

describe("rsaPublicKey (test helper)", () => {
  it("builds the modulus size and exponent asked for", () => {
    const key = rsaPublicKey({ bits: 3072, exponent: 3n });
    expect(key.asymmetricKeyDetails).toEqual({
      modulusLength: 3072,
      publicExponent: 3n,
    });
  });
});
