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

/**
 * Stored nodes' hex hashes, by keyOf(level, idx). A stored node is a perfect subtree's hash, written
 * once when its last leaf is appended and never changed (prune deletes leaf texts, never nodes), so a
 * node read once is good for ever: no invalidation. Bounded by two generations (a read moves a node
 * to the young one; when the young one fills, the old one is dropped), so it holds at most `max`
 * nodes (about 130 bytes each) and keeps those a repeated timeline reads.
 */
export class NodeCache {
  private young = new Map<number, string>();
  private old = new Map<number, string>();

  constructor(private readonly max = 1 << 18) {}

  get(key: number): string | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: number, hex: string): void {
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, hex);
  }
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

/** Fills in the nodes `wanted` lacks (by keyOf) from the store, once per level, through `cache`. */
async function fill(
  db: Kysely<Schema>,
  wanted: Map<number, string | undefined>,
  cache: NodeCache | undefined,
): Promise<void> {
  const missing = new Map<number, number[]>();
  for (const [key, value] of wanted) {
    if (value !== undefined) continue;
    const level = key % 64;
    const ids = missing.get(level) ?? [];
    missing.set(level, ids);
    ids.push((key - level) / 64);
  }
  const levels = [...missing].map(([level, ids]) => ({ level, ids: ids.sort((a, b) => a - b) }));
  const read = await Promise.all(levels.map(({ level, ids }) => readLevel(db, level, ids)));
  read.forEach((rows, i) => {
    const level = levels[i]!.level;
    for (const row of rows) {
      const key = keyOf(level, Number(row.idx));
      const value = Buffer.from(row.hash.buffer, row.hash.byteOffset, row.hash.byteLength).toString("hex");
      wanted.set(key, value);
      cache?.set(key, value);
    }
  });
}

/**
 * The stored hashes of leaves (level 0 nodes), hex by leaf index: what a timeline's entries carry as
 * `leafHash`, read (through `cache`) rather than hashed again. RECORD_DAMAGED when one is missing.
 */
export async function storedLeafHashes(
  db: Kysely<Schema>,
  indices: readonly number[],
  cache?: NodeCache,
): Promise<Map<number, string>> {
  const wanted = new Map<number, string | undefined>();
  for (const index of indices) wanted.set(keyOf(0, index), cache?.get(keyOf(0, index)));
  await fill(db, wanted, cache);
  const out = new Map<number, string>();
  for (const index of indices) {
    const hash = wanted.get(keyOf(0, index));
    if (hash === undefined) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks leaf ${index}`);
    out.set(index, hash);
  }
  return out;
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
  cache?: NodeCache,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (indices.length === 0) return out;
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new AuditError("INVALID_ARGUMENT", `leaf index ${index} is not in a tree of ${size}`);
    }
  }
  // Each proof's steps, root first, all proofs end to end: a stored node's key, or -1 - start for a
  // right-edge range (they all end at `size`), folded from its pieces once. Planned in one pass, so
  // the paths are walked once and the only per-proof allocation is the proof itself.
  const steps: number[] = [];
  const ends = new Uint32Array(indices.length);
  const nodes = new Map<number, string | undefined>();
  const need = (key: number) => {
    if (!nodes.has(key)) nodes.set(key, cache?.get(key));
  };
  const edges = new Map<number, { level: number; idx: number }[]>();
  indices.forEach((index, n) => {
    forEachSibling(index, size, (start, end) => {
      if (isNode(start, end)) {
        const key = keyOf(log2(end - start), start / (end - start));
        steps.push(key);
        need(key);
      } else {
        steps.push(-1 - start);
        if (!edges.has(start)) {
          const pieces = piecesOf(start, end);
          edges.set(start, pieces);
          for (const piece of pieces) need(keyOf(piece.level, piece.idx));
        }
      }
    });
    ends[n] = steps.length;
  });
  await fill(db, nodes, cache);
  const edgeHex = new Map<number, string>();
  for (const [start, pieces] of edges) {
    const hashes = pieces.map(({ level, idx }) => {
      const hash = nodes.get(keyOf(level, idx));
      if (!hash) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks node ${level}/${idx}`);
      return Uint8Array.from(Buffer.from(hash, "hex"));
    });
    let folded: Uint8Array = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) folded = merkleNodeHash(hashes[i]!, folded);
    edgeHex.set(-1 - start, Buffer.from(folded).toString("hex"));
  }
  let from = 0;
  indices.forEach((index, n) => {
    const to = ends[n]!;
    const proof = new Array<string>(to - from);
    for (let i = to - 1, j = 0; i >= from; i--, j++) {
      const step = steps[i]!;
      const value = step < 0 ? edgeHex.get(step) : nodes.get(step);
      if (value === undefined) {
        const what =
          step < 0 ? `the range from leaf ${-1 - step}` : `node ${step % 64}/${Math.floor(step / 64)}`;
        throw new AuditError("RECORD_DAMAGED", `the record's tree lacks ${what}`);
      }
      proof[j] = value;
    }
    out.set(index, proof);
    from = to;
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
