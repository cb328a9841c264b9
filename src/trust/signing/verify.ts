import { constants, verify } from "node:crypto";
import type { VerificationKey } from "../keys/load.js";
import { defaultHash, hasAcceptedRsaExponent } from "../keys/policy.js";

export interface VerifyBytesOptions {
  /** Overrides the key's default digest (cosign's `--signature-digest-algorithm`). */
  hash?: "sha256" | "sha384" | "sha512";
}

/**
 * Checks a signature over bytes. Never throws for a malformed signature: it simply does not
 * verify. RSA accepts PKCS#1 v1.5 and PSS (any salt length), since both occur in Sigstore.
 */
export function verifyBytes(
  key: VerificationKey,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyBytesOptions = {},
): boolean {
  const hash = key.kind.type === "ed25519" ? null : (options.hash ?? defaultHash(key.kind));
  try {
    if (key.kind.type === "ecdsa")
      return verify(hash, data, { key: key.publicKey, dsaEncoding: "der" }, signature);
    if (key.kind.type === "ed25519") return verify(null, data, key.publicKey, signature);
    // loadPublicKey refuses these keys; a VerificationKey built by hand is not trusted to have been checked.
    if (!hasAcceptedRsaExponent(key.publicKey)) return false;
    if (verify(hash, data, { key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature))
      return true;
    return verify(
      hash,
      data,
      {
        key: key.publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_AUTO,
      },
      signature,
    );
  } catch {
    // OpenSSL refuses some malformed inputs (wrong length for RSA/Ed25519) by throwing.
    return false;
  }
}
