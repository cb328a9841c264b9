import { envelopePayload, PAYLOAD_TYPE_IN_TOTO } from "../../dsse/envelope.js";
import { verifyEnvelope } from "../../dsse/verify.js";
import type { VerificationFailure } from "../../errors.js";
import { type InTotoStatement, matchSubject, parseStatement } from "../../intoto/statement.js";
import type { VerificationKey } from "../../keys/load.js";
import { checkSimpleSigningPayload, type SimpleSigningPayload } from "../../payloads/simple-signing.js";
import { verifyBytes } from "../../signing/verify.js";
import type { CosignAttestation, CosignSignature } from "./parse.js";

export type CosignSignatureVerification =
  | { ok: true; payload: SimpleSigningPayload; referenceMatches: boolean | undefined }
  | { ok: false; reason: VerificationFailure; message: string };

export type CosignAttestationVerification =
  | { ok: true; statement: InTotoStatement }
  | { ok: false; reason: VerificationFailure; message: string };

/**
 * Verifies a `.sig` layer with a key (cosign verify --key): the signature over the payload bytes,
 * then that the payload names the image digest. A docker-reference that differs is reported in
 * `referenceMatches`, not as a failure.
 */
export function verifyCosignSignature(
  signature: CosignSignature,
  key: VerificationKey,
  expected: { digest: string; dockerReference?: string },
): CosignSignatureVerification {
  if (!verifyBytes(key, signature.payload, signature.signature)) {
    return {
      ok: false,
      reason: "SIGNATURE_MISMATCH",
      message: "the signature does not verify with this key",
    };
  }
  return checkSimpleSigningPayload(signature.payload, expected);
}

/** Checks an attestation's statement: in-toto payload type, parseable, predicate type as annotated, subject = image. */
export function checkAttestationStatement(
  attestation: CosignAttestation,
  payload: Buffer,
  digest: string,
): CosignAttestationVerification {
  if (attestation.envelope.payloadType !== PAYLOAD_TYPE_IN_TOTO) {
    return {
      ok: false,
      reason: "ENVELOPE_INVALID",
      message: `payload type ${attestation.envelope.payloadType} is not in-toto`,
    };
  }
  let statement: InTotoStatement;
  try {
    statement = parseStatement(payload);
  } catch (err) {
    return { ok: false, reason: "STATEMENT_INVALID", message: (err as Error).message };
  }
  if (attestation.predicateType !== undefined && attestation.predicateType !== statement.predicateType) {
    return {
      ok: false,
      reason: "STATEMENT_INVALID",
      message: `layer says predicate ${attestation.predicateType}, statement says ${statement.predicateType}`,
    };
  }
  const match = matchSubject(statement, digest);
  return match.ok ? { ok: true, statement } : { ok: false, reason: match.reason, message: match.message };
}

/** Verifies a `.att` layer with a key (cosign verify-attestation --key). */
export function verifyCosignAttestation(
  attestation: CosignAttestation,
  key: VerificationKey,
  expected: { digest: string },
): CosignAttestationVerification {
  const result = verifyEnvelope(attestation.envelope, [{ key }]);
  if (!result.ok) return result;
  return checkAttestationStatement(attestation, envelopePayload(attestation.envelope), expected.digest);
}
