import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { keyMalformed } from "./errors.js";

/**
 * Keys of C2SP signed notes (https://c2sp.org/signed-note), Ed25519 only:
 * verifier key `name+hhhhhhhh+base64(0x01 || public key)` and signer key
 * `PRIVATE+KEY+name+hhhhhhhh+base64(0x01 || seed)`, where hhhhhhhh is the key ID in hex: the first four
 * bytes of SHA-256(name || 0x0A || 0x01 || public key).
 */
export const ED25519_KEY_TYPE = 0x01;

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const MAX_KEY_NAME_BYTES = 256;

/** A key name: non-empty, no Unicode space, no `+` (it separates the key string's fields). */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= MAX_KEY_NAME_BYTES &&
    !/[\s+]/u.test(name) &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    !/[\u0000-\u001f\u007f]/.test(name)
  );
}

export function keyId(name: string, publicKey: Uint8Array): number {
  const hash = createHash("sha256")
    .update(name)
    .update(Uint8Array.of(0x0a, ED25519_KEY_TYPE))
    .update(publicKey)
    .digest();
  return hash.readUInt32BE(0);
}

/** A key that checks signatures on notes: the public half, with its name and ID. */
export class NoteVerifier {
  private constructor(
    readonly name: string,
    readonly keyId: number,
    readonly publicKey: Uint8Array,
    private readonly key: KeyObject,
  ) {}

  static fromPublicKey(name: string, publicKey: Uint8Array): NoteVerifier {
    if (!isValidKeyName(name)) throw keyMalformed(`"${name}" is not a valid key name`);
    if (publicKey.length !== 32)
      throw keyMalformed(`an Ed25519 public key is 32 bytes, not ${publicKey.length}`);
    const key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: "der",
      type: "spki",
    });
    return new NoteVerifier(name, keyId(name, publicKey), Uint8Array.from(publicKey), key);
  }

  /** Reads `name+hhhhhhhh+base64(0x01 || key)`, refusing a key ID that does not match the key. */
  static parse(text: string): NoteVerifier {
    const [name, id, material, ...rest] = text.split("+");
    // base64 may itself hold '+': rejoin what follows the second separator.
    const encoded = [material, ...rest].join("+");
    if (name === undefined || id === undefined || material === undefined) {
      throw keyMalformed("a verifier key is name+keyid+base64key");
    }
    const decoded = decodeKeyMaterial(encoded);
    const verifier = NoteVerifier.fromPublicKey(name, decoded);
    checkKeyId(id, verifier.keyId);
    return verifier;
  }

  /** `name+hhhhhhhh+base64(0x01 || key)`. */
  toString(): string {
    const material = Buffer.concat([Uint8Array.of(ED25519_KEY_TYPE), this.publicKey]).toString("base64");
    return `${this.name}+${hex(this.keyId)}+${material}`;
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    return signature.length === 64 && verify(null, message, this.key, signature);
  }
}

/** A key that signs notes. Its seed never leaves it except through `toSecretString()`. */
export class NoteSigner {
  readonly verifier: NoteVerifier;
  // ECMAScript private fields, not TypeScript's `private`: util.inspect and console.log cannot show them.
  readonly #seed: Uint8Array;
  readonly #key: KeyObject;

  private constructor(seed: Uint8Array, key: KeyObject, name: string) {
    this.#seed = seed;
    this.#key = key;
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    this.verifier = NoteVerifier.fromPublicKey(name, spki.subarray(SPKI_PREFIX.length));
  }

  get name(): string {
    return this.verifier.name;
  }

  get keyId(): number {
    return this.verifier.keyId;
  }

  static generate(name: string): NoteSigner {
    if (!isValidKeyName(name)) throw keyMalformed(`"${name}" is not a valid key name`);
    const { privateKey } = generateKeyPairSync("ed25519");
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    return new NoteSigner(pkcs8.subarray(PKCS8_PREFIX.length), privateKey, name);
  }

  static fromSeed(name: string, seed: Uint8Array): NoteSigner {
    if (!isValidKeyName(name)) throw keyMalformed(`"${name}" is not a valid key name`);
    if (seed.length !== 32) throw keyMalformed(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
    return new NoteSigner(Uint8Array.from(seed), key, name);
  }

  /** Reads `PRIVATE+KEY+name+hhhhhhhh+base64(0x01 || seed)`. */
  static parse(text: string): NoteSigner {
    const fields = text.split("+");
    if (fields.length < 5 || fields[0] !== "PRIVATE" || fields[1] !== "KEY") {
      throw keyMalformed("a signer key is PRIVATE+KEY+name+keyid+base64seed");
    }
    const signer = NoteSigner.fromSeed(fields[2]!, decodeKeyMaterial(fields.slice(4).join("+")));
    checkKeyId(fields[3]!, signer.keyId);
    return signer;
  }

  /** The signer key string: a secret, to be written only where the server's other secrets go. */
  toSecretString(): string {
    const material = Buffer.concat([Uint8Array.of(ED25519_KEY_TYPE), this.#seed]).toString("base64");
    return `PRIVATE+KEY+${this.name}+${hex(this.keyId)}+${material}`;
  }

  /** Never the seed: keeps the key out of logs and JSON. */
  toString(): string {
    return `NoteSigner(${this.verifier.toString()})`;
  }

  toJSON(): string {
    return this.toString();
  }

  sign(message: Uint8Array): Uint8Array {
    return sign(null, message, this.#key);
  }
}

export function hex(id: number): string {
  return id.toString(16).padStart(8, "0");
}

/** Strict standard base64 (RFC 4648 §4, padded): Buffer.from alone would skip stray characters. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

function decodeKeyMaterial(encoded: string): Uint8Array {
  const bytes = decodeBase64(encoded);
  if (bytes === undefined) throw keyMalformed("the key material is not base64");
  if (bytes[0] !== ED25519_KEY_TYPE) throw keyMalformed(`key type ${bytes[0]} is not Ed25519 (1)`);
  return bytes.subarray(1);
}

function checkKeyId(text: string, expected: number): void {
  if (!/^[0-9a-f]{8}$/.test(text)) throw keyMalformed("the key ID is eight lowercase hex digits");
  if (Number.parseInt(text, 16) !== expected) throw keyMalformed(`key ID ${text} does not match the key`);
}
