import type { Database } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import type { RecordEntry } from "./entry.js";
import type { EventRecord } from "./record.js";

/** Rows deleted per statement: short transactions, so appends are not held up behind a large prune. */
const DELETE_CHUNK = 5000;

/** What to prune: entries older than a time, or all but the newest N (both given: whichever prunes less). */
export interface PruneOptions {
  /** Epoch ms: the longest prefix of entries all older than this. */
  readonly before?: number;
  /** Keep at least this many of the newest entries. */
  readonly keep?: number;
  /** Who asked (recorded as the prune entry's actor). */
  readonly actor?: string;
}

export interface PruneResult {
  /** The horizon now: entries below this index are pruned. */
  readonly before: number;
  /** How many entries this call pruned (0: nothing older than the horizon already was). */
  readonly pruned: number;
  /** The `record.pruned` entry recorded, when anything was pruned. */
  readonly entry?: RecordEntry;
}

/**
 * Retention for the one record (issue 15): deletes the text of old entries (their rows) while the tree
 * keeps every node, leaf hashes included, so the root, checkpoints, inclusion proofs of kept entries and
 * consistency proofs are unchanged, and `verify` folds the pruned range from the kept leaf hashes.
 * Only a prefix is pruned (the horizon only grows). The prune is itself recorded first, as a
 * `record.pruned` entry naming the horizon and the root it was taken at: a crash after it leaves rows
 * that are merely not yet deleted (the next prune deletes them), never a horizon the record does not show.
 */
export async function pruneRecord(
  database: Database,
  record: EventRecord,
  options: PruneOptions,
): Promise<PruneResult> {
  const { before, keep } = options;
  if (before === undefined && keep === undefined) {
    throw new AuditError("INVALID_ARGUMENT", "say what to prune: before a time, or keep the newest N");
  }
  if (keep !== undefined && (!Number.isSafeInteger(keep) || keep < 0)) {
    throw new AuditError("INVALID_ARGUMENT", `keep must be a non-negative integer, not ${keep}`);
  }
  if (before !== undefined && !Number.isSafeInteger(before)) {
    throw new AuditError("INVALID_ARGUMENT", `before must be epoch milliseconds, not ${before}`);
  }
  await record.settled();
  const db = database.db;
  const current = await record.pruning();
  const { size, root } = await record.root();
  let horizon = size;
  if (keep !== undefined) horizon = Math.min(horizon, Math.max(0, size - keep));
  if (before !== undefined) {
    const first = await db
      .selectFrom("record_entries")
      .select((eb) => eb.fn.min("idx").as("idx"))
      .where("at", ">=", before)
      .where("idx", "<", size)
      .executeTakeFirst();
    if (first?.idx !== null && first?.idx !== undefined) horizon = Math.min(horizon, Number(first.idx));
  }
  if (horizon <= current.before) {
    await deleteBelow(database, current.before);
    return { before: current.before, pruned: 0 };
  }
  const through = await db
    .selectFrom("record_entries")
    .select((eb) => eb.fn.max("decision_id").as("id"))
    .where("idx", "<", horizon)
    .executeTakeFirst();
  const decisionsThrough = Math.max(
    current.decisionsThrough,
    through?.id === null || through?.id === undefined ? 0 : Number(through.id),
  );
  const [entry] = await record.append([
    {
      kind: "record.pruned",
      ...(options.actor ? { actor: options.actor } : {}),
      summary: `retention pruned the entries before ${horizon}`,
      payload: { before: horizon, previous: current.before, size, root, decisionsThrough },
    },
  ]);
  await deleteBelow(database, horizon);
  return { before: horizon, pruned: horizon - current.before, ...(entry ? { entry } : {}) };
}

/** Deletes the rows below `horizon`, a chunk per statement (left over by a crash, too). */
async function deleteBelow(database: Database, horizon: number): Promise<void> {
  const db = database.db;
  const first = await db
    .selectFrom("record_entries")
    .select((eb) => eb.fn.min("idx").as("idx"))
    .executeTakeFirst();
  if (first?.idx === null || first?.idx === undefined) return;
  for (let start = Number(first.idx); start < horizon; start += DELETE_CHUNK) {
    await db
      .deleteFrom("record_entries")
      .where("idx", ">=", start)
      .where("idx", "<", Math.min(horizon, start + DELETE_CHUNK))
      .execute();
  }
}
