import type { FileInfo } from "../storage/index.js";
import type { GcRun } from "./gc.js";
import { deleteObjects } from "./gc-deletes.js";
import { BLOBS_ROOT, digestFromBlobPath, UPLOADS_ROOT } from "./paths.js";

/**
 * Step 4 of GC: files that no row names, older than the grace period (blobs) or the upload expiry
 * (uploads). The store is walked once, and the rows of a page of walked files are looked up in one
 * query (a million files: a thousand queries, not a million), so memory holds one page whatever the
 * size of the store. A lookup by `IN` rather than a merge against rows read in key order keeps the
 * sweep independent of how the database collates digests against the driver's sort order.
 */
export async function sweepOrphans(run: GcRun): Promise<number> {
  let count = 0;
  let page: { path: string; digest: string }[] = [];
  const flush = async () => {
    count += await sweepBlobPage(run, page);
    run.progress("blob files examined", page.length);
    page = [];
  };
  for await (const file of run.ctx.store.walk(BLOBS_ROOT)) {
    if (file.modifiedAt.getTime() >= run.cutoff) continue;
    const digest = digestFromBlobPath(file.path);
    if (!digest) {
      // Not a name the registry ever writes there: nothing can own it.
      count += 1;
      if (!run.dryRun) await run.ctx.store.delete(file.path).catch(() => {});
      continue;
    }
    page.push({ path: file.path, digest });
    if (page.length >= run.batch) await flush();
  }
  if (page.length > 0) await flush();
  return count + (await sweepUploadFiles(run));
}

async function sweepBlobPage(run: GcRun, page: readonly { path: string; digest: string }[]): Promise<number> {
  const { db, ctx } = run;
  const rows = await db
    .selectFrom("blobs")
    .select("digest")
    .where(
      "digest",
      "in",
      page.map((f) => f.digest),
    )
    .execute();
  const known = new Set(rows.map((r) => r.digest));
  let count = 0;
  for (const file of page) {
    if (known.has(file.digest)) continue;
    if (run.dryRun) {
      count += 1;
      continue;
    }
    // "No row" is only true while no upload of this digest commits: one in flight has moved its bytes
    // here (they keep the old mtime of the upload) before its row is visible, and one arriving now
    // reuses the file it finds. So claim the digest with a placeholder row first; a commit upserts
    // the same row, so it either committed before (we keep the file) or waits for us (and, finding
    // the file gone, moves its own bytes in). Orphans are rare (crashes), so one transaction each.
    const removed = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto("blobs")
        .values({ digest: file.digest, size: 0, created_at: 0, linked_at: 0 })
        .onConflict((oc) => oc.column("digest").doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await ctx.store.delete(file.path).catch(() => {});
      await trx.deleteFrom("blobs").where("digest", "=", file.digest).execute();
      return true;
    });
    if (removed) count += 1;
  }
  return count;
}

async function sweepUploadFiles(run: GcRun): Promise<number> {
  const { db, ctx } = run;
  let count = 0;
  let page: FileInfo[] = [];
  const flush = async () => {
    const ids = page.map((f) => f.path.slice(UPLOADS_ROOT.length + 1));
    const rows = await db.selectFrom("uploads").select("id").where("id", "in", ids).execute();
    const known = new Set(rows.map((r) => r.id));
    // An upload file without its row: the row expired (step 1) or never committed. Its bytes are
    // older than the upload expiry, so no client is still sending them.
    const orphans = page.filter((_, i) => !known.has(ids[i]!)).map((f) => f.path);
    count += orphans.length;
    if (!run.dryRun) await deleteObjects(ctx.store, orphans);
    run.progress("upload files examined", page.length);
    page = [];
  };
  for await (const file of ctx.store.walk(UPLOADS_ROOT)) {
    if (file.modifiedAt.getTime() >= run.uploadCutoff) continue;
    page.push(file);
    if (page.length >= run.batch) await flush();
  }
  if (page.length > 0) await flush();
  return count;
}
