import { type Selectable, sql } from "kysely";
import type { Database, Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  type NoteSigner,
  signTreeCheckpoint,
} from "../merkle/index.js";
import {
  canonicalJson,
  checkEvent,
  decodeLeaf,
  encodeLeaf,
  leafHashOf,
  MAX_PAYLOAD_BYTES,
  type RecordEntry,
  type RecordEventInput,
  type RecordKind,
} from "./entry.js";
import { inclusionProofs, NodeCache } from "./proofs.js";
import {
  digestsRunBy,
  MAX_TIMELINE_PAGE,
  type TimelineCursor,
  type TimelineEntry,
  type TimelineScope,
  timelineEntries,
} from "./timeline.js";
import { frontierOf, nodesForAppend, readNodes, type StoredNode, StoredTree } from "./tree.js";
import type { RecordSource, StoredLeaf } from "./verify.js";

/** Any number that is ours alone: the PostgreSQL advisory lock that serialises appends across replicas. */
const APPEND_LOCK = 7_406_023;
/** Events written per transaction at most: big enough to amortise a commit, small enough to stay short. */
const MAX_BATCH = 2000;
/** Rows per INSERT statement (SQLite binds at most 32,766 values; an entry row binds 12). */
const INSERT_CHUNK = 500;
/** The largest page `entries` and `query` read. */
export const MAX_RECORD_PAGE = 1000;

/** An entry retention pruned: its text is gone, its leaf hash stays in the tree (proofs still work). */
export interface PrunedEntry {
  readonly index: number;
  readonly pruned: true;
  readonly leafHash: string;
}

/** Lookups over the indexed columns; every one given must match. Results are in leaf order. */
export interface RecordQuery {
  readonly kind?: RecordKind | readonly RecordKind[];
  readonly actor?: string;
  readonly digest?: string;
  readonly repository?: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly containerId?: string;
  /** Only events at or after this epoch millisecond. */
  readonly since?: number;
  /** Only events before this epoch millisecond. */
  readonly until?: number;
  /** Only entries after this leaf index (the next page of a walk). */
  readonly after?: number;
  /** At most this many (default and most: MAX_RECORD_PAGE). */
  readonly limit?: number;
}

export interface RecordOptions {
  /** Signs checkpoints; its name is the log's origin line. Without it `checkpoint()` is refused. */
  readonly signer?: NoteSigner;
  readonly now?: () => number;
}

/** An event checked and encoded, waiting for its batch. */
interface Prepared {
  readonly event: RecordEventInput & { at: number };
  readonly leaf: string;
  readonly hash: Uint8Array;
  readonly decisionId?: number;
}

interface Waiting {
  readonly events: readonly Prepared[];
  readonly resolve: (entries: RecordEntry[]) => void;
  readonly reject: (err: unknown) => void;
}

/** One page of a timeline: its entries, proved against `checkpoint` (a tree of `size` leaves). */
export interface RecordTimeline {
  readonly size: number;
  readonly checkpoint: string;
  /** The digests it covers: those asked for, and those the pod or container ran. */
  readonly digests: readonly string[];
  readonly entries: readonly (TimelineEntry & { readonly proof?: readonly string[] })[];
  /** Present when there may be more: pass it as `after` for the next page. */
  readonly next?: TimelineCursor;
}

type EntryRow = Selectable<Schema["record_entries"]>;

/** A tree's size and its frontier at that size. */
interface TreeTip {
  readonly size: number;
  readonly frontier: StoredNode[];
}

/**
 * The one record (issue 15): an append-only log of every event, stored as the leaves of an RFC 9162
 * Merkle tree with every completed perfect subtree's hash beside them, so proofs cost O(log n) reads by
 * primary key. Appends queue and are written a batch per transaction, leaves and nodes together: a
 * crash leaves the tree as it was before the batch, never half of it.
 */
export class EventRecord {
  private readonly queue: Waiting[] = [];
  /** Stored nodes never change: timelines read each once per process (bounded, proofs.ts). */
  private readonly nodes = new NodeCache();
  private draining = false;
  /** Called after each committed append (the forwarder wakes on it instead of waiting for its poll). */
  private readonly appended = new Set<() => void>();
  /** The tree as this process's last committed batch left it (see frontierAt). */
  private tip: TreeTip | undefined;
  private readonly now: () => number;

  constructor(
    private readonly database: Database,
    private readonly options: RecordOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The key checkpoints are signed with (absent: this record only appends and proves). */
  get signer(): NoteSigner | undefined {
    return this.options.signer;
  }

  /**
   * Appends events in order; resolves once they are committed, with their leaf numbers. Invalid input
   * is refused before anything is stored (AuditError INVALID_ARGUMENT), and the whole call with it.
   */
  append(events: readonly RecordEventInput[]): Promise<RecordEntry[]> {
    let prepared: Prepared[];
    try {
      prepared = events.map((event) => prepare(event, this.now()));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(prepared);
  }

  /**
   * Appends the mirror of decision rows (audit/log.ts), each at most once: a decision already in the
   * record is skipped, so the live mirror and the startup backfill may overlap.
   */
  appendMirrored(events: readonly (RecordEventInput & { decisionId: number })[]): Promise<RecordEntry[]> {
    let prepared: Prepared[];
    try {
      prepared = events.map(({ decisionId, ...event }) => ({ ...prepare(event, this.now()), decisionId }));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(prepared);
  }

  /**
   * Calls `listener` after each append this process commits; returns its removal. Appends by other
   * replicas are not seen: who needs them polls as well.
   */
  onAppend(listener: () => void): () => void {
    this.appended.add(listener);
    return () => this.appended.delete(listener);
  }

  /** Waits until every append queued so far is committed (or failed). */
  async settled(): Promise<void> {
    while (this.draining || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private enqueue(events: Prepared[]): Promise<RecordEntry[]> {
    if (events.length === 0) return Promise.resolve([]);
    const done = new Promise<RecordEntry[]>((resolve, reject) =>
      this.queue.push({ events, resolve, reject }),
    );
    if (!this.draining) {
      this.draining = true;
      // The next turn, so appends made in this one share the batch.
      setImmediate(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Whole calls up to MAX_BATCH events (one call larger than that goes alone), taken in one splice:
        // shifting one at a time is quadratic in a long queue.
        let take = 1;
        let count = this.queue[0]!.events.length;
        while (take < this.queue.length && count + this.queue[take]!.events.length <= MAX_BATCH) {
          count += this.queue[take]!.events.length;
          take++;
        }
        const batch = this.queue.splice(0, take);
        try {
          const written = await this.write(batch.flatMap((w) => w.events));
          let at = 0;
          for (const waiting of batch) {
            const mine = waiting.events
              .map(() => written[at++])
              .filter((e): e is RecordEntry => e !== undefined);
            waiting.resolve(mine);
          }
          for (const listener of this.appended) listener();
        } catch (err) {
          for (const waiting of batch) waiting.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** One transaction: the leaves, and every node they complete. Mirrored decisions already in are skipped. */
  private async write(all: readonly Prepared[]): Promise<(RecordEntry | undefined)[]> {
    const { db, dialect } = this.database;
    let after: TreeTip | undefined;
    this.tip = undefined;
    const written = await db.transaction().execute(async (trx) => {
      if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${APPEND_LOCK})`.execute(trx);
      const mirrored = all.flatMap((p) => (p.decisionId === undefined ? [] : [p.decisionId]));
      const present = new Set<number>();
      for (let i = 0; i < mirrored.length; i += INSERT_CHUNK) {
        const rows = await trx
          .selectFrom("record_entries")
          .select("decision_id")
          .where("decision_id", "in", mirrored.slice(i, i + INSERT_CHUNK))
          .execute();
        for (const row of rows) present.add(Number(row.decision_id));
      }
      // Once each: a decision already stored, or twice in this batch (the backfill met the live mirror).
      const fresh = all.filter((p) => {
        if (p.decisionId === undefined) return true;
        if (present.has(p.decisionId)) return false;
        present.add(p.decisionId);
        return true;
      });
      const kept = new Set(fresh);
      if (fresh.length === 0) return all.map(() => undefined);
      const hashes = fresh.map((p) => p.hash);
      let size: number;
      if (dialect === "postgres") {
        // The size this process left is a guess another replica may have overtaken: the insert checks it
        // in the same statement, and a wrong guess costs one more, with the size read under the lock.
        let guess = this.tip?.size ?? (await sizeOf(trx));
        for (let attempt = 1; ; attempt++) {
          const frontier = await this.frontierAt(trx, guess);
          const nodes = nodesForAppend(frontier, guess, hashes);
          const actual = await insertPostgres(trx, guess, fresh, nodes);
          if (actual === guess) {
            after = {
              size: guess + fresh.length,
              frontier: frontierAfter(frontier, nodes, guess + fresh.length),
            };
            break;
          }
          if (attempt === 2)
            throw new AuditError("RECORD_DAMAGED", "the record grew while its append lock was held");
          guess = actual;
        }
        size = guess;
      } else {
        size = await sizeOf(trx);
        const frontier = await this.frontierAt(trx, size);
        const nodes = nodesForAppend(frontier, size, hashes);
        await insertChunked(trx, size, fresh, nodes);
        after = { size: size + fresh.length, frontier: frontierAfter(frontier, nodes, size + fresh.length) };
      }
      let next = 0;
      return all.map((p) => {
        if (!kept.has(p)) return undefined;
        const index = size + next++;
        return { ...p.event, index, leafHash: Buffer.from(p.hash).toString("hex") };
      });
    });
    // Only once committed: a rolled-back batch must not leave its nodes as the next batch's frontier.
    this.tip = after;
    return written;
  }

  /**
   * The frontier (perfect subtrees, largest first) of the tree of `size` leaves: the one this process
   * left after its last commit when the size still matches (no replica appended since; stored nodes
   * never change), else read back, one probe per node.
   */
  private async frontierAt(trx: Database["db"], size: number): Promise<StoredNode[]> {
    if (this.tip?.size === size) return this.tip.frontier;
    const wanted = frontierOf(size);
    const hashes = await readNodes(trx, wanted);
    return wanted.map((node, i) => ({ ...node, hash: hashes[i]! }));
  }

  /** How many entries the record holds: the size of its tree. */
  size(): Promise<number> {
    return sizeOf(this.database.db);
  }

  /** The tree's root at `size` leaves (default: now), hex. */
  async root(size?: number): Promise<{ size: number; root: string }> {
    const tree = await this.tree(size);
    return { size: tree.size, root: Buffer.from(await merkleRoot(tree)).toString("hex") };
  }

  /** The entry at leaf `index`, or undefined. */
  async entry(index: number): Promise<RecordEntry | undefined> {
    requireIndex(index, "index");
    const row = await this.database.db
      .selectFrom("record_entries")
      .selectAll()
      .where("idx", "=", index)
      .executeTakeFirst();
    return row ? toEntry(row) : undefined;
  }

  /** Entries matching `query`, in leaf order. */
  async query(query: RecordQuery = {}): Promise<RecordEntry[]> {
    const limit = query.limit ?? MAX_RECORD_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RECORD_PAGE) {
      throw new AuditError("INVALID_ARGUMENT", `limit must be an integer from 1 to ${MAX_RECORD_PAGE}`);
    }
    let q = this.database.db.selectFrom("record_entries").selectAll();
    const kinds =
      query.kind === undefined ? undefined : typeof query.kind === "string" ? [query.kind] : [...query.kind];
    if (kinds && kinds.length > 0) q = q.where("kind", "in", kinds);
    for (const [column, value] of [
      ["actor", query.actor],
      ["digest", query.digest],
      ["repository", query.repository],
      ["namespace", query.namespace],
      ["pod", query.pod],
      ["container_id", query.containerId],
    ] as const) {
      if (value !== undefined) q = q.where(column, "=", value);
    }
    if (query.since !== undefined) q = q.where("at", ">=", query.since);
    if (query.until !== undefined) q = q.where("at", "<", query.until);
    if (query.after !== undefined) q = q.where("idx", ">", query.after);
    const rows = await q.orderBy("idx", "asc").limit(limit).execute();
    return rows.map(toEntry);
  }

  /** The proof that leaf `index` is in the tree of `size` leaves (default: now), hex hashes. */
  async inclusionProof(
    index: number,
    size?: number,
  ): Promise<{ index: number; size: number; hashes: string[] }> {
    requireIndex(index, "index");
    const tree = await this.tree(size);
    if (index >= tree.size) throw new AuditError("NOT_FOUND", `no entry ${index} in a tree of ${tree.size}`);
    const proof = await inclusionProof(tree, index, tree.size);
    return { index, size: tree.size, hashes: proof.map(hex) };
  }

  /** The proof that the tree of `from` leaves is a prefix of the tree of `to` (default: now). */
  async consistencyProof(from: number, to?: number): Promise<{ from: number; to: number; hashes: string[] }> {
    requireIndex(from, "from");
    const tree = await this.tree(to);
    if (from < 1 || from > tree.size) {
      throw new AuditError(
        "INVALID_ARGUMENT",
        `no consistency proof from a tree of ${from} to one of ${tree.size}`,
      );
    }
    const proof = await consistencyProof(tree, from, tree.size);
    return { from, to: tree.size, hashes: proof.map(hex) };
  }

  /**
   * A timeline (issue 15): the entries in `scope` by time, a page at a time, each with its inclusion
   * proof (unless `proofs` is false) against one signed checkpoint of the tree they were read from,
   * returned once. A pod's or a container's scope takes in every entry of the digests it ran.
   */
  async timeline(
    scope: TimelineScope,
    options: { readonly limit?: number; readonly after?: TimelineCursor; readonly proofs?: boolean } = {},
  ): Promise<RecordTimeline> {
    const size = await this.size();
    const ran = await digestsRunBy(this.database.db, scope, size);
    const wide = { ...scope, digests: [...(scope.digests ?? []), ...ran] };
    const limit = options.limit ?? MAX_TIMELINE_PAGE;
    const entries =
      size === 0 ? [] : await timelineEntries(this.database.db, wide, size, limit, options.after, this.nodes);
    if (options.proofs !== false) {
      const proofs = await inclusionProofs(
        this.database.db,
        entries.map((e) => e.index),
        size,
        this.nodes,
      );
      for (const e of entries) e.proof = proofs.get(e.index)!;
    }
    const last = entries[entries.length - 1];
    return {
      size,
      checkpoint: await this.checkpoint(size),
      digests: wide.digests.filter((d, i, all) => all.indexOf(d) === i),
      entries,
      ...(last && entries.length === limit ? { next: { at: last.at, index: last.index } } : {}),
    };
  }

  /**
   * The tree head as a C2SP checkpoint, signed (the log's origin is the signer's name): the current
   * one, or the head at `size` (an export ends with the head of exactly what it wrote).
   */
  async checkpoint(size?: number): Promise<string> {
    const signer = this.options.signer;
    if (!signer) throw new AuditError("INVALID_ARGUMENT", "this record has no signing key");
    const tree = await this.tree(size);
    const root = await merkleRoot(tree);
    return signTreeCheckpoint({ origin: signer.name, size: tree.size, root, extensions: [] }, [signer]);
  }

  /**
   * Leaves `from` to `from + limit` as stored (the exact hashed text), each checked against its row's
   * lookup columns and its stored leaf hash: what `verify` and the API's entries pages read.
   */
  async leaves(from: number, limit: number): Promise<StoredLeaf[]> {
    requireIndex(from, "from");
    const db = this.database.db;
    const [rows, nodes] = await Promise.all([
      db
        .selectFrom("record_entries")
        .selectAll()
        .where("idx", ">=", from)
        .where("idx", "<", from + limit)
        .orderBy("idx", "asc")
        .execute(),
      db
        .selectFrom("record_nodes")
        .select(["idx", "hash"])
        .where("level", "=", 0)
        .where("idx", ">=", from)
        .where("idx", "<", from + limit)
        .execute(),
    ]);
    const stored = new Map(nodes.map((n) => [Number(n.idx), n.hash]));
    const byIndex = new Map(rows.map((row) => [Number(row.idx), row]));
    // Below the pruning horizon a missing row is a pruned entry, served by its kept leaf hash; above
    // it, or without its hash, it is missing (and verify says so).
    const firstRow = rows.length > 0 ? Number(rows[0]!.idx) : from + limit;
    const horizon = from < firstRow ? await this.prunedBelow() : 0;
    const out: StoredLeaf[] = [];
    for (let index = from; index < from + limit; index++) {
      const row = byIndex.get(index);
      const hash = stored.get(index);
      if (row) {
        const problem = rowProblem(row, hash);
        out.push({ index, leaf: row.leaf, ...(problem ? { problem } : {}) });
      } else if (index < horizon && hash) {
        out.push({ index, leaf: "", pruned: new Uint8Array(hash) });
      }
    }
    return out;
  }

  /**
   * The pruning horizon: entries below this index were pruned (their text deleted, their leaf hashes
   * kept in the tree). Read from the newest `record.pruned` entry, itself a leaf of the tree, so the
   * horizon cannot be moved without appending to the record. 0: nothing pruned.
   */
  async prunedBelow(): Promise<number> {
    return (await this.pruning()).before;
  }

  /**
   * The newest pruning: its horizon, and the highest decision id among the entries it removed (the
   * startup backfill must not mirror those decisions again).
   */
  async pruning(): Promise<{ before: number; decisionsThrough: number }> {
    const row = await this.database.db
      .selectFrom("record_entries")
      .select("leaf")
      .where("kind", "=", "record.pruned")
      .orderBy("idx", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!row) return { before: 0, decisionsThrough: 0 };
    const payload = decodeLeaf(row.leaf).payload as { before?: unknown; decisionsThrough?: unknown } | null;
    const int = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
    return { before: int(payload?.before), decisionsThrough: int(payload?.decisionsThrough) };
  }

  /**
   * The entry at leaf `index`; for a pruned one only its kept leaf hash (`{ index, pruned: true,
   * leafHash }`); undefined when the record never held it.
   */
  async lookup(index: number): Promise<RecordEntry | PrunedEntry | undefined> {
    const entry = await this.entry(index);
    if (entry) return entry;
    if (index >= (await this.prunedBelow())) return undefined;
    const [hash] = await readNodes(this.database.db, [{ level: 0, idx: index }]);
    return { index, pruned: true, leafHash: hex(hash!) };
  }

  /** This record as `verifyRecord` reads it: the head from the stored tree, the leaves from their rows. */
  source(): RecordSource {
    return {
      head: async () => {
        const tree = await this.tree();
        return { size: tree.size, root: await merkleRoot(tree) };
      },
      leaves: (from, limit) => this.leaves(from, limit),
      consistency: async (from, to) => consistencyProof(await this.tree(to), from, to),
      checkNodes: (nodes) => this.checkNodes(nodes),
    };
  }

  /** Which of `nodes` (recomputed from the leaves) differs from the stored node, if one does. */
  private async checkNodes(nodes: readonly StoredNode[]): Promise<string | undefined> {
    const byLevel = new Map<number, StoredNode[]>();
    for (const node of nodes) byLevel.set(node.level, [...(byLevel.get(node.level) ?? []), node]);
    for (const [level, list] of byLevel) {
      const rows = await this.database.db
        .selectFrom("record_nodes")
        .select(["idx", "hash"])
        .where("level", "=", level)
        .where("idx", ">=", list[0]!.idx)
        .where("idx", "<=", list[list.length - 1]!.idx)
        .execute();
      const stored = new Map(rows.map((row) => [Number(row.idx), row.hash]));
      for (const node of list) {
        const hash = stored.get(node.idx);
        if (!hash || !Buffer.from(hash).equals(Buffer.from(node.hash))) {
          return `the stored tree node ${level}/${node.idx} does not match the entries below it: an entry or a stored node was changed`;
        }
      }
    }
    return undefined;
  }

  /** The tree at `size` (default: the current size), refusing a size the record has not reached. */
  private async tree(size?: number): Promise<StoredTree> {
    const current = await this.size();
    if (size === undefined) return new StoredTree(this.database.db, current);
    requireIndex(size, "size");
    if (size > current) throw new AuditError("NOT_FOUND", `the record holds ${current} entries, not ${size}`);
    return new StoredTree(this.database.db, size);
  }
}

function prepare(input: RecordEventInput, now: number): Prepared {
  const event = checkEvent(input, now);
  let payloadBytes: number;
  try {
    payloadBytes = Buffer.byteLength(canonicalJson(event.payload));
  } catch (err) {
    throw new AuditError("INVALID_ARGUMENT", `payload: ${(err as Error).message}`);
  }
  if (payloadBytes > MAX_PAYLOAD_BYTES) {
    throw new AuditError(
      "INVALID_ARGUMENT",
      `payload is ${payloadBytes} bytes of JSON, more than ${MAX_PAYLOAD_BYTES}`,
    );
  }
  const leaf = encodeLeaf(event);
  return { event, leaf, hash: leafHashOf(leaf) };
}

function entryRows(size: number, fresh: readonly Prepared[]) {
  return fresh.map((p, i) => ({
    idx: size + i,
    at: p.event.at,
    kind: p.event.kind,
    actor: p.event.actor ?? null,
    digest: p.event.digest ?? null,
    repository: p.event.repository ?? null,
    namespace: p.event.namespace ?? null,
    pod: p.event.pod ?? null,
    container_id: p.event.containerId ?? null,
    summary: p.event.summary,
    leaf: p.leaf,
    decision_id: p.decisionId ?? null,
  }));
}

/** SQLite: multi-row INSERTs within its bound on variables (in-process, so statements cost no round trip). */
async function insertChunked(
  trx: Database["db"],
  size: number,
  fresh: readonly Prepared[],
  nodes: readonly StoredNode[],
): Promise<void> {
  const rows = entryRows(size, fresh);
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto("record_entries")
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  const nodeRows = nodes.map((n) => ({ level: n.level, idx: n.idx, hash: Buffer.from(n.hash) }));
  for (let i = 0; i < nodeRows.length; i += INSERT_CHUNK * 4) {
    await trx
      .insertInto("record_nodes")
      .values(nodeRows.slice(i, i + INSERT_CHUNK * 4))
      .execute();
  }
}

/**
 * PostgreSQL: the leaves and their nodes in one statement, when the tree still holds `size` leaves;
 * returns the size it holds (no row written unless that is `size`). Each column is bound as one array
 * and spread by unnest: a VALUES list binds 12 parameters a row, which the client builds and the
 * server parses and plans value by value; arrays are 15 parameters for the whole batch, one round trip.
 */
async function insertPostgres(
  trx: Database["db"],
  size: number,
  fresh: readonly Prepared[],
  nodes: readonly StoredNode[],
): Promise<number> {
  const column = <T>(pick: (p: Prepared) => T) => fresh.map(pick);
  const result = await sql<{ size: string | number }>`
    with head as (select coalesce(max(idx) + 1, 0) as size from record_entries),
    entries as (
      insert into record_entries
        (idx, at, kind, actor, digest, repository, namespace, pod, container_id, summary, leaf, decision_id)
      select * from unnest(
        ${fresh.map((_, i) => size + i)}::bigint[], ${column((p) => p.event.at)}::bigint[],
        ${column((p) => p.event.kind)}::text[], ${column((p) => p.event.actor ?? null)}::text[],
        ${column((p) => p.event.digest ?? null)}::text[], ${column((p) => p.event.repository ?? null)}::text[],
        ${column((p) => p.event.namespace ?? null)}::text[], ${column((p) => p.event.pod ?? null)}::text[],
        ${column((p) => p.event.containerId ?? null)}::text[], ${column((p) => p.event.summary)}::text[],
        ${column((p) => p.leaf)}::text[], ${column((p) => p.decisionId ?? null)}::bigint[])
      where (select size from head) = ${size}::bigint
    ),
    tree as (
      insert into record_nodes (level, idx, hash)
      select * from unnest(${nodes.map((n) => n.level)}::integer[], ${nodes.map((n) => n.idx)}::bigint[],
        ${nodes.map((n) => Buffer.from(n.hash))}::bytea[])
      where (select size from head) = ${size}::bigint
    )
    select size from head`.execute(trx);
  return Number(result.rows[0]!.size);
}

/** The frontier of the tree of `size` leaves, from the frontier before an append and the nodes it made. */
function frontierAfter(
  before: readonly StoredNode[],
  created: readonly StoredNode[],
  size: number,
): StoredNode[] {
  const byKey = new Map([...before, ...created].map((n) => [`${n.level}/${n.idx}`, n]));
  return frontierOf(size).map(({ level, idx }) => {
    const node = byKey.get(`${level}/${idx}`);
    if (!node) throw new AuditError("RECORD_DAMAGED", `the append lost frontier node ${level}/${idx}`);
    return node;
  });
}

async function sizeOf(db: Database["db"]): Promise<number> {
  const row = await db
    .selectFrom("record_entries")
    .select((eb) => eb.fn.max("idx").as("last"))
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

export function toEntry(row: EntryRow): RecordEntry {
  const event = decodeLeaf(row.leaf);
  return { ...event, index: Number(row.idx), leafHash: hex(leafHashOf(row.leaf)) };
}

/** Why a stored row does not match its leaf (a lookup column or the stored leaf hash), if it does not. */
function rowProblem(row: EntryRow, storedHash: Uint8Array | undefined): string | undefined {
  let event: ReturnType<typeof decodeLeaf>;
  try {
    event = decodeLeaf(row.leaf);
  } catch (err) {
    return `its leaf is unreadable (${(err as Error).message})`;
  }
  const columns: [string, unknown, unknown][] = [
    ["at", Number(row.at), event.at],
    ["kind", row.kind, event.kind],
    ["actor", row.actor, event.actor ?? null],
    ["digest", row.digest, event.digest ?? null],
    ["repository", row.repository, event.repository ?? null],
    ["namespace", row.namespace, event.namespace ?? null],
    ["pod", row.pod, event.pod ?? null],
    ["container_id", row.container_id, event.containerId ?? null],
    ["summary", row.summary, event.summary],
  ];
  for (const [name, column, leaf] of columns) {
    if (column !== leaf) return `its ${name} column does not match the hashed entry`;
  }
  if (!storedHash) return "its leaf hash is missing from the tree";
  if (!Buffer.from(storedHash).equals(Buffer.from(leafHashOf(row.leaf)))) {
    return "its text does not hash to the leaf hash the tree holds";
  }
  return undefined;
}

function requireIndex(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuditError("INVALID_ARGUMENT", `${what} must be a non-negative integer, not ${value}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
