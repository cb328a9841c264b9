import { type Kysely, sql } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import {
  inclusionProof,
  merkleLeafHash,
  type PerfectSubtree,
  rootFromInclusionProof,
  type TreeReader,
} from "../merkle/index.js";

/** Node ids per IN list: well under SQLite's bound-variable limit, one round trip per chunk. */
const CHUNK = 900;
/** A level whose wanted nodes fill at least this share of their span is read as one range scan. */
const DENSE = 0.25;

const ZERO = new Uint8Array(32);

/** Notes every subtree a proof asks for, answering zeros: the first pass that learns what to read. */
class PlanningReader implements TreeReader {
  readonly wanted = new Map<number, Set<number>>();
  constructor(readonly size: number) {}
  subtreeHashes(subtrees: readonly PerfectSubtree[]): Promise<readonly Uint8Array[]> {
    for (const { start, size } of subtrees) {
      const level = Math.log2(size);
      const set = this.wanted.get(level) ?? new Set<number>();
      this.wanted.set(level, set);
      set.add(start / size);
    }
    return Promise.resolve(subtrees.map(() => ZERO));
  }
}

/** Answers from nodes read beforehand; a node the plan missed is a damaged log, never a guess. */
class PrefetchedReader implements TreeReader {
  constructor(
    readonly size: number,
    private readonly nodes: Map<string, Uint8Array>,
  ) {}
  subtreeHashes(subtrees: readonly PerfectSubtree[]): Promise<readonly Uint8Array[]> {
    return Promise.resolve(
      subtrees.map(({ start, size }) => {
        const key = `${Math.log2(size)}/${start / size}`;
        const hash = this.nodes.get(key);
        if (!hash) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks node ${key}`);
        return hash;
      }),
    );
  }
}

/**
 * Inclusion proofs of many leaves in the tree of `size` leaves, hex hashes by leaf index. One proof
 * reads about log2(size) nodes, but the proofs of a timeline's entries share most of theirs (the upper
 * levels always, the lower ones wherever entries sit close): the needed nodes are planned first, read
 * once per level (a range scan where they are dense, IN lists where sparse), and every proof is then
 * built from memory. 10,000 proofs cost a few dozen queries instead of 10,000.
 */
export async function inclusionProofs(
  db: Kysely<Schema>,
  indices: readonly number[],
  size: number,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (indices.length === 0) return out;
  const plan = new PlanningReader(size);
  for (const index of indices) await inclusionProof(plan, index, size);
  const nodes = new Map<string, Uint8Array>();
  for (const [level, set] of plan.wanted) {
    const ids = [...set].sort((a, b) => a - b);
    const first = ids[0]!;
    const last = ids[ids.length - 1]!;
    const rows: { idx: number | string | bigint; hash: Uint8Array }[] = [];
    if (ids.length / (last - first + 1) >= DENSE) {
      rows.push(
        ...(await db
          .selectFrom("record_nodes")
          .select(["idx", "hash"])
          .where("level", "=", level)
          .where("idx", ">=", first)
          .where("idx", "<=", last)
          .execute()),
      );
    } else {
      for (let i = 0; i < ids.length; i += CHUNK) {
        rows.push(
          ...(await db
            .selectFrom("record_nodes")
            .select(["idx", "hash"])
            .where("level", "=", level)
            .where(sql<boolean>`idx in (${sql.join(ids.slice(i, i + CHUNK))})`)
            .execute()),
        );
      }
    }
    for (const row of rows) nodes.set(`${level}/${Number(row.idx)}`, new Uint8Array(row.hash));
  }
  const reader = new PrefetchedReader(size, nodes);
  for (const index of indices) {
    const proof = await inclusionProof(reader, index, size);
    out.set(
      index,
      proof.map((h) => Buffer.from(h).toString("hex")),
    );
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
