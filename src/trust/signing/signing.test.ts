import { constants, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../keys/generate.js";
import { loadPrivateKey, toVerificationKey } from "../keys/load.js";
import { constantTimeEqual } from "./compare.js";
import { signBytes } from "./sign.js";
import { verifyBytes } from "./verify.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../testdata/cosign-keys/${name}`, import.meta.url), "utf8");
const data = Buffer.from("the payload");

describe("signBytes / verifyBytes", () => {
  it.each(["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072"] as const)(
    "%s round-trips and rejects tampering",
    async (algorithm) => {
      const key = await generateKeyPair("", { algorithm, strength: "legacy" });
      const sig = signBytes(key, data);
      expect(verifyBytes(key, data, sig)).toBe(true);
      expect(verifyBytes(key, Buffer.from("the payloaD"), sig)).toBe(false);
      const flipped = Buffer.from(sig);
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
      expect(verifyBytes(key, data, flipped)).toBe(false);
      expect(verifyBytes(key, data, Buffer.alloc(0))).toBe(false);
      expect(verifyBytes(key, data, Buffer.from("garbage"))).toBe(false);
    },
  );

  it("writes ASN.1 DER ECDSA signatures hashed as cosign does (SHA-256 on P-256, SHA-384 on P-384)", async () => {
    const p256 = await loadPrivateKey(fixture("validecp256.pem"));
    const sig256 = signBytes(p256, data);
    expect(sig256[0]).toBe(0x30);
    expect(verifyBytes(p256, data, sig256, { hash: "sha256" })).toBe(true);
    expect(verifyBytes(p256, data, sig256, { hash: "sha384" })).toBe(false);
    const p384 = await loadPrivateKey(fixture("validecp384.pem"));
    const sig384 = signBytes(p384, data);
    expect(verifyBytes(p384, data, sig384)).toBe(true);
    expect(verifyBytes(p384, data, sig384, { hash: "sha256" })).toBe(false);
  });

  it("verifies RSA PKCS#1 v1.5 and PSS", async () => {
    const rsa = await loadPrivateKey(fixture("validrsapkcs8.pem"));
    expect(verifyBytes(rsa, data, signBytes(rsa, data))).toBe(true);
    const pss = sign("sha256", data, {
      key: createPrivateKey(fixture("validrsapkcs8.pem")),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    expect(verifyBytes(toVerificationKey(rsa.publicKey), data, pss)).toBe(true);
  });

  it("does not verify with a different key", async () => {
    const a = await loadPrivateKey(fixture("validecp256.pem"));
    const b = await loadPrivateKey(fixture("validecpkcs8.pem"));
    expect(verifyBytes(b, data, signBytes(a, data))).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  it.each([
    ["a", "a", true],
    ["a", "b", false],
    ["a", "aa", false],
    ["", "", true],
  ])("%s vs %s", (x, y, eq) => expect(constantTimeEqual(x, y)).toBe(eq));
});
