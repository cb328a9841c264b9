import type { KeyObject } from "node:crypto";
import { TrustError } from "../errors.js";

/** The signing algorithms we generate and accept, named as cosign's `--key-algorithm` spells them. */
export type KeyAlgorithm =
  | "ecdsa-p256"
  | "ecdsa-p384"
  | "ecdsa-p521"
  | "ed25519"
  | "rsa-2048"
  | "rsa-3072"
  | "rsa-4096";

/** The algorithms `generateKeyPair` offers; P-256 first, the default, as in cosign. */
export const GENERATED_KEY_ALGORITHMS = ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072"] as const;
export type GeneratedKeyAlgorithm = (typeof GENERATED_KEY_ALGORITHMS)[number];

/** What a key is: enough to pick the hash and to tell a user which key they hold. */
export type KeyKind =
  | { type: "ecdsa"; curve: "P-256" | "P-384" | "P-521" }
  | { type: "ed25519" }
  | { type: "rsa"; bits: number };

const CURVES: Record<string, "P-256" | "P-384" | "P-521"> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

// sigstore/sigstore pkg/cryptoutils ValidatePubKey: RSA between 2048 and 4096 bits.
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;
/**
 * The one RSA public exponent accepted. With e=1 the PKCS#1 v1.5 (or PSS) encoded message is its own
 * signature, a forgery anyone can make; small, even or huge exponents are weak or invalid. Go's
 * crypto/rsa (cosign) refuses e < 2 and e > 2^31-1; we are stricter, as Let's Encrypt's goodkey and
 * Fulcio are: 65537 (F4), the exponent every key generator writes.
 */
const RSA_EXPONENT = 65537n;

/**
 * Classifies a key and refuses the kinds cosign refuses (sigstore cryptoutils.ValidatePubKey):
 * DSA, EC curves other than P-256/384/521 (P-224, secp256k1), RSA outside 2048..4096 bits; and, stricter
 * than cosign, any RSA public exponent but 65537.
 */
export function classifyKey(key: KeyObject): KeyKind {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case "ec": {
      const curve = CURVES[details.namedCurve ?? ""];
      if (!curve) {
        throw new TrustError(
          "KEY_UNSUPPORTED",
          `EC curve ${details.namedCurve ?? "unknown"} is not supported`,
          {
            detail: { curve: details.namedCurve },
          },
        );
      }
      return { type: "ecdsa", curve };
    }
    case "ed25519":
      return { type: "ed25519" };
    case "rsa": {
      const bits = details.modulusLength ?? 0;
      const exponent = details.publicExponent;
      if (exponent !== RSA_EXPONENT) {
        throw new TrustError(
          "KEY_TOO_WEAK",
          `RSA public exponent ${exponent ?? "unknown"} is refused: only ${RSA_EXPONENT} is accepted`,
          { detail: { publicExponent: exponent?.toString() } },
        );
      }
      if (bits < RSA_MIN_BITS) {
        throw new TrustError(
          "KEY_TOO_WEAK",
          `RSA key of ${bits} bits is under the ${RSA_MIN_BITS}-bit minimum`,
        );
      }
      if (bits > RSA_MAX_BITS) {
        throw new TrustError(
          "KEY_UNSUPPORTED",
          `RSA key of ${bits} bits is over the ${RSA_MAX_BITS}-bit maximum`,
        );
      }
      return { type: "rsa", bits };
    }
    case "rsa-pss":
      throw new TrustError("KEY_UNSUPPORTED", "RSASSA-PSS-only keys are not supported; use a plain RSA key");
    default:
      throw new TrustError("KEY_UNSUPPORTED", `key type ${type ?? "unknown"} is not supported`);
  }
}

/** Whether an RSA key's public exponent is the one accepted (verifyBytes re-checks hand-built keys). */
export function hasAcceptedRsaExponent(key: KeyObject): boolean {
  return key.asymmetricKeyDetails?.publicExponent === RSA_EXPONENT;
}

/** The digest a key signs with: SHA-256 except SHA-384 for P-384 and SHA-512 for P-521; ed25519 hashes itself. */
export function defaultHash(kind: KeyKind): "sha256" | "sha384" | "sha512" | null {
  if (kind.type === "ed25519") return null;
  if (kind.type === "ecdsa" && kind.curve === "P-384") return "sha384";
  if (kind.type === "ecdsa" && kind.curve === "P-521") return "sha512";
  return "sha256";
}

export function keyAlgorithmOf(kind: KeyKind): KeyAlgorithm {
  switch (kind.type) {
    case "ecdsa":
      return `ecdsa-p${kind.curve.slice(2)}` as KeyAlgorithm;
    case "ed25519":
      return "ed25519";
    case "rsa":
      return `rsa-${kind.bits <= 2048 ? 2048 : kind.bits <= 3072 ? 3072 : 4096}` as KeyAlgorithm;
  }
}
