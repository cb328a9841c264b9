import { randomBytes, scrypt } from "node:crypto";
import nacl from "tweetnacl";
import { TrustError } from "../errors.js";
import { checkKeySize } from "./size.js";

/**
 * cosign's encrypted private key: the JSON of go-securesystemslib `encrypted` (scrypt KDF, NaCl
 * secretbox cipher), whose plaintext is the PKCS#8 DER of the key, wrapped in PEM as
 * `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign: `ENCRYPTED COSIGN PRIVATE KEY`).
 * Go encodes []byte fields as standard padded base64.
 */
export interface EncryptedKeyJson {
  kdf: { name: "scrypt"; params: ScryptParams; salt: string };
  cipher: { name: "nacl/secretbox"; nonce: string };
  ciphertext: string;
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The three scrypt parameter sets go-securesystemslib accepts (encrypted.go CheckParams); any
 * other set is refused so a tampered file cannot make us burn memory and CPU.
 */
export const SCRYPT_PARAMETER_SETS = {
  legacy: { N: 32768, r: 8, p: 1 },
  standard: { N: 65536, r: 8, p: 1 },
  owasp: { N: 131072, r: 8, p: 1 },
} as const satisfies Record<string, ScryptParams>;

export type ScryptStrength = keyof typeof SCRYPT_PARAMETER_SETS;

const SALT_SIZE = 32;
const KEY_SIZE = 32;
const NONCE_SIZE = 24;

function deriveKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  // scrypt needs about 128 * N * r * p bytes; Node's default maxmem (32 MiB) is below N=2^15.
  const maxmem = 256 * params.N * params.r * params.p;
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(password, "utf8"),
      salt,
      KEY_SIZE,
      { N: params.N, r: params.r, p: params.p, maxmem },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** Encrypts bytes (the PKCS#8 DER) with a password as cosign does; returns the JSON text. */
export async function encryptKeyBytes(
  plaintext: Uint8Array,
  password: string,
  strength: ScryptStrength = "standard",
): Promise<string> {
  const params = SCRYPT_PARAMETER_SETS[strength];
  const salt = randomBytes(SALT_SIZE);
  const nonce = randomBytes(NONCE_SIZE);
  const key = await deriveKey(password, salt, params);
  const ciphertext = nacl.secretbox(plaintext, nonce, key);
  key.fill(0);
  const json: EncryptedKeyJson = {
    kdf: { name: "scrypt", params: { ...params }, salt: salt.toString("base64") },
    cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") },
    ciphertext: Buffer.from(ciphertext).toString("base64"),
  };
  return JSON.stringify(json);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Standard padded base64, as Go's encoding/json writes []byte: only the alphabet, a length that is
 * a multiple of four, and at most two "=" at the end. A character class with a fixed-length tail
 * keeps the pattern free of per-group backtracking state (a `(?:x{4})*` group overflowed V8's
 * regexp stack on a 16 MiB field).
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

function isStrictBase64(v: string): boolean {
  return v.length % 4 === 0 && BASE64_CHARS.test(v);
}

function base64Field(v: unknown, what: string): Buffer {
  if (typeof v !== "string" || !isStrictBase64(v)) {
    throw new TrustError("KEY_INVALID", `encrypted key: ${what} is not base64`);
  }
  return Buffer.from(v, "base64");
}

/** Parses and checks the JSON without deriving anything (cheap; safe on untrusted input). */
export function parseEncryptedKeyJson(bytes: Uint8Array): {
  params: ScryptParams;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
} {
  checkKeySize(bytes.length, "the encrypted key");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (cause) {
    throw new TrustError("KEY_INVALID", "encrypted key: not JSON", { cause });
  }
  if (!isRecord(json) || !isRecord(json.kdf) || !isRecord(json.cipher)) {
    throw new TrustError("KEY_INVALID", "encrypted key: missing kdf or cipher");
  }
  const { kdf, cipher } = json;
  if (kdf.name !== "scrypt") {
    throw new TrustError(
      "KEY_ENCRYPTION_UNSUPPORTED",
      `encrypted key: unknown kdf ${JSON.stringify(kdf.name)}`,
    );
  }
  if (cipher.name !== "nacl/secretbox") {
    throw new TrustError(
      "KEY_ENCRYPTION_UNSUPPORTED",
      `encrypted key: unknown cipher ${JSON.stringify(cipher.name)}`,
    );
  }
  const p = isRecord(kdf.params) ? kdf.params : {};
  const known = Object.values(SCRYPT_PARAMETER_SETS).find((s) => s.N === p.N && s.r === p.r && s.p === p.p);
  if (!known) {
    throw new TrustError("KEY_ENCRYPTION_UNSUPPORTED", "encrypted key: unsupported scrypt parameters", {
      detail: { params: kdf.params },
    });
  }
  const salt = base64Field(kdf.salt, "salt");
  const nonce = base64Field(cipher.nonce, "nonce");
  if (nonce.length !== NONCE_SIZE)
    throw new TrustError("KEY_INVALID", "encrypted key: nonce is not 24 bytes");
  const ciphertext = base64Field(json.ciphertext, "ciphertext");
  if (ciphertext.length < nacl.secretbox.overheadLength) {
    throw new TrustError("KEY_INVALID", "encrypted key: ciphertext is too short");
  }
  return { params: { ...known }, salt, nonce, ciphertext };
}

/** Opens a cosign encrypted key JSON; a wrong password (or tampered ciphertext) is WRONG_PASSWORD. */
export async function decryptKeyBytes(bytes: Uint8Array, password: string): Promise<Buffer> {
  const { params, salt, nonce, ciphertext } = parseEncryptedKeyJson(bytes);
  const key = await deriveKey(password, salt, params);
  const plain = nacl.secretbox.open(ciphertext, nonce, key);
  key.fill(0);
  // secretbox's Poly1305 tag cannot tell a wrong password from a changed ciphertext.
  if (!plain)
    throw new TrustError(
      "WRONG_PASSWORD",
      "the password does not decrypt this key (or the key file was altered)",
    );
  return Buffer.from(plain);
}
