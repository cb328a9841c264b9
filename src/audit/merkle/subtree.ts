import { invalidArgument } from "./errors.js";
import { requireCount } from "./hash.js";
import { verifyInclusion } from "./verify.js";

/**
 * A subtree [start, end) of a log (the "subtree" of draft-ietf-plants-merkle-tree-certs): non-empty and
 * starting at a multiple of the smallest power of two holding it, so it is a node of every tree that
 * contains its last leaf.
 */
export function requireSubtree(start: number, end: number): void {
  requireCount(start, "subtree start");
  requireCount(end, "subtree end");
  if (start >= end) throw invalidArgument(`subtree [${start}, ${end}) is empty`);
  let width = 1;
  while (width < end - start) width *= 2;
  if (start % width !== 0)
    throw invalidArgument(`[${start}, ${end}) is not a subtree: ${start} is not a multiple of ${width}`);
}

/** Throws unless `proof` shows leaf hash `leaf` at absolute `index` under the subtree [start, end) with hash `root`. */
export function verifySubtreeInclusion(
  index: number,
  start: number,
  end: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  requireSubtree(start, end);
  requireCount(index, "leaf index");
  if (index < start || index >= end)
    throw invalidArgument(`leaf ${index} is outside the subtree [${start}, ${end})`);
  verifyInclusion(index - start, end - start, leaf, proof, root);
}
