/**
 * audit/merkle: the pure core of a Merkle-tree log in the RFC 6962 / 9162 sense (hashing, roots,
 * inclusion and consistency proofs generated from stored perfect subtrees and verified) and its signed
 * tree heads, C2SP checkpoints in the signed-note format with Ed25519 keys. No storage here.
 */
export {
  formatTreeCheckpoint,
  openTreeCheckpoint,
  parseTreeCheckpoint,
  signTreeCheckpoint,
  type TreeCheckpoint,
} from "./checkpoint.js";
export { MerkleError, type MerkleErrorCode } from "./errors.js";
export {
  EMPTY_ROOT as MERKLE_EMPTY_ROOT,
  leafHash as merkleLeafHash,
  nodeHash as merkleNodeHash,
} from "./hash.js";
export {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type OpenedNote,
  openNote,
  type ParsedNote,
  parseNote,
  signNote,
} from "./note.js";
export { NoteSigner, NoteVerifier } from "./note-keys.js";
export { consistencyProof, inclusionProof } from "./proof.js";
export { verifySubtreeInclusion } from "./subtree.js";
export { MemoryTree, type PerfectSubtree, rootHash as merkleRoot, type TreeReader } from "./tree.js";
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from "./verify.js";
