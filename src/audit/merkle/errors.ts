import { PortcullisError } from "../../core/index.js";

/**
 * INVALID_ARGUMENT: a size, an index or a range that names no node of the tree (a caller's mistake);
 * PROOF_INVALID: a proof that does not prove what it claims (tampered, truncated, or for another tree);
 * NOTE_MALFORMED: text that is not a signed note, or a checkpoint body that is not a checkpoint;
 * KEY_MALFORMED: a signer or verifier key string that cannot be read;
 * SIGNATURE_INVALID: a signature by a key the caller trusts that does not verify;
 * NOTE_UNVERIFIED: a note with no signature by any key the caller trusts (or for another log).
 */
export type MerkleErrorCode =
  | "INVALID_ARGUMENT"
  | "PROOF_INVALID"
  | "NOTE_MALFORMED"
  | "KEY_MALFORMED"
  | "SIGNATURE_INVALID"
  | "NOTE_UNVERIFIED";

export class MerkleError extends PortcullisError<MerkleErrorCode> {}

export function invalidArgument(message: string): MerkleError {
  return new MerkleError("INVALID_ARGUMENT", message);
}

export function proofInvalid(message: string): MerkleError {
  return new MerkleError("PROOF_INVALID", message);
}

export function noteMalformed(message: string): MerkleError {
  return new MerkleError("NOTE_MALFORMED", message);
}

export function keyMalformed(message: string): MerkleError {
  return new MerkleError("KEY_MALFORMED", message);
}
