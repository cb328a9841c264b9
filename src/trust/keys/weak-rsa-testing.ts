import { createHash, createPublicKey, type KeyObject } from "node:crypto";

/**
 * Test helpers for the weak-RSA attack (issue 22, item 13). Not exported from the domain.
 *
 * An RSA public key needs no private half to exist: any odd modulus with its top bit set and any
 * exponent make one (a JWK, RFC 7518 section 6.3.1). The modulus is a fixed pattern so runs repeat.
 */
export function rsaPublicKey(options: { bits: number; exponent: bigint }): KeyObject {
  const bytes = options.bits / 8;
  const n = Buffer.alloc(bytes, 0xa5);
  n[0] = 0xc3;
  n[bytes - 1] = 0x01 | n[bytes - 1]!;
  return createPublicKey({
    key: { kty: "RSA", n: n.toString("base64url"), e: bigintBytes(options.exponent).toString("base64url") },
    format: "jwk",
  });
}

function bigintBytes(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex");
}

// DER of DigestInfo's AlgorithmIdentifier for SHA-256 and the OCTET STRING header (RFC 8017 section 9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * EMSA-PKCS1-v1_5 (RFC 8017 section 9.2) of SHA-256(message) for a modulus of `bits`: 00 01 FF…FF 00
 * DigestInfo. Under e=1, s^e mod n = s, so this block verifies as its own signature.
 */
export function forgedPkcs1Signature(message: Uint8Array, bits: number): Buffer {
  const digestInfo = Buffer.concat([
    SHA256_DIGEST_INFO_PREFIX,
    createHash("sha256").update(message).digest(),
  ]);
  const padding = Buffer.alloc(bits / 8 - 3 - digestInfo.length, 0xff);
  return Buffer.concat([Buffer.from([0x00, 0x01]), padding, Buffer.from([0x00]), digestInfo]);
}
