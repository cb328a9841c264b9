import { type Kysely, sql } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import { merkleNodeHash, type PerfectSubtree, type TreeReader } from "../merkle/index.js";

/** A stored node: the perfect subtree of 2^level leaves from idx·2^level. */
export interface StoredNode {
  readonly level: number;
  readonly idx: number;
  readonly hash: Uint8Array;
}

/** The perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first, as nodes. */
export function frontierOf(size: number): { level: number; idx: number }[] {
  const out: { level: number; idx: number }[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      out.push({ level, idx: start / width });
      start += width;
    }
  }
  return out;
}

/**
 * Appending leaves to a tree whose frontier (its perfect subtrees, largest first) is known: every node
 * that the new leaves complete, leaves included (level 0), like the carries of a binary counter.
 */
export function nodesForAppend(
  frontier: readonly StoredNode[],
  start: number,
  leafHashes: readonly Uint8Array[],
): StoredNode[] {
  const stack = [...frontier];
  const created: StoredNode[] = [];
  for (const [i, hash] of leafHashes.entries()) {
    let node: StoredNode = { level: 0, idx: start + i, hash };
    created.push(node);
    while (stack.length > 0 && stack[stack.length - 1]!.level === node.level) {
      const left = stack.pop()!;
      node = { level: node.level + 1, idx: left.idx / 2, hash: merkleNodeHash(left.hash, node.hash) };
      created.push(node);
    }
    stack.push(node);
  }
  return created;
}

/** Reads stored nodes by (level, idx), in the order asked; a missing one is an error (a damaged log). */
export async function readNodes(
  db: Kysely<Schema>,
  wanted: readonly { level: number; idx: number }[],
): Promise<Uint8Array[]> {
  if (wanted.length === 0) return [];
  const rows = await db
    .selectFrom("record_nodes")
    .select(["level", "idx", "hash"])
    // Row values: one probe of the primary key per node on both databases (an OR of ANDs costs
    // PostgreSQL a bitmap per term).
    .where(
      sql<boolean>`(level, idx) in (${sql.join(wanted.map(({ level, idx }) => sql`(${level}, ${idx})`))})`,
    )
    .execute();
  const byKey = new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
  return wanted.map(({ level, idx }) => {
    const hash = byKey.get(`${level}/${idx}`);
    if (!hash) throw new AuditError("RECORD_DAMAGED", `the record's tree lacks node ${level}/${idx}`);
    return new Uint8Array(hash);
  });
}

/** The stored tree as the merkle core reads it, at a fixed size (a snapshot: stored nodes never change). */
export class StoredTree implements TreeReader {
  constructor(
    private readonly db: Kysely<Schema>,
    readonly size: number,
  ) {}

  subtreeHashes(subtrees: readonly PerfectSubtree[]): Promise<readonly Uint8Array[]> {
    return readNodes(
      this.db,
      subtrees.map(({ start, size }) => {
        const level = Math.log2(size);
        if (!Number.isInteger(level) || start % size !== 0 || start + size > this.size) {
          throw new AuditError(
            "INVALID_ARGUMENT",
            `no perfect subtree of ${size} leaves at ${start} in a tree of ${this.size}`,
          );
        }
        return { level, idx: start / size };
      }),
    );
  }
}
