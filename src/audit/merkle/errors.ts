import { PortcullisError } from "../../core/index.js";

/**
 * INVALID_ARGUMENT: a size, an index or a range that names no node of the tree (a caller's mistake);
 * PROOF_INVALID: a proof that does not prove what it claims (tampered, truncated, or for another tree).
 */
export type MerkleErrorCode = "INVALID_ARGUMENT" | "PROOF_INVALID";

export class MerkleError extends PortcullisError<MerkleErrorCode> {}

export function invalidArgument(message: string): MerkleError {
  return new MerkleError("INVALID_ARGUMENT", message);
}

export function proofInvalid(message: string): MerkleError {
  return new MerkleError("PROOF_INVALID", message);
}
