import { type Selectable, sql } from "kysely";
import type { Database, Schema } from "../storage/index.js";
import { type AuditCheckpoint, CheckpointCursor } from "./checkpoint.js";
import {
  AUDIT_GATES,
  type AuditEntry,
  type AuditGate,
  type AuditRecord,
  type AuditRule,
  entryHash,
  GENESIS_HASH,
} from "./entry.js";
import { AuditError } from "./errors.js";
import { backfillDecisions, mirrorOf } from "./record/mirror.js";
import type { EventRecord } from "./record/record.js";

export interface AuditFilter {
  /** A substring of the image reference (case-insensitive). */
  readonly image?: string;
  /** Only decisions made at or after this epoch millisecond. */
  readonly since?: number;
  /** Only decisions made before this epoch millisecond. */
  readonly until?: number;
  /** One gate, or any of several. */
  readonly gate?: AuditGate | readonly AuditGate[];
  /** One effect, or any of several. */
  readonly effect?: AuditEffect | readonly AuditEffect[];
  /** Who asked, exactly (a user, `robot$team+ci`, a Kubernetes user). */
  readonly actor?: string;
  /** The admission request's namespace, exactly. */
  readonly namespace?: string;
  readonly digest?: string;
  /** Only the decisions a break-glass annotation let through. */
  readonly breakGlass?: boolean;
  /**
   * A substring (case-insensitive) of the image, actor, namespace, workload or reason: a scan of the
   * rows the other filters leave, so pair it with one of them on a large log.
   */
  readonly text?: string;
  /** The newest `limit` matches (default 1000), returned oldest first. */
  readonly limit?: number;
  /**
   * Only entries whose `image` is one of `exact` or starts with one of `prefixes` (case-sensitive): the
   * part of the log a caller who may not read all of it sees (a project's images and events). Empty
   * lists match nothing.
   */
  readonly within?: { readonly exact: readonly string[]; readonly prefixes: readonly string[] };
}

/** One page of decisions, newest first, and how many match in all. */
export interface AuditPage {
  readonly total: number;
  readonly items: readonly AuditEntry[];
}

export type AuditEffect = AuditRecord["effect"];

/**
 * The outcome of `verifyChain`: `count` rows were checked (on failure: before the row `id` that broke it);
 * `checkpoints`, when some were given, is how many the log matched.
 */
export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly checkpoints?: number }
  | { readonly ok: false; readonly count: number; readonly id: number; readonly problem: string };

/** A row a walk found sound: its id, hash and position (how many rows up to and including it). */
export interface VerifiedRow {
  readonly id: number;
  readonly hash: string;
  readonly count: number;
}

export interface VerifyOptions {
  /**
   * Go on from a row an earlier walk found sound instead of from the first row: that row must still be
   * there with its hash and position, and only the rows after it are hashed. Rows before it are not
   * re-read, so an edit to them shows only in a full walk: callers still walk in full now and then.
   */
  readonly from?: VerifiedRow;
  /**
   * Heads taken earlier and kept outside the database (`checkpoint()`): each row they name must still
   * exist with the same hash and position, which catches deleted newest rows and a rewritten chain.
   */
  readonly checkpoints?: readonly AuditCheckpoint[];
  /** Told how many rows were checked so far after each page of the walk (a long walk's progress). */
  readonly onProgress?: (checked: number) => void;
  /** Told the last row of a walk that found the chain sound (not called for an empty log). */
  readonly onSound?: (last: VerifiedRow) => void;
}

/** Any number that is ours alone: the PostgreSQL advisory lock that serialises appends across replicas. */
const APPEND_LOCK = 7_406_022;
const DEFAULT_LIMIT = 1000;
const VERIFY_PAGE = 500;
/** The largest page `page()` reads. */
export const MAX_PER_PAGE = 200;

/** A filter's one value or several as a list for `in`; undefined when not filtering. */
function oneOrMany<T extends string>(value: T | readonly T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : [...value];
  return list.length === 0 ? undefined : list;
}

/** A stored row, as the metadata schema declares it (`id` read back as a number). */
type Row = Selectable<Schema["decisions"]>;

/**
 * The append-only log of gate decisions in the metadata database. Each row carries the previous row's
 * hash and its own (sha256 over its canonical content and that previous hash), so editing, reordering or
 * deleting a row breaks the chain that `verifyChain` walks. The log offers no update and no delete.
 * Removing the newest rows, or rewriting every row with recomputed hashes, leaves a valid chain: keep
 * `checkpoint()`s outside the database and hand them to `verifyChain` to detect that.
 */
export class AuditLog {
  /** Appends of this process, one after another (the database lock orders them across processes). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly now: () => number = Date.now,
    /** The one record, which every decision is mirrored into (`gate.decision` or `access`). */
    private readonly record?: EventRecord,
  ) {}

  /**
   * Mirrors every decision row the record lacks into it, oldest first (the chain's migration into the
   * tree; idempotent). Returns how many were added.
   */
  backfillRecord(): Promise<number> {
    if (!this.record) return Promise.resolve(0);
    return backfillDecisions(this.database, this.record, (row) => toEntry(row as Row));
  }

  /** Stores one decision at the end of the chain. */
  append(record: AuditRecord): Promise<AuditEntry> {
    if (!AUDIT_GATES.includes(record.gate)) {
      return Promise.reject(
        new AuditError("INVALID_ARGUMENT", `unknown gate ${JSON.stringify(record.gate)}`),
      );
    }
    const run = this.tail.then(
      () => this.insert(record),
      () => this.insert(record),
    );
    this.tail = run.catch(() => {});
    // After the row commits, outside the chain's queue: the record batches mirrors of many decisions.
    // A mirror lost to a crash in between is added by the next startup's backfillRecord.
    const mirror = this.record;
    if (!mirror) return run;
    return run.then(async (entry) => {
      await mirror.appendMirrored([mirrorOf(entry)]);
      return entry;
    });
  }

  private async insert(record: AuditRecord): Promise<AuditEntry> {
    const { db, dialect } = this.database;
    return db.transaction().execute(async (trx) => {
      if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${APPEND_LOCK})`.execute(trx);
      const last = await trx
        .selectFrom("decisions")
        .select("hash")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const prevHash = last?.hash ?? GENESIS_HASH;
      const at = this.now();
      const hash = entryHash(at, record, prevHash);
      const inserted = await trx
        .insertInto("decisions")
        .values({
          at,
          gate: record.gate,
          actor: record.actor ?? null,
          namespace: record.namespace ?? null,
          workload: record.workload ?? null,
          image: record.image,
          digest: record.digest ?? null,
          effect: record.effect,
          mode: record.mode,
          break_glass: record.breakGlass ? JSON.stringify(record.breakGlass) : null,
          reason: record.reason,
          rules: JSON.stringify(record.rules.map(({ rule, passed, reason }) => ({ rule, passed, reason }))),
          policy_digest: record.policyDigest ?? null,
          caller: record.caller ?? null,
          prev_hash: prevHash,
          hash,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { ...record, id: Number(inserted.id), at, prevHash, hash };
    });
  }

  /** Decisions matching `filter`, oldest first. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new AuditError("INVALID_ARGUMENT", `limit must be a positive integer, not ${limit}`);
    }
    const rows = await this.filtered(filter).selectAll().orderBy("id", "desc").limit(limit).execute();
    return rows.reverse().map((row) => toEntry(row as Row));
  }

  /**
   * Page `page` (1-based) of `perPage` decisions matching `filter`, newest first, with the number of
   * matches. Every equality filter has an index that ends in `id` (migration 0007), so a page is read
   * from the index in id order without sorting the matches; deep pages cost their offset.
   */
  async page(filter: AuditFilter, page: number, perPage: number): Promise<AuditPage> {
    for (const [name, value, max] of [
      ["page", page, 1_000_000],
      ["perPage", perPage, MAX_PER_PAGE],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1 || value > max) {
        throw new AuditError("INVALID_ARGUMENT", `${name} must be an integer from 1 to ${max}, not ${value}`);
      }
    }
    const [rows, count] = await Promise.all([
      this.filtered(filter)
        .selectAll()
        .orderBy("id", "desc")
        .limit(perPage)
        .offset((page - 1) * perPage)
        .execute(),
      this.filtered(filter)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst(),
    ]);
    return { total: Number(count?.n ?? 0), items: rows.map((row) => toEntry(row as Row)) };
  }

  /** The decisions table narrowed by every filter given (a query to select from). */
  private filtered(filter: AuditFilter) {
    let query = this.database.db.selectFrom("decisions");
    const like = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (filter.image !== undefined && filter.image !== "") {
      query = query.where(sql<boolean>`lower(image) like ${like(filter.image)} escape '\\'`);
    }
    if (filter.text !== undefined && filter.text !== "") {
      const pattern = like(filter.text);
      query = query.where((eb) =>
        eb.or(
          ["image", "actor", "namespace", "workload", "reason"].map(
            (column) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`,
          ),
        ),
      );
    }
    if (filter.since !== undefined) query = query.where("at", ">=", filter.since);
    if (filter.until !== undefined) query = query.where("at", "<", filter.until);
    const gates = oneOrMany(filter.gate);
    if (gates) query = query.where("gate", "in", gates);
    const effects = oneOrMany(filter.effect);
    if (effects) query = query.where("effect", "in", effects);
    if (filter.actor !== undefined) query = query.where("actor", "=", filter.actor);
    if (filter.namespace !== undefined) query = query.where("namespace", "=", filter.namespace);
    if (filter.digest !== undefined) query = query.where("digest", "=", filter.digest);
    if (filter.breakGlass === true) query = query.where("break_glass", "is not", null);
    if (filter.breakGlass === false) query = query.where("break_glass", "is", null);
    const within = filter.within;
    if (within !== undefined) {
      // substr, not LIKE: SQLite's LIKE ignores case, and names must match exactly on both databases.
      query = query.where((eb) =>
        eb.or([
          ...(within.exact.length > 0 ? [eb("image", "in", [...within.exact])] : []),
          ...within.prefixes.map(
            (prefix) => sql<boolean>`substr(image, 1, ${sql.lit(prefix.length)}) = ${prefix}`,
          ),
          ...(within.exact.length + within.prefixes.length === 0 ? [sql<boolean>`1 = 0`] : []),
        ]),
      );
    }
    return query;
  }

  /** The newest decision of each digest (identity events left out), in one query. */
  async latestByDigest(digests: readonly string[]): Promise<Map<string, AuditEntry>> {
    const out = new Map<string, AuditEntry>();
    const unique = [...new Set(digests)];
    for (let i = 0; i < unique.length; i += 900) {
      const db = this.database.db;
      const rows = await db
        .selectFrom("decisions")
        .selectAll()
        .where(
          "id",
          "in",
          db
            .selectFrom("decisions")
            .select((eb) => eb.fn.max<number>("id").as("id"))
            .where("digest", "in", unique.slice(i, i + 900))
            .where("gate", "!=", "access")
            .groupBy("digest"),
        )
        .execute();
      for (const row of rows) out.set(row.digest!, toEntry(row as Row));
    }
    return out;
  }

  /** One page of a digest's decisions, newest first, with how many there are. */
  async pageForDigest(
    digest: string,
    page: number,
    perPage: number,
  ): Promise<{ total: number; items: AuditEntry[] }> {
    const db = this.database.db;
    const base = db.selectFrom("decisions").where("digest", "=", digest).where("gate", "!=", "access");
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst(),
      base
        .selectAll()
        .orderBy("id", "desc")
        .limit(perPage)
        .offset((page - 1) * perPage)
        .execute(),
    ]);
    return { total: Number(count?.n ?? 0), items: rows.map((row) => toEntry(row as Row)) };
  }

  /** The newest entry's id and hash (to anchor the chain outside the database), if any. */
  async head(): Promise<{ id: number; hash: string } | undefined> {
    const row = await this.database.db
      .selectFrom("decisions")
      .select(["id", "hash"])
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? { id: Number(row.id), hash: row.hash } : undefined;
  }

  /** The head as a checkpoint to keep outside the database (undefined while the log is empty). */
  async checkpoint(): Promise<AuditCheckpoint | undefined> {
    // One statement, so the count belongs to the same snapshot as the head it counts up to.
    const row = await this.database.db
      .selectFrom("decisions as head")
      .select((eb) => [
        "head.id",
        "head.hash",
        eb
          .selectFrom("decisions as earlier")
          .select((inner) => inner.fn.countAll().as("n"))
          .whereRef("earlier.id", "<=", "head.id")
          .as("count"),
      ])
      .orderBy("head.id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: Number(row.id),
      hash: row.hash,
      count: Number(row.count),
      at: new Date(this.now()).toISOString(),
    };
  }

  /**
   * Walks every row in order, a page at a time, recomputing each hash and checking it names the previous
   * row's: the first row that does not fit is reported (an edited row fails its own hash, a deleted one
   * its successor's prev_hash). Each of `options.checkpoints` is checked on the way (its row exists, with
   * its hash, at its position), and one past the last row reports a truncated log.
   */
  async verifyChain(options: VerifyOptions = {}): Promise<ChainVerification> {
    const from = options.from;
    // From a sound row on, the checkpoints before it were matched by the walk that found it sound.
    const checkpoints = from ? options.checkpoints?.filter((c) => c.id > from.id) : options.checkpoints;
    const cursor = checkpoints ? new CheckpointCursor(checkpoints) : undefined;
    let prev = GENESIS_HASH;
    let count = 0;
    let after = -1;
    if (from) {
      const anchor = await this.anchorProblem(from);
      if (anchor) return { ok: false, count: 0, id: from.id, problem: anchor };
      prev = from.hash;
      count = from.count;
      after = from.id;
    }
    for (;;) {
      const rows = (await this.database.db
        .selectFrom("decisions")
        .selectAll()
        .where("id", ">", after)
        .orderBy("id", "asc")
        .limit(VERIFY_PAGE)
        .execute()) as Row[];
      for (const row of rows) {
        const id = Number(row.id);
        if (row.prev_hash !== prev) {
          return {
            ok: false,
            count,
            id,
            problem: `row ${id} does not follow the row before it (a row is missing or was replaced)`,
          };
        }
        let entry: AuditEntry;
        try {
          entry = toEntry(row);
        } catch (err) {
          return { ok: false, count, id, problem: `row ${id} is unreadable: ${(err as Error).message}` };
        }
        if (entryHash(entry.at, entry, row.prev_hash) !== row.hash) {
          return { ok: false, count, id, problem: `row ${id} was changed after it was written` };
        }
        prev = row.hash;
        count++;
        after = id;
        const mismatch = cursor?.row(id, row.hash, count);
        if (mismatch) return { ok: false, count: count - 1, ...mismatch };
      }
      options.onProgress?.(count);
      if (rows.length < VERIFY_PAGE) {
        const mismatch = cursor?.end(after === -1 ? undefined : after);
        if (mismatch) return { ok: false, count, ...mismatch };
        if (after !== -1) options.onSound?.({ id: after, hash: prev, count });
        return cursor ? { ok: true, count, checkpoints: cursor.size } : { ok: true, count };
      }
    }
  }

  /** Why the row a walk goes on from is no longer as that walk found it, if it is not. */
  private async anchorProblem(from: VerifiedRow): Promise<string | undefined> {
    const row = await this.database.db
      .selectFrom("decisions as anchor")
      .select((eb) => [
        "anchor.hash",
        eb
          .selectFrom("decisions as earlier")
          .select((inner) => inner.fn.countAll().as("n"))
          .whereRef("earlier.id", "<=", "anchor.id")
          .as("count"),
      ])
      .where("anchor.id", "=", from.id)
      .executeTakeFirst();
    if (!row) return `row ${from.id}, verified earlier, is missing (rows were deleted)`;
    if (row.hash !== from.hash)
      return `row ${from.id} differs from when it was verified (the log was rewritten)`;
    if (Number(row.count) !== from.count) {
      return `row ${from.id} was row number ${from.count} when verified, now ${String(row.count)} (rows before it were deleted or inserted)`;
    }
    return undefined;
  }
}

function toEntry(row: Row): AuditEntry {
  const rules = JSON.parse(row.rules) as AuditRule[];
  if (!Array.isArray(rules)) throw new Error("rules is not a list");
  const breakGlass =
    row.break_glass === null ? undefined : (JSON.parse(row.break_glass) as AuditRecord["breakGlass"]);
  return {
    id: Number(row.id),
    at: Number(row.at),
    gate: row.gate as AuditGate,
    image: row.image,
    ...(row.digest !== null ? { digest: row.digest } : {}),
    effect: row.effect as AuditRecord["effect"],
    mode: row.mode,
    reason: row.reason,
    rules,
    ...(row.policy_digest !== null ? { policyDigest: row.policy_digest } : {}),
    ...(row.actor !== null ? { actor: row.actor } : {}),
    ...(row.namespace !== null ? { namespace: row.namespace } : {}),
    ...(row.workload !== null ? { workload: row.workload } : {}),
    ...(breakGlass ? { breakGlass } : {}),
    ...(row.caller !== null && row.caller !== undefined ? { caller: row.caller } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
