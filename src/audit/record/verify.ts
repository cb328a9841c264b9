import { AuditError } from "../errors.js";
import { merkleNodeHash, type TreeCheckpoint, verifyConsistency } from "../merkle/index.js";
import { leafHashOf } from "./entry.js";

/**
 * One stored leaf as a verifier reads it: its number and the exact text that was hashed, or, for an
 * entry retention pruned, only the leaf hash the tree kept (`leaf` is then empty).
 */
export interface StoredLeaf {
  readonly index: number;
  readonly leaf: string;
  /** The kept leaf hash of a pruned entry: its text is gone, so it is folded in as stored. */
  readonly pruned?: Uint8Array;
  /** Set when the stored row's lookup columns disagree with its leaf (a local check). */
  readonly problem?: string;
}

/**
 * What `verifyRecord` reads, from the database or from a server's API: the current tree head, the
 * leaves in order, and a consistency proof.
 */
export interface RecordSource {
  head(): Promise<{ readonly size: number; readonly root: Uint8Array }>;
  leaves(from: number, limit: number): Promise<readonly StoredLeaf[]>;
  consistency(from: number, to: number): Promise<readonly Uint8Array[]>;
  /**
   * Compares interior nodes recomputed from the leaves with the stored ones (a local source: proofs
   * are served from them, so an edited node must fail even where the root does not read it).
   */
  checkNodes?(
    nodes: readonly { level: number; idx: number; hash: Uint8Array }[],
  ): Promise<string | undefined>;
}

export type RecordVerification =
  | {
      readonly ok: true;
      readonly size: number;
      readonly checkpointSize?: number;
      /** How many entries were pruned (checked by their kept leaf hashes only). */
      readonly pruned?: number;
    }
  | { readonly ok: false; readonly problem: string };

const PAGE = 1000;

/**
 * Proves the record intact: every leaf, rehashed from its stored text, folds into the current head's
 * root (an edited entry or an edited node breaks this), and, given a checkpoint kept elsewhere, the
 * current tree is an append-only extension of it (a consistency proof; a truncated or rewritten log
 * fails). The head itself must be trusted by the caller: its signature checked, or read locally.
 */
export async function verifyRecord(
  source: RecordSource,
  saved?: TreeCheckpoint,
  onProgress?: (checked: number) => void,
): Promise<RecordVerification> {
  const head = await source.head();
  if (saved) {
    const problem = await extensionProblem(source, head, saved);
    if (problem) return { ok: false, problem };
  }
  // The root of every leaf, folded as they arrive: a stack of perfect subtrees, like a binary counter.
  const stack: { level: number; idx: number; hash: Uint8Array }[] = [];
  let next = 0;
  let pruned = 0;
  while (next < head.size) {
    const page = await source.leaves(next, Math.min(PAGE, head.size - next));
    if (page.length === 0) return { ok: false, problem: `entry ${next} is missing` };
    const created: { level: number; idx: number; hash: Uint8Array }[] = [];
    for (const stored of page) {
      if (stored.index !== next) return { ok: false, problem: `entry ${next} is missing` };
      if (stored.problem) return { ok: false, problem: `entry ${next}: ${stored.problem}` };
      if (stored.pruned) pruned++;
      // A pruned leaf cannot be rehashed: its kept hash is taken as stored. An edited one still fails,
      // against the stored interior nodes (checkNodes) or, rewritten with them, against the root of
      // a checkpoint saved before (the consistency proof above).
      let node = { level: 0, idx: next, hash: stored.pruned ?? leafHashOf(stored.leaf) };
      while (stack.length > 0 && stack[stack.length - 1]!.level === node.level) {
        const left = stack.pop()!;
        node = { level: node.level + 1, idx: left.idx / 2, hash: merkleNodeHash(left.hash, node.hash) };
        created.push(node);
      }
      stack.push(node);
      next++;
      if (next === head.size) break;
    }
    const nodeProblem = await source.checkNodes?.(created);
    if (nodeProblem) return { ok: false, problem: nodeProblem };
    onProgress?.(next);
  }
  let root: Uint8Array | undefined;
  for (let i = stack.length - 1; i >= 0; i--) {
    root = root === undefined ? stack[i]!.hash : merkleNodeHash(stack[i]!.hash, root);
  }
  if (head.size > 0 && !Buffer.from(root!).equals(Buffer.from(head.root))) {
    return {
      ok: false,
      problem: `the ${head.size} stored entries do not hash into the tree's root: an entry or a stored node was changed`,
    };
  }
  return {
    ok: true,
    size: head.size,
    ...(saved ? { checkpointSize: saved.size } : {}),
    ...(pruned > 0 ? { pruned } : {}),
  };
}

/**
 * Why `head` is not an append-only extension of `saved`, if it is not: the consistency proof alone,
 * without reading any entry (`audit verify --server --no-rehash`).
 */
export async function extensionProblem(
  source: RecordSource,
  head: { readonly size: number; readonly root: Uint8Array },
  saved: TreeCheckpoint,
): Promise<string | undefined> {
  if (saved.size > head.size) {
    return `the record holds ${head.size} entries, fewer than the ${saved.size} of the saved checkpoint: entries were removed`;
  }
  if (saved.size === 0) return undefined;
  try {
    const proof = saved.size === head.size ? [] : await source.consistency(saved.size, head.size);
    verifyConsistency(saved.size, head.size, saved.root, head.root, proof);
  } catch (err) {
    return `the record is not an append-only extension of the saved checkpoint of ${saved.size} entries: ${(err as Error).message}`;
  }
  return undefined;
}

export function hexToHash(hex: string, what: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new AuditError("INVALID_ARGUMENT", `${what} is not a SHA-256 hash in hex`);
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
