import type { VerificationFailure } from "../errors.js";
import type { VerificationKey } from "../keys/load.js";
import { constantTimeEqual } from "../signing/compare.js";
import { verifyBytes } from "../signing/verify.js";
import { type DsseEnvelope, decodeBase64Strict, envelopePayload } from "./envelope.js";
import { preAuthEncoding } from "./pae.js";

export interface DsseTrustedKey {
  key: VerificationKey;
  /** When set, only signatures with this keyid (or none) are tried with this key. */
  keyid?: string;
}

export type DsseVerification =
  | { ok: true; payloadType: string; payload: Buffer; verifiedKeyIds: (string | undefined)[] }
  | { ok: false; reason: VerificationFailure; message: string };

/**
 * Verifies a DSSE envelope (protocol.md "Verify"): every signature is checked over PAE; the result
 * is ok when at least `threshold` distinct trusted keys produced a valid signature.
 */
export function verifyEnvelope(
  envelope: DsseEnvelope,
  keys: DsseTrustedKey[],
  threshold = 1,
): DsseVerification {
  const payload = envelopePayload(envelope);
  const pae = preAuthEncoding(envelope.payloadType, payload);
  const matched = new Set<number>();
  for (const signature of envelope.signatures) {
    const sig = decodeBase64Strict(signature.sig, "DSSE signature");
    keys.forEach((trusted, index) => {
      if (matched.has(index)) return;
      if (trusted.keyid && signature.keyid && !constantTimeEqual(trusted.keyid, signature.keyid)) return;
      if (verifyBytes(trusted.key, pae, sig)) matched.add(index);
    });
  }
  if (matched.size < Math.max(1, threshold)) {
    return {
      ok: false,
      reason: "SIGNATURE_MISMATCH",
      message: `${matched.size} of ${envelope.signatures.length} DSSE signatures verified with the trusted keys; ${threshold} needed`,
    };
  }
  return {
    ok: true,
    payloadType: envelope.payloadType,
    payload,
    verifiedKeyIds: [...matched].map((i) => keys[i]?.keyid),
  };
}
