import type { Transaction } from "kysely";
import type { Schema } from "../storage/index.js";
import { projectOfRepository } from "./rules.js";
import { addContent, removeContent } from "./usage.js";

/**
 * Links a blob into a repository (or refreshes the link's time), counting it in the project's usage
 * when the link is new. Inserting with DO NOTHING tells a new link from an existing one on both
 * dialects, also when two requests link the same blob at once (PostgreSQL makes the second insert wait
 * for the first and then do nothing). Throws DENIED over the quota; the caller's transaction rolls back.
 */
export async function linkBlob(
  trx: Transaction<Schema>,
  link: { repository: string; repositoryId: number; digest: string; size: number; now: number },
  quotaBytes: number | undefined,
): Promise<void> {
  const inserted = await trx
    .insertInto("repository_blobs")
    .values({ repository_id: link.repositoryId, digest: link.digest, linked_at: link.now })
    .onConflict((oc) => oc.columns(["repository_id", "digest"]).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    await trx
      .updateTable("repository_blobs")
      .set({ linked_at: link.now })
      .where("repository_id", "=", link.repositoryId)
      .where("digest", "=", link.digest)
      .execute();
    return;
  }
  await addContent(
    trx,
    { project: projectOfRepository(link.repository), kind: "blob", digest: link.digest, size: link.size },
    quotaBytes,
  );
}

/** Takes an unlinked blob off its project's usage (call after deleting the link, in its transaction). */
export async function unlinkedBlob(
  trx: Transaction<Schema>,
  repository: string,
  digest: string,
): Promise<void> {
  await removeContent(trx, { project: projectOfRepository(repository), kind: "blob", digest });
}
