import { sign } from "node:crypto";
import type { SigningKey } from "../keys/load.js";
import { defaultHash } from "../keys/policy.js";

/**
 * Signs bytes as cosign's signers do (sigstore/sigstore pkg/signature): ECDSA over SHA-256
 * (SHA-384 on P-384, SHA-512 on P-521) with an ASN.1 DER signature, pure Ed25519, RSA PKCS#1 v1.5
 * over SHA-256.
 */
export function signBytes(key: SigningKey, data: Uint8Array): Buffer {
  const hash = defaultHash(key.kind);
  if (key.kind.type === "ecdsa") return sign(hash, data, { key: key.privateKey, dsaEncoding: "der" });
  return sign(hash, data, key.privateKey);
}
