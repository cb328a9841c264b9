import { PortcullisError } from "../core/index.js";

/**
 * Codes of the trust domain (keys, signatures, DSSE, in-toto, cosign and Sigstore formats).
 * Tests assert the code; `server/` and `cli/` map it to their own wire forms.
 */
export type TrustErrorCode =
  /** Key material that cannot be parsed (bad PEM, bad DER, bad JSON inside an encrypted key). */
  | "KEY_INVALID"
  /** A well-formed key of a kind we refuse: DSA, P-224, secp256k1, RSA over 4096 bits, a public key where a private one is needed. */
  | "KEY_UNSUPPORTED"
  /** RSA under 2048 bits, or with a public exponent other than 65537. */
  | "KEY_TOO_WEAK"
  /** An encrypted key whose KDF, cipher or scrypt parameters are not one of the sets cosign accepts. */
  | "KEY_ENCRYPTION_UNSUPPORTED"
  /** An encrypted key and no password. */
  | "PASSWORD_REQUIRED"
  /** The password does not open the encrypted key (or its ciphertext was tampered with). */
  | "WRONG_PASSWORD"
  /** A signature that is not well-formed base64 or DER. */
  | "SIGNATURE_MALFORMED"
  /** A simple-signing payload that does not follow cosign's schema. */
  | "PAYLOAD_INVALID"
  /** A DSSE envelope that does not follow the DSSE envelope schema. */
  | "ENVELOPE_INVALID"
  /** An in-toto statement that does not follow the in-toto Statement schema. */
  | "STATEMENT_INVALID"
  /** A predicate type that is neither a cosign alias nor an absolute URI. */
  | "PREDICATE_TYPE_UNKNOWN"
  /** A cosign signature or attestation manifest that cannot be read. */
  | "MANIFEST_INVALID"
  /** A Sigstore bundle that cannot be parsed. */
  | "BUNDLE_INVALID"
  /** A trusted root (Sigstore TrustedRoot JSON) that cannot be parsed. */
  | "TRUSTED_ROOT_INVALID"
  /** A certificate that cannot be parsed. */
  | "CERTIFICATE_INVALID"
  /** A bound on what discovery reads from signature artifacts (ArtifactLimits) was reached. */
  | "ARTIFACT_LIMIT_EXCEEDED"
  /** A caller passed something out of the API's contract. */
  | "INVALID_ARGUMENT";

export class TrustError extends PortcullisError<TrustErrorCode> {}

/** Why a verification failed; returned in results, not thrown, so the caller decides warn or deny. */
export type VerificationFailure =
  | "SIGNATURE_MISMATCH"
  | "DIGEST_MISMATCH"
  | "NO_SIGNATURES"
  | "KEY_MISMATCH"
  | "PAYLOAD_INVALID"
  | "ENVELOPE_INVALID"
  | "STATEMENT_INVALID"
  | "BUNDLE_INVALID"
  | "CERTIFICATE_INVALID"
  | "IDENTITY_MISMATCH"
  | "TLOG_INVALID"
  | "TIMESTAMP_INVALID"
  | "UNTRUSTED";

/** Quotes user input for an error message: JSON-escaped and cut to a readable length. */
export function quote(input: string, max = 80): string {
  return JSON.stringify(input.length > max ? `${input.slice(0, max)}…` : input);
}
