import { invalidArgument } from "./errors.js";
import { largestPowerOfTwoBelow, requireCount } from "./hash.js";
import { rangeHashes, type TreeReader } from "./tree.js";

type Range = readonly [number, number];

/**
 * The nodes of PATH(m, D[start:end]) (RFC 9162 §2.1.3.1), deepest first: the sibling of each node on
 * the way from leaf m up to the root of D[start:end].
 */
function inclusionRanges(index: number, start: number, end: number, out: Range[]): Range[] {
  if (end - start <= 1) return out;
  const k = largestPowerOfTwoBelow(end - start);
  if (index < start + k) {
    inclusionRanges(index, start, start + k, out);
    out.push([start + k, end]);
  } else {
    inclusionRanges(index, start + k, end, out);
    out.push([start, start + k]);
  }
  return out;
}

/** The nodes of SUBPROOF(m, D[start:end], b) (RFC 9162 §2.1.4.1). */
function consistencyRanges(m: number, start: number, end: number, whole: boolean, out: Range[]): Range[] {
  const n = end - start;
  if (m === n) {
    if (!whole) out.push([start, end]);
    return out;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    consistencyRanges(m, start, start + k, whole, out);
    out.push([start + k, end]);
  } else {
    consistencyRanges(m - k, start + k, end, false, out);
    out.push([start, start + k]);
  }
  return out;
}

/** The audit path proving leaf `index` is in the tree of the first `size` leaves. */
export async function inclusionProof(reader: TreeReader, index: number, size: number): Promise<Uint8Array[]> {
  requireCount(index, "leaf index");
  requireCount(size, "tree size");
  if (size > reader.size) throw invalidArgument(`tree size ${size} exceeds the log's ${reader.size}`);
  if (index >= size) throw invalidArgument(`leaf index ${index} is not in a tree of ${size}`);
  return rangeHashes(reader, inclusionRanges(index, 0, size, []));
}

/** The proof that the tree of `size1` leaves is a prefix of the tree of `size2` (1 ≤ size1 ≤ size2). */
export async function consistencyProof(
  reader: TreeReader,
  size1: number,
  size2: number,
): Promise<Uint8Array[]> {
  requireCount(size1, "first tree size");
  requireCount(size2, "second tree size");
  if (size2 > reader.size) throw invalidArgument(`tree size ${size2} exceeds the log's ${reader.size}`);
  if (size1 < 1 || size1 > size2) {
    throw invalidArgument(`no consistency proof from a tree of ${size1} to one of ${size2}`);
  }
  return rangeHashes(reader, consistencyRanges(size1, 0, size2, true, []));
}
