import { type Kysely, sql } from "kysely";
import type { DialectName, Schema } from "../storage/index.js";
import type { RegistryContext } from "./context.js";
import { requireDigest } from "./digests.js";
import { deleteObjects } from "./gc-deletes.js";
import { withGcLock } from "./gc-lock.js";
import { sweepOrphans } from "./gc-orphans.js";
import { unlinkedBlob } from "./links.js";
import { blobPath, uploadPath } from "./paths.js";

export interface GcOptions {
  readonly dryRun?: boolean;
  /** Overrides the configured grace period (tests and `portcullis gc --grace`). */
  readonly gracePeriodMs?: number;
  readonly onProgress?: (message: string) => void;
  /**
   * Rows or files handled per query and per transaction (default 1,000: what one S3 DeleteObjects
   * request takes; tests use tiny ones).
   */
  readonly batchSize?: number;
  /** A progress line every this many items of a step (default 100,000), besides one per step. */
  readonly progressEvery?: number;
}

export interface GcReport {
  dryRun: boolean;
  uploadsExpired: number;
  linksRemoved: number;
  blobsDeleted: number;
  bytesFreed: number;
  orphanFilesDeleted: number;
  durationMs: number;
}

/** What every step shares: the connection to use, the cutoffs, the batch size, progress. */
export interface GcRun {
  readonly ctx: RegistryContext;
  readonly db: Kysely<Schema>;
  readonly dryRun: boolean;
  readonly cutoff: number;
  readonly uploadCutoff: number;
  readonly batch: number;
  /** Counts `n` more items of `step`, saying so every `progressEvery`. */
  readonly progress: (step: string, n: number) => void;
  readonly say: (message: string) => void;
}

/**
 * Online mark-and-sweep over the metadata (the references are rows, so "mark" is a query):
 *  1. expire uploads idle past their expiry (row first, then bytes);
 *  2. unlink blobs from repositories where no manifest of that repository references them and the
 *     link is older than the grace period;
 *  3. delete blobs that no repository links and no manifest references, older than the grace
 *     period, removing their bytes while the row locks are held so that a concurrent upload of the
 *     same digest waits for us and then puts the bytes back;
 *  4. delete files that no row names (left by a crash between a move and its commit), once they
 *     are older than the grace period (gc-orphans.ts).
 * Everything in flight is younger than the grace period, and a manifest push refreshes the links
 * it relies on under their row locks, so collection never needs the registry to stop.
 *
 * It scales with the store, not with memory: each step reads its table in windows of `batchSize`
 * rows by key (never OFFSET, never all at once), deletes a window's garbage in one transaction (links:
 * one each), re-checking every condition inside the delete, and the orphan sweep looks up a page of
 * walked files per query. One collection runs at a time across replicas (gc-lock.ts).
 */
export async function collectGarbage(ctx: RegistryContext, options: GcOptions = {}): Promise<GcReport> {
  return withGcLock(ctx, (db) => collect(ctx, db, options));
}

async function collect(ctx: RegistryContext, db: Kysely<Schema>, options: GcOptions): Promise<GcReport> {
  const started = Date.now();
  const now = ctx.now();
  const say = options.onProgress ?? (() => {});
  const every = options.progressEvery ?? 100_000;
  const counts = new Map<string, number>();
  const run: GcRun = {
    ctx,
    db,
    dryRun: options.dryRun ?? false,
    cutoff: now - (options.gracePeriodMs ?? ctx.options.gcGracePeriodMs),
    uploadCutoff: now - ctx.options.uploadExpiryMs,
    batch: Math.max(1, options.batchSize ?? 1000),
    say,
    progress: (step, n) => {
      const before = counts.get(step) ?? 0;
      counts.set(step, before + n);
      if (Math.floor((before + n) / every) > Math.floor(before / every)) say(`${step}: ${before + n}…`);
    },
  };
  const report: GcReport = {
    dryRun: run.dryRun,
    uploadsExpired: 0,
    linksRemoved: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    orphanFilesDeleted: 0,
    durationMs: 0,
  };

  report.uploadsExpired = await expireUploads(run);
  say(`uploads expired: ${report.uploadsExpired}`);
  report.linksRemoved = await removeLinks(run);
  say(`repository links removed: ${report.linksRemoved}`);
  const blobs = await deleteBlobs(run);
  report.blobsDeleted = blobs.count;
  report.bytesFreed = blobs.bytes;
  say(`blobs deleted: ${report.blobsDeleted} (${report.bytesFreed} bytes)`);
  report.orphanFilesDeleted = await sweepOrphans(run);
  // The driver's own leftovers of writes killed mid-way (a put takes seconds, never an upload expiry).
  if (!run.dryRun && ctx.store.cleanTemp)
    report.orphanFilesDeleted += await ctx.store.cleanTemp(ctx.options.uploadExpiryMs);
  say(`orphan files deleted: ${report.orphanFilesDeleted}`);
  report.durationMs = Date.now() - started;
  return report;
}

/** Step 1, a page of ids at a time; an upload touched since its page was read is spared. */
async function expireUploads(run: GcRun): Promise<number> {
  const { db, ctx, uploadCutoff } = run;
  let expired = 0;
  let after = "";
  for (;;) {
    const page = await db
      .selectFrom("uploads")
      .select("id")
      .where("updated_at", "<", uploadCutoff)
      .where("id", ">", after)
      .orderBy("id")
      .limit(run.batch)
      .execute();
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    if (run.dryRun) {
      expired += page.length;
    } else {
      const gone = await db
        .deleteFrom("uploads")
        .where(
          "id",
          "in",
          page.map((u) => u.id),
        )
        .where("updated_at", "<", uploadCutoff)
        .returning("id")
        .execute();
      await deleteObjects(
        ctx.store,
        gone.map((u) => uploadPath(u.id)),
      );
      expired += gone.length;
    }
    run.progress("uploads expired", page.length);
    if (page.length < run.batch) break;
  }
  return expired;
}

/**
 * Step 2, a window of `batch` links at a time in (repository, digest) order: one query reads the window
 * (a range of the primary key, LIMIT inside) and tells, per link, whether it is garbage. Asked that
 * way, the anti-join is a probe per link; asked for "the next page of candidates", PostgreSQL chose a
 * hash or merge anti-join over the whole table on every page (quadratic at a million links).
 */
async function removeLinks(run: GcRun): Promise<number> {
  const { db, cutoff } = run;
  let removed = 0;
  let after: { repository: number; digest: string } | undefined;
  for (let more = true; more; ) {
    const from = after;
    const window = await db
      .selectFrom(
        db
          .selectFrom("repository_blobs as rb")
          .select(["rb.repository_id", "rb.digest", "rb.linked_at"])
          // A row-value comparison: both databases make it a range scan of the primary key.
          .$if(from !== undefined, (qb) =>
            qb.where((eb) =>
              eb(eb.refTuple("rb.repository_id", "rb.digest"), ">", eb.tuple(from!.repository, from!.digest)),
            ),
          )
          .orderBy("rb.repository_id")
          .orderBy("rb.digest")
          .limit(run.batch)
          .as("w"),
      )
      .innerJoin("repositories as repo", "repo.id", "w.repository_id")
      .select((eb) => [
        "w.repository_id",
        "w.digest",
        "repo.name",
        eb
          .and([
            eb("w.linked_at", "<", cutoff),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("manifest_refs as r")
                  .select("r.child_digest")
                  .whereRef("r.repository_id", "=", "w.repository_id")
                  .whereRef("r.child_digest", "=", "w.digest"),
              ),
            ),
          ])
          .as("garbage"),
      ])
      .orderBy("w.repository_id")
      .orderBy("w.digest")
      .execute();
    more = window.length === run.batch;
    const last = window[window.length - 1];
    if (last) after = { repository: last.repository_id, digest: last.digest };
    // SQLite answers the flag as 0 or 1, PostgreSQL as a boolean.
    const page = window.filter((link) => Boolean(link.garbage));
    if (run.dryRun) {
      removed += page.length;
    } else {
      // One transaction per link, as a manifest push takes its links' row locks and then its project's
      // usage row: a transaction holding several links and usage rows could deadlock with it.
      for (const link of page) removed += await unlink(db, run.ctx.dialect, link, cutoff);
    }
    run.progress("repository links examined", window.length);
  }
  return removed;
}

async function unlink(
  db: Kysely<Schema>,
  dialect: DialectName,
  link: { repository_id: number; digest: string; name: string },
  cutoff: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // An unlink changes rows only (no bytes): if a crash loses its commit, the link and its usage come
    // back together and the next run unlinks again. So PostgreSQL need not wait for the WAL flush,
    // which is most of the cost of a transaction per link.
    if (dialect === "postgres") await sql`set local synchronous_commit to off`.execute(trx);
    // Re-check inside the delete: a push may have refreshed the link, or committed a manifest that
    // references it (with a clock older than the cutoff), since the select.
    // The unlink and its project's usage change in one transaction (registry/usage.ts).
    const result = await trx
      .deleteFrom("repository_blobs")
      .where("repository_id", "=", link.repository_id)
      .where("digest", "=", link.digest)
      .where("linked_at", "<", cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("manifest_refs as r")
              .select("r.child_digest")
              .whereRef("r.repository_id", "=", "repository_blobs.repository_id")
              .whereRef("r.child_digest", "=", "repository_blobs.digest"),
          ),
        ),
      )
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return 0;
    await unlinkedBlob(trx, link.name, link.digest);
    return 1;
  });
}

/**
 * Step 3, a window of `batch` blob rows at a time in digest order, read and judged in one query as in
 * step 2; a window's garbage deleted in one statement, its bytes before the commit.
 */
async function deleteBlobs(run: GcRun): Promise<{ count: number; bytes: number }> {
  const { db, ctx, cutoff, dryRun } = run;
  const done = { count: 0, bytes: 0 };
  let after = "";
  for (let more = true; more; ) {
    const window = await db
      .selectFrom(
        db
          .selectFrom("blobs")
          .select(["digest", "size", "linked_at"])
          .where("digest", ">", after)
          .orderBy("digest")
          .limit(run.batch)
          .as("b"),
      )
      .select((eb) => [
        "b.digest",
        "b.size",
        eb
          .and([
            eb("b.linked_at", "<", cutoff),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("repository_blobs as rb")
                  .select("rb.digest")
                  .whereRef("rb.digest", "=", "b.digest")
                  // A dry run removed no link: count as gone the links step 2 would have removed (old
                  // ones; referenced ones do not matter, the manifest reference alone keeps the blob).
                  .$if(dryRun, (qb) => qb.where("rb.linked_at", ">=", cutoff)),
              ),
            ),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("manifest_refs as r")
                  .select("r.child_digest")
                  .whereRef("r.child_digest", "=", "b.digest"),
              ),
            ),
          ])
          .as("garbage"),
      ])
      .orderBy("b.digest")
      .execute();
    more = window.length === run.batch;
    if (window.length > 0) after = window[window.length - 1]!.digest;
    run.progress("blobs examined", window.length);
    const page = window.filter((blob) => Boolean(blob.garbage));
    if (page.length === 0) continue;
    if (dryRun) {
      done.count += page.length;
      done.bytes += page.reduce((sum, b) => sum + b.size, 0);
    } else {
      const deleted = await db.transaction().execute(async (trx) => {
        // Re-check every condition inside the delete: a push may have linked or referenced a blob
        // since the select. The rows stay locked until the commit, after the bytes are gone, so an
        // upload of one of these digests waits and then finds no file and puts its bytes in place.
        const rows = await trx
          .deleteFrom("blobs")
          .where(
            "digest",
            "in",
            page.map((b) => b.digest),
          )
          .where("linked_at", "<", cutoff)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("repository_blobs as rb")
                  .select("rb.digest")
                  .whereRef("rb.digest", "=", "blobs.digest"),
              ),
            ),
          )
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("manifest_refs as r")
                  .select("r.child_digest")
                  .whereRef("r.child_digest", "=", "blobs.digest"),
              ),
            ),
          )
          .returning(["digest", "size"])
          .execute();
        await deleteObjects(
          ctx.store,
          rows.map((b) => blobPath(requireDigest(b.digest))),
        );
        return rows;
      });
      done.count += deleted.length;
      done.bytes += deleted.reduce((sum, b) => sum + b.size, 0);
    }
  }
  return done;
}
