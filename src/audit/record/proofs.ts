import { type Kysely, sql } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import { merkleLeafHash, merkleNodeHash, rootFromInclusionProof } from "../merkle/index.js";

/** Node ids per IN list: well under SQLite's bound-variable limit, one round trip per chunk. */
const CHUNK = 900;
/** A level whose wanted nodes fill at least this share of their span is read as one range scan. */
const DENSE = 0.5;

/** A node's map key: a number, not a string built 170,000 times for 10,000 proofs (idx < 2^46). */
const keyOf = (level: number, idx: number) => idx * 64 + level;

const log2 = (width: number) => (width < 2 ** 31 ? 31 - Math.clz32(width) : Math.log2(width));

/**
 * The ranges of PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), root first (a proof lists them deepest first):
 * the iterative form of the recursion in merkle/proof.ts (the same ranges, tested against it), with no
 * promise or array per step, because a timeline asks for ten thousand paths at once. Every range that
 * is not a stored node ends at n: the tree's ragged right edge, so its start names it.
 */
function forEachSibling(index: number, size: number, visit: (start: number, end: number) => void): void {
  let start = 0;
  let end = size;
  while (end - start > 1) {
    let k = 1;
    while (k * 2 < end - start) k *= 2;
    if (index < start + k) {
      visit(start + k, end);
      end = start + k;
    } else {
      visit(start, start + k);
      start += k;
    }
  }
}

/** Whether [start, end) is a stored node (a perfect subtree at an aligned start). */
function isNode(start: number, end: number): boolean {
  const width = end - start;
  return (width & (width - 1)) === 0 && start % width === 0;
}

/** The perfect subtrees of a right-edge range, largest first (they fold into its hash). */
function piecesOf(start: number, end: number): { level: number; idx: number }[] {
  const pieces: { level: number; idx: number }[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    while (width * 2 <= end - at && at % (width * 2) === 0) width *= 2;
    pieces.push({ level: log2(width), idx: at / width });
    at += width;
  }
  return pieces;
}

async function readLevel(
  db: Kysely<Schema>,
  level: number,
  ids: readonly number[],
): Promise<{ idx: number | string | bigint; hash: Uint8Array }[]> {
  const first = ids[0]!;
  const last = ids[ids.length - 1]!;
  const base = db.selectFrom("record_nodes").select(["idx", "hash"]).where("level", "=", level);
  if (ids.length / (last - first + 1) >= DENSE) {
    return base.where("idx", ">=", first).where("idx", "<=", last).execute();
  }
  const chunks: Promise<{ idx: number | string | bigint; hash: Uint8Array }[]>[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    chunks.push(base.where(sql<boolean>`idx in (${sql.join(ids.slice(i, i + CHUNK))})`).execute());
  }
  return (await Promise.all(chunks)).flat();
}

/**
 * Inclusion proofs of many leaves in the tree of `size` leaves, hex hashes by leaf index. One proof
 * reads about log2(size) nodes, but the proofs of a timeline's entries share most of theirs (the upper
 * levels always, the lower ones wherever entries sit close): every node needed is planned first, read
 * once per level (a range scan where dense, IN lists where sparse), turned into hex once, and each
 * proof is then an array of shared strings. The right edge's ranges (not stored nodes) are folded once.
 */
export async function inclusionProofs(
  db: Kysely<Schema>,
  indices: readonly number[],
  size: number,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (indices.length === 0) return out;
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new AuditError("INVALID_ARGUMENT", `leaf index ${index} is not in a tree of ${size}`);
    }
  }
  const wanted = new Map<number, Set<number>>();
  const want = (level: number, idx: number) => {
    const set = wanted.get(level) ?? new Set<number>();
    wanted.set(level, set);
    set.add(idx);
  };
  // Right-edge ranges by their start (they all end at `size`), each folded from its pieces once.
  const edges = new Map<number, { level: number; idx: number }[]>();
  const plan = (start: number, end: number) => {
    if (isNode(start, end)) want(log2(end - start), start / (end - start));
    else if (!edges.has(start)) {
      const pieces = piecesOf(start, end);
      edges.set(start, pieces);
      for (const piece of pieces) want(piece.level, piece.idx);
    }
  };
  for (const index of indices) forEachSibling(index, size, plan);
  const levels = [...wanted].map(([level, set]) => ({ level, ids: [...set].sort((a, b) => a - b) }));
  const read = await Promise.all(levels.map(({ level, ids }) => readLevel(db, level, ids)));
  const bytes = new Map<number, Uint8Array>();
  const hex = new Map<number, string>();
  read.forEach((rows, i) => {
    const level = levels[i]!.level;
    for (const row of rows) {
      const key = keyOf(level, Number(row.idx));
      bytes.set(key, row.hash);
      hex.set(key, Buffer.from(row.hash.buffer, row.hash.byteOffset, row.hash.byteLength).toString("hex"));
    }
  });
  const edgeHex = new Map<number, string>();
  for (const [start, pieces] of edges) {
    const hashes = pieces.map(({ level, idx }) => {
      const hash = bytes.get(keyOf(level, idx));
      if (!hash) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks node ${level}/${idx}`);
      return hash;
    });
    let folded = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) folded = merkleNodeHash(hashes[i]!, folded);
    edgeHex.set(start, Buffer.from(folded).toString("hex"));
  }
  for (const index of indices) {
    const proof: string[] = [];
    forEachSibling(index, size, (start, end) => {
      const value = isNode(start, end)
        ? hex.get(keyOf(log2(end - start), start / (end - start)))
        : edgeHex.get(start);
      if (value === undefined) {
        throw new AuditError("RECORD_DAMAGED", `the record's tree lacks the node of leaves ${start}-${end}`);
      }
      proof.push(value);
    });
    out.set(index, proof.reverse());
  }
  return out;
}

/**
 * Whether the leaf text `leaf` at `index` is in the tree of `size` leaves whose root is `root`, by its
 * proof (hex hashes): what a client checks each timeline entry with, after checking the checkpoint's
 * signature. Never throws: a malformed proof is a proof that fails.
 */
export function leafIncluded(
  leaf: string,
  index: number,
  size: number,
  proof: readonly string[],
  root: Uint8Array,
): boolean {
  try {
    if (proof.some((h) => !/^[0-9a-f]{64}$/.test(h))) return false;
    const computed = rootFromInclusionProof(
      index,
      size,
      merkleLeafHash(Buffer.from(leaf, "utf8")),
      proof.map((h) => Uint8Array.from(Buffer.from(h, "hex"))),
    );
    return Buffer.from(computed).equals(Buffer.from(root));
  } catch {
    return false;
  }
}
