import { proofInvalid } from "./errors.js";
import { HASH_SIZE, hashesEqual, isPowerOfTwo, nodeHash, requireCount } from "./hash.js";

// Sizes may exceed 2^32, so halving is arithmetic, never `>>` (which works on 32 bits).
const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

function requireHashes(proof: readonly Uint8Array[]): void {
  for (const [i, hash] of proof.entries()) {
    if (hash.length !== HASH_SIZE)
      throw proofInvalid(`proof element ${i} is ${hash.length} bytes, not ${HASH_SIZE}`);
  }
}

/**
 * The root that an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1–4); throws PROOF_INVALID when
 * the proof has the wrong length for the index and size.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  requireCount(index, "leaf index");
  requireCount(size, "tree size");
  if (index >= size) throw proofInvalid(`leaf index ${index} is not in a tree of ${size}`);
  if (leaf.length !== HASH_SIZE)
    throw proofInvalid(`the leaf hash is ${leaf.length} bytes, not ${HASH_SIZE}`);
  requireHashes(proof);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw proofInvalid("the inclusion proof is longer than the path to the root");
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw proofInvalid("the inclusion proof is shorter than the path to the root");
  return r;
}

/** Throws PROOF_INVALID unless `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!hashesEqual(rootFromInclusionProof(index, size, leaf, proof), root)) {
    throw proofInvalid(
      `the inclusion proof for leaf ${index} does not lead to the root of the tree of ${size}`,
    );
  }
}

/**
 * Throws PROOF_INVALID unless `proof` shows the tree of `size1` leaves with `root1` is a prefix of the
 * tree of `size2` with `root2` (RFC 9162 §2.1.4.2). A proof from the empty tree is refused: it would
 * prove nothing, and a verifier asking for one has no checkpoint worth checking.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  requireCount(size1, "first tree size");
  requireCount(size2, "second tree size");
  if (size1 > size2) throw proofInvalid(`a tree of ${size2} cannot extend one of ${size1}`);
  if (size1 === 0) throw proofInvalid("a consistency proof from the empty tree proves nothing");
  if (size1 === size2) {
    if (proof.length > 0) throw proofInvalid("trees of the same size need an empty consistency proof");
    if (!hashesEqual(root1, root2)) throw proofInvalid(`two different roots for the tree of ${size1}`);
    return;
  }
  if (proof.length === 0) throw proofInvalid("the consistency proof is empty");
  requireHashes(proof);
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw proofInvalid("the consistency proof is longer than the path to the root");
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw proofInvalid("the consistency proof is shorter than the path to the root");
  if (!hashesEqual(fr, root1))
    throw proofInvalid(`the consistency proof does not lead to the root of ${size1}`);
  if (!hashesEqual(sr, root2))
    throw proofInvalid(`the consistency proof does not lead to the root of ${size2}`);
}
