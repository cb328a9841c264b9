import { invalidArgument } from "./errors.js";
import { EMPTY_ROOT, isPowerOfTwo, leafHash, nodeHash, requireCount } from "./hash.js";

/** A perfect subtree: `size` leaves (a power of two) from `start` (a multiple of `size`). */
export interface PerfectSubtree {
  readonly start: number;
  readonly size: number;
}

/**
 * What proof generation reads from a log: the hash of perfect subtrees, asked for in one batch (an
 * inclusion or consistency proof needs at most 2·log2(n) of them, so a stored log answers with one
 * query whatever its size). A leaf's hash is the perfect subtree of size 1.
 *
 * A stored implementation keeps one row per perfect subtree, keyed by (level, index) with
 * start = index·2^level: when leaf i is appended, each level l with (i + 1) divisible by 2^l gains the
 * node hash of its two children at level l − 1, both already stored (on average one new row per leaf,
 * the same carry as a binary counter). Nodes on the tree's ragged right edge are never stored: they are
 * folded from at most log2(n) perfect subtrees at read time (`rangeHash`).
 */
export interface TreeReader {
  readonly size: number;
  subtreeHashes(subtrees: readonly PerfectSubtree[]): Promise<readonly Uint8Array[]>;
}

/** The perfect subtrees of [start, end), largest first; start must be aligned as a node's start is. */
export function perfectSubtrees(start: number, end: number): PerfectSubtree[] {
  const pieces: PerfectSubtree[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while (size * 2 <= end - at) size *= 2;
    if (at % size !== 0) throw invalidArgument(`[${start}, ${end}) is not a node of a Merkle tree`);
    pieces.push({ start: at, size });
    at += size;
  }
  return pieces;
}

/** MTH(D[start:end]) from the hashes of its perfect subtrees (largest first), folded right to left. */
export function foldRange(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 0) return EMPTY_ROOT;
  let hash = pieces[pieces.length - 1]!;
  for (let i = pieces.length - 2; i >= 0; i--) hash = nodeHash(pieces[i]!, hash);
  return hash;
}

/** The hashes of several node ranges, read in one batch. */
export async function rangeHashes(
  reader: TreeReader,
  ranges: readonly (readonly [number, number])[],
): Promise<Uint8Array[]> {
  const plans = ranges.map(([start, end]) => perfectSubtrees(start, end));
  const hashes = await reader.subtreeHashes(plans.flat());
  if (hashes.length !== plans.reduce((sum, plan) => sum + plan.length, 0)) {
    throw invalidArgument("the TreeReader answered a different number of hashes than it was asked for");
  }
  let next = 0;
  return plans.map((plan) => {
    const pieces = hashes.slice(next, next + plan.length);
    next += plan.length;
    return foldRange(pieces);
  });
}

export async function rootHash(reader: TreeReader, size: number = reader.size): Promise<Uint8Array> {
  requireCount(size, "tree size");
  if (size > reader.size) throw invalidArgument(`tree size ${size} exceeds the log's ${reader.size}`);
  const [root] = await rangeHashes(reader, [[0, size]]);
  return root!;
}

/**
 * A log held in memory, storing its perfect subtrees by level exactly as a stored log would; for tests
 * and small logs.
 */
export class MemoryTree implements TreeReader {
  /** levels[l][j] = hash of the perfect subtree of 2^l leaves starting at j·2^l. */
  private readonly levels: Uint8Array[][] = [[]];

  get size(): number {
    return this.levels[0]!.length;
  }

  append(data: Uint8Array): void {
    this.appendLeafHash(leafHash(data));
  }

  appendLeafHash(hash: Uint8Array): void {
    this.levels[0]!.push(hash);
    for (let level = 0; this.levels[level]!.length % 2 === 0; level++) {
      const row = this.levels[level]!;
      if (this.levels.length === level + 1) this.levels.push([]);
      this.levels[level + 1]!.push(nodeHash(row[row.length - 2]!, row[row.length - 1]!));
    }
  }

  async subtreeHashes(subtrees: readonly PerfectSubtree[]): Promise<readonly Uint8Array[]> {
    return subtrees.map(({ start, size }) => {
      if (!isPowerOfTwo(size) || start % size !== 0 || start + size > this.size) {
        throw invalidArgument(`no perfect subtree of ${size} leaves at ${start} in a tree of ${this.size}`);
      }
      return this.levels[Math.log2(size)]![start / size]!;
    });
  }
}
