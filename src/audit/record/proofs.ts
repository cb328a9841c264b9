import { type Kysely, sql } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import { merkleLeafHash, merkleNodeHash, rootFromInclusionProof } from "../merkle/index.js";

/** Node ids per IN list: well under SQLite's bound-variable limit, one round trip per chunk. */
const CHUNK = 900;
/** A level whose wanted nodes fill at least this share of their span is read as one range scan. */
const DENSE = 0.5;

type Range = readonly [number, number];

/** A node's map key: a number, not a string built 170,000 times for 10,000 proofs (idx < 2^46). */
const keyOf = (level: number, idx: number) => idx * 64 + level;

/**
 * PATH(m, D[0:n]) of RFC 9162 §2.1.3.1 as node ranges, deepest first: the iterative form of the
 * recursion in merkle/proof.ts (same ranges; tested against it), with no promise per step, because a
 * timeline asks for ten thousand of them at once.
 */
function pathRanges(index: number, size: number): Range[] {
  const out: Range[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    let k = 1;
    while (k * 2 < end - start) k *= 2;
    if (index < start + k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      start += k;
    }
  }
  return out.reverse();
}

/** The stored node a range is, when it is a perfect subtree (every range but those on the right edge). */
function nodeOf([start, end]: Range): { level: number; idx: number } | undefined {
  const width = end - start;
  if ((width & (width - 1)) !== 0 || start % width !== 0) return undefined;
  return { level: Math.log2(width), idx: start / width };
}

/** The perfect subtrees of a right-edge range, largest first (they fold into its hash). */
function piecesOf(start: number, end: number): { level: number; idx: number }[] {
  const pieces: { level: number; idx: number }[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    while (width * 2 <= end - at && at % (width * 2) === 0) width *= 2;
    pieces.push({ level: Math.log2(width), idx: at / width });
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
  const paths = indices.map((index) => pathRanges(index, size));
  const wanted = new Map<number, Set<number>>();
  const want = ({ level, idx }: { level: number; idx: number }) => {
    const set = wanted.get(level) ?? new Set<number>();
    wanted.set(level, set);
    set.add(idx);
  };
  const edges = new Map<string, { level: number; idx: number }[]>();
  for (const path of paths) {
    for (const range of path) {
      const node = nodeOf(range);
      if (node) want(node);
      else {
        const key = `${range[0]}-${range[1]}`;
        if (!edges.has(key)) {
          const pieces = piecesOf(range[0], range[1]);
          edges.set(key, pieces);
          pieces.forEach(want);
        }
      }
    }
  }
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
  const edgeHex = new Map<string, string>();
  for (const [key, pieces] of edges) {
    const hashes = pieces.map(({ level, idx }) => {
      const hash = bytes.get(keyOf(level, idx));
      if (!hash) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks node ${level}/${idx}`);
      return hash;
    });
    let folded = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) folded = merkleNodeHash(hashes[i]!, folded);
    edgeHex.set(key, Buffer.from(folded).toString("hex"));
  }
  indices.forEach((index, i) => {
    out.set(
      index,
      paths[i]!.map((range) => {
        const node = nodeOf(range);
        const value = node ? hex.get(keyOf(node.level, node.idx)) : edgeHex.get(`${range[0]}-${range[1]}`);
        if (value === undefined) {
          throw new AuditError(
            "RECORD_DAMAGED",
            `the record's tree lacks the node of leaves ${range[0]}-${range[1]}`,
          );
        }
        return value;
      }),
    );
  });
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
