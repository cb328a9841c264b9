import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TrustError } from "../errors.js";
import { decryptKeyBytes, encryptKeyBytes, parseEncryptedKeyJson } from "./encrypted.js";
import { encryptPrivateKey, generateKeyPair } from "./generate.js";
import { loadPrivateKey, loadPublicKey } from "./load.js";
import { decodePem, encodePem } from "./pem.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../testdata/cosign-keys/${name}`, import.meta.url), "utf8");

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    if (err instanceof TrustError) return err.code;
    throw err;
  }
  return "OK";
}

describe("cosign's own key fixtures (pkg/cosign/keys_test.go)", () => {
  it.each([
    ["pemsigstorekey.pem", "ecdsa", "ENCRYPTED SIGSTORE PRIVATE KEY, scrypt N=2^15"],
    ["pemcosignkey.pem", "ecdsa", "legacy ENCRYPTED COSIGN PRIVATE KEY label"],
    ["pemcosigneckey.pem", "ecdsa", "legacy label, scrypt N=2^16"],
  ])("opens %s with the password 'hello' (%s, %s)", async (name, type) => {
    const key = await loadPrivateKey(fixture(name), "hello");
    expect(key.kind.type).toBe(type);
    expect(key.privateKey.type).toBe("private");
  });

  it.each(["pemsigstorekey.pem", "pemcosignkey.pem"])("refuses %s with a wrong password", async (name) => {
    expect(await codeOf(loadPrivateKey(fixture(name), "nope"))).toBe("WRONG_PASSWORD");
    expect(await codeOf(loadPrivateKey(fixture(name)))).toBe("PASSWORD_REQUIRED");
  });

  it.each([
    ["validecp256.pem", { type: "ecdsa", curve: "P-256" }],
    ["validecp384.pem", { type: "ecdsa", curve: "P-384" }],
    ["validecp521.pem", { type: "ecdsa", curve: "P-521" }],
    ["validecpkcs8.pem", { type: "ecdsa", curve: "P-256" }],
    ["validrsa.pem", { type: "rsa", bits: 2048 }],
    ["validrsapkcs1.pem", { type: "rsa", bits: 2048 }],
    ["validrsapkcs8.pem", { type: "rsa", bits: 2048 }],
    ["ed25519key.pem", { type: "ed25519" }],
  ])("reads the plain key %s", async (name, kind) => {
    expect((await loadPrivateKey(fixture(name))).kind).toEqual(kind);
  });

  it.each([
    ["invalidecp224.pem", "KEY_UNSUPPORTED"],
    ["invalidecunsupported.pem", "KEY_UNSUPPORTED"],
    ["invalidrsasmallkey.pem", "KEY_TOO_WEAK"],
    ["invalidrsalargekey.pem", "KEY_UNSUPPORTED"],
    ["invalidrsawithpubkey.pem", "KEY_UNSUPPORTED"],
    ["invalidkey.pem", "KEY_UNSUPPORTED"],
  ])("refuses %s with %s", async (name, code) => {
    expect(await codeOf(loadPrivateKey(fixture(name), "hello"))).toBe(code);
  });
});

describe("generateKeyPair", () => {
  it.each(["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072"] as const)(
    "%s round-trips through the encrypted PEM",
    async (algorithm) => {
      const pair = await generateKeyPair("pw", { algorithm, strength: "legacy" });
      expect(pair.privateKeyPem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
      expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      const json = JSON.parse(decodePem(pair.privateKeyPem).bytes.toString("utf8"));
      expect(Object.keys(json)).toEqual(["kdf", "cipher", "ciphertext"]);
      expect(json.kdf).toMatchObject({ name: "scrypt", params: { N: 32768, r: 8, p: 1 } });
      expect(Buffer.from(json.kdf.salt, "base64")).toHaveLength(32);
      expect(json.cipher.name).toBe("nacl/secretbox");
      const loaded = await loadPrivateKey(pair.privateKeyPem, "pw");
      expect(loaded.kind).toEqual(pair.kind);
      expect(loadPublicKey(pair.publicKeyPem).kind).toEqual(pair.kind);
      expect(await codeOf(loadPrivateKey(pair.privateKeyPem, "PW"))).toBe("WRONG_PASSWORD");
    },
  );

  it("defaults to ECDSA P-256 with the standard scrypt parameters", async () => {
    const pair = await generateKeyPair("");
    expect(pair.kind).toEqual({ type: "ecdsa", curve: "P-256" });
    expect(JSON.parse(decodePem(pair.privateKeyPem).bytes.toString()).kdf.params.N).toBe(65536);
    expect((await loadPrivateKey(pair.privateKeyPem, "")).kind.type).toBe("ecdsa");
  });

  it("re-encrypts a fixture key that cosign can read back the same way", async () => {
    const key = await loadPrivateKey(fixture("validecp256.pem"));
    const pem = await encryptPrivateKey(key.privateKey, "hello", "legacy");
    const again = await loadPrivateKey(pem, "hello");
    expect(again.publicKey.export({ format: "jwk" })).toEqual(key.publicKey.export({ format: "jwk" }));
  });
});

describe("encrypted key envelope", () => {
  it("refuses scrypt parameters outside cosign's three sets before deriving anything", () => {
    const json = (N: number) =>
      Buffer.from(
        JSON.stringify({
          kdf: { name: "scrypt", params: { N, r: 8, p: 1 }, salt: "AAAA" },
          cipher: { name: "nacl/secretbox", nonce: Buffer.alloc(24).toString("base64") },
          ciphertext: Buffer.alloc(32).toString("base64"),
        }),
      );
    expect(() => parseEncryptedKeyJson(json(1 << 30))).toThrowError(
      expect.objectContaining({ code: "KEY_ENCRYPTION_UNSUPPORTED" }),
    );
    expect(() => parseEncryptedKeyJson(json(1024))).toThrowError(
      expect.objectContaining({ code: "KEY_ENCRYPTION_UNSUPPORTED" }),
    );
    expect(parseEncryptedKeyJson(json(131072)).params.N).toBe(131072);
  });

  it.each([
    ["not JSON", "{", "KEY_INVALID"],
    [
      "wrong kdf",
      JSON.stringify({ kdf: { name: "pbkdf2" }, cipher: { name: "nacl/secretbox" } }),
      "KEY_ENCRYPTION_UNSUPPORTED",
    ],
    [
      "wrong cipher",
      JSON.stringify({ kdf: { name: "scrypt" }, cipher: { name: "aes" } }),
      "KEY_ENCRYPTION_UNSUPPORTED",
    ],
    ["missing cipher", JSON.stringify({ kdf: { name: "scrypt" } }), "KEY_INVALID"],
  ])("refuses %s", (_name, text, code) => {
    expect(() => parseEncryptedKeyJson(Buffer.from(text))).toThrowError(expect.objectContaining({ code }));
  });

  it("detects a flipped ciphertext byte as WRONG_PASSWORD, never a crash", async () => {
    const json = JSON.parse(await encryptKeyBytes(Buffer.from("secret"), "pw", "legacy"));
    const ct = Buffer.from(json.ciphertext, "base64");
    ct[0] = (ct[0] ?? 0) ^ 1;
    json.ciphertext = ct.toString("base64");
    expect(await codeOf(decryptKeyBytes(Buffer.from(JSON.stringify(json)), "pw"))).toBe("WRONG_PASSWORD");
  });

  it("refuses an oversized encrypted key with a clear size error, not a stack overflow (issue 22)", async () => {
    // 24 MiB of base64 ciphertext: the strict base64 pattern overflowed V8's regexp stack from 16 MiB.
    const json = JSON.stringify({
      kdf: { name: "scrypt", params: { N: 32768, r: 8, p: 1 }, salt: "AAAA" },
      cipher: { name: "nacl/secretbox", nonce: Buffer.alloc(24).toString("base64") },
      ciphertext: "A".repeat(24 * 1024 * 1024),
    });
    const pem = encodePem("ENCRYPTED SIGSTORE PRIVATE KEY", Buffer.from(json));
    const refused = (err: unknown) =>
      err instanceof TrustError && err.code === "KEY_INVALID" && /larger than 64 KiB/.test(err.message);
    await expect(loadPrivateKey(pem, "pw")).rejects.toSatisfy(refused);
    expect(() => parseEncryptedKeyJson(Buffer.from(json))).toThrowError(
      expect.objectContaining({ code: "KEY_INVALID", message: expect.stringMatching(/larger than 64 KiB/) }),
    );
    expect(() => loadPublicKey(pem.replaceAll("ENCRYPTED SIGSTORE PRIVATE KEY", "PUBLIC KEY"))).toThrowError(
      expect.objectContaining({ code: "KEY_INVALID", message: expect.stringMatching(/larger than 64 KiB/) }),
    );
  });

  it("refuses a corrupted PEM file", async () => {
    const text = fixture("pemsigstorekey.pem").replace(/\n[A-Za-z0-9]/, "\n!");
    expect(await codeOf(loadPrivateKey(text, "hello"))).toBe("KEY_INVALID");
    const truncated = encodePem("ENCRYPTED SIGSTORE PRIVATE KEY", Buffer.from('{"kdf":'));
    expect(await codeOf(loadPrivateKey(truncated, "hello"))).toBe("KEY_INVALID");
    expect(await codeOf(loadPrivateKey("hello", "hello"))).toBe("KEY_INVALID");
  });
});

describe("key kinds cosign refuses", () => {
  it.each([
    ["DSA", () => generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 }), "KEY_UNSUPPORTED"],
    ["secp256k1", () => generateKeyPairSync("ec", { namedCurve: "secp256k1" }), "KEY_UNSUPPORTED"],
    ["P-224", () => generateKeyPairSync("ec", { namedCurve: "P-224" }), "KEY_UNSUPPORTED"],
    ["RSA-1024", () => generateKeyPairSync("rsa", { modulusLength: 1024 }), "KEY_TOO_WEAK"],
  ])("%s → %s, as private and as public key", async (_name, make, code) => {
    const { privateKey, publicKey } = make();
    expect(await codeOf(loadPrivateKey(privateKey.export({ type: "pkcs8", format: "pem" }).toString()))).toBe(
      code,
    );
    expect(
      await codeOf(() => loadPublicKey(publicKey.export({ type: "spki", format: "pem" }).toString())),
    ).toBe(code);
  });
});

describe("loadPublicKey", () => {
  it("reads SPKI and refuses private keys", async () => {
    expect(loadPublicKey(fixture("invalidrsawithpubkey.pem")).kind).toEqual({ type: "rsa", bits: 2048 });
    expect(await codeOf(() => loadPublicKey(fixture("validecp256.pem")))).toBe("KEY_UNSUPPORTED");
  });
});
