import type { RegistryContext } from "./context.js";
import { requireDigest } from "./digests.js";
import { unlinkedBlob } from "./links.js";
import { BLOBS_ROOT, blobPath, digestFromBlobPath, UPLOADS_ROOT, uploadPath } from "./paths.js";

export interface GcOptions {
  readonly dryRun?: boolean;
  /** Overrides the configured grace period (tests and `portcullis gc --grace`). */
  readonly gracePeriodMs?: number;
  readonly onProgress?: (message: string) => void;
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

const BATCH = 200;

/**
 * Online mark-and-sweep over the metadata (the references are rows, so "mark" is a query):
 *  1. expire uploads idle past their expiry (row first, then bytes);
 *  2. unlink blobs from repositories where no manifest of that repository references them and the
 *     link is older than the grace period;
 *  3. delete blobs that no repository links and no manifest references, older than the grace
 *     period, removing their bytes while the row lock is held so that a concurrent upload of the
 *     same digest waits for us and then puts the bytes back;
 *  4. delete files that no row names (left by a crash between a move and its commit), once they
 *     are older than the grace period.
 * Everything in flight is younger than the grace period, and a manifest push refreshes the links
 * it relies on under their row locks, so collection never needs the registry to stop.
 */
export async function collectGarbage(ctx: RegistryContext, options: GcOptions = {}): Promise<GcReport> {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const now = ctx.now();
  const cutoff = now - (options.gracePeriodMs ?? ctx.options.gcGracePeriodMs);
  const uploadCutoff = now - ctx.options.uploadExpiryMs;
  const say = options.onProgress ?? (() => {});
  const report: GcReport = {
    dryRun,
    uploadsExpired: 0,
    linksRemoved: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    orphanFilesDeleted: 0,
    durationMs: 0,
  };

  const expired = await ctx.db
    .selectFrom("uploads")
    .select("id")
    .where("updated_at", "<", uploadCutoff)
    .execute();
  report.uploadsExpired = expired.length;
  if (!dryRun) {
    for (const { id } of expired) {
      await ctx.db.deleteFrom("uploads").where("id", "=", id).execute();
      await ctx.store.delete(uploadPath(id)).catch(() => {});
    }
  }
  say(`uploads expired: ${report.uploadsExpired}`);

  const unreferencedLinks = ctx.db
    .selectFrom("repository_blobs as rb")
    .innerJoin("repositories as repo", "repo.id", "rb.repository_id")
    .select(["rb.repository_id", "rb.digest", "repo.name"])
    .where("rb.linked_at", "<", cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("manifest_refs as r")
            .select("r.child_digest")
            .whereRef("r.repository_id", "=", "rb.repository_id")
            .whereRef("r.child_digest", "=", "rb.digest"),
        ),
      ),
    );
  if (dryRun) {
    report.linksRemoved = (await unreferencedLinks.execute()).length;
  } else {
    for (;;) {
      const batch = await unreferencedLinks.limit(BATCH).execute();
      if (batch.length === 0) break;
      for (const link of batch) {
        // Re-check inside the delete: a push may have refreshed the link, or committed a manifest
        // that references it (with a clock older than the cutoff), since the select.
        // The unlink and its project's usage change in one transaction (registry/usage.ts).
        const removed = await ctx.db.transaction().execute(async (trx) => {
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
        report.linksRemoved += removed;
      }
      if (batch.length < BATCH) break;
    }
  }
  say(`repository links removed: ${report.linksRemoved}`);

  const unreferencedBlobs = ctx.db
    .selectFrom("blobs as b")
    .select(["b.digest", "b.size"])
    .where("b.linked_at", "<", cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("repository_blobs as rb")
            .select("rb.digest")
            .whereRef("rb.digest", "=", "b.digest")
            // A dry run removed no link: count as gone the links step 2 would have removed (old ones;
            // referenced ones do not matter, the manifest reference alone keeps the blob).
            .$if(dryRun, (qb) => qb.where("rb.linked_at", ">=", cutoff)),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("manifest_refs as r")
            .select("r.child_digest")
            .whereRef("r.child_digest", "=", "b.digest"),
        ),
      ),
    );
  const candidates = await unreferencedBlobs.execute();
  if (dryRun) {
    report.blobsDeleted = candidates.length;
    report.bytesFreed = candidates.reduce((sum, b) => sum + b.size, 0);
  } else {
    for (const blob of candidates) {
      await ctx.db.transaction().execute(async (trx) => {
        const deleted = await trx
          .deleteFrom("blobs")
          .where("digest", "=", blob.digest)
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
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) return;
        await ctx.store.delete(blobPath(requireDigest(blob.digest))).catch(() => {});
        report.blobsDeleted += 1;
        report.bytesFreed += blob.size;
      });
    }
  }
  say(`blobs deleted: ${report.blobsDeleted} (${report.bytesFreed} bytes)`);

  report.orphanFilesDeleted = await sweepOrphans(ctx, cutoff, uploadCutoff, dryRun);
  // The driver's own leftovers of writes killed mid-way (a put takes seconds, never an upload expiry).
  if (!dryRun && ctx.store.cleanTemp)
    report.orphanFilesDeleted += await ctx.store.cleanTemp(ctx.options.uploadExpiryMs);
  say(`orphan files deleted: ${report.orphanFilesDeleted}`);
  report.durationMs = Date.now() - started;
  return report;
}

async function sweepOrphans(ctx: RegistryContext, cutoff: number, uploadCutoff: number, dryRun: boolean) {
  let count = 0;
  for await (const file of ctx.store.walk(BLOBS_ROOT)) {
    if (file.modifiedAt.getTime() >= cutoff) continue;
    const digest = digestFromBlobPath(file.path);
    if (!digest) {
      count += 1;
      if (!dryRun) await ctx.store.delete(file.path).catch(() => {});
      continue;
    }
    if (dryRun) {
      const row = await ctx.db
        .selectFrom("blobs")
        .select("digest")
        .where("digest", "=", digest)
        .executeTakeFirst();
      if (!row) count += 1;
      continue;
    }
    // "No row" is only true while no upload of this digest commits: one in flight has moved its bytes
    // here (they keep the old mtime of the upload) before its row is visible, and one arriving now
    // reuses the file it finds. So claim the digest with a placeholder row first; a commit upserts
    // the same row, so it either committed before (we keep the file) or waits for us (and, finding
    // the file gone, moves its own bytes in).
    const removed = await ctx.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto("blobs")
        .values({ digest, size: 0, created_at: 0, linked_at: 0 })
        .onConflict((oc) => oc.column("digest").doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await ctx.store.delete(file.path).catch(() => {});
      await trx.deleteFrom("blobs").where("digest", "=", digest).execute();
      return true;
    });
    if (removed) count += 1;
  }
  for await (const file of ctx.store.walk(UPLOADS_ROOT)) {
    if (file.modifiedAt.getTime() >= uploadCutoff) continue;
    const id = file.path.slice(UPLOADS_ROOT.length + 1);
    const row = await ctx.db.selectFrom("uploads").select("id").where("id", "=", id).executeTakeFirst();
    if (row) continue;
    count += 1;
    if (!dryRun) await ctx.store.delete(file.path).catch(() => {});
  }
  return count;
}
