import type { Kysely, Transaction } from "kysely";
import { formatByteSize } from "../core/index.js";
import type { Schema } from "../storage/index.js";
import { RegistryError } from "./errors.js";

/** One piece of stored content as a project counts it: a blob (in the blob store) or a manifest (a row). */
export interface ProjectContent {
  readonly project: string;
  readonly kind: "blob" | "manifest";
  readonly digest: string;
  readonly size: number;
}

/**
 * The usage ledger, kept in the same transactions that link and unlink content (Harbor's model: a
 * project's usage is the bytes of the distinct blobs and manifests its repositories hold, each counted
 * once however many of its repositories hold it). `project_content` counts, per project and digest, the
 * links (repository_blobs rows) or manifest rows holding it; `project_usage` sums the sizes of the
 * digests counted at least once. Reading a project's usage is one row, whatever its size.
 *
 * Concurrency: the first holder of a digest adds its size with an UPDATE of the project's usage row,
 * which holds that row's lock until the transaction ends, and checks the quota on the total it reads
 * back. Two pushes racing past the quota therefore run one after the other: the second sees the first's
 * bytes and is refused, so usage never exceeds the quota (no overshoot), at the cost of serialising
 * the commits (not the uploads) of new content within one project. Every caller takes its locks in
 * the same order (its own rows, then `project_content`, then `project_usage`), so they cannot deadlock.
 */
export async function addContent(
  trx: Transaction<Schema>,
  item: ProjectContent,
  quotaBytes: number | undefined,
): Promise<void> {
  const counted = await trx
    .insertInto("project_content")
    .values({ project: item.project, kind: item.kind, digest: item.digest, refs: 1, size: item.size })
    .onConflict((oc) =>
      oc
        .columns(["project", "kind", "digest"])
        .doUpdateSet((eb) => ({ refs: eb(eb.ref("project_content.refs"), "+", 1) })),
    )
    .returning("refs")
    .executeTakeFirstOrThrow();
  if (Number(counted.refs) !== 1) return;
  const usage = await trx
    .insertInto("project_usage")
    .values({ project: item.project, bytes: item.size })
    .onConflict((oc) =>
      oc
        .column("project")
        .doUpdateSet((eb) => ({ bytes: eb(eb.ref("project_usage.bytes"), "+", item.size) })),
    )
    .returning("bytes")
    .executeTakeFirstOrThrow();
  const total = Number(usage.bytes);
  if (quotaBytes !== undefined && item.size > 0 && total > quotaBytes) {
    // Thrown inside the transaction: it rolls back, the link and the count with it.
    throw quotaExceeded(item.project, total - item.size, item.size, quotaBytes);
  }
}

/** Undoes one `addContent`: the last holder of a digest takes its size off the project's usage. */
export async function removeContent(
  trx: Transaction<Schema>,
  item: Omit<ProjectContent, "size">,
): Promise<void> {
  const counted = await trx
    .updateTable("project_content")
    .set((eb) => ({ refs: eb(eb.ref("refs"), "-", 1) }))
    .where("project", "=", item.project)
    .where("kind", "=", item.kind)
    .where("digest", "=", item.digest)
    .returning(["refs", "size"])
    .executeTakeFirst();
  if (!counted || Number(counted.refs) > 0) return;
  const size = Number(counted.size);
  await trx
    .deleteFrom("project_content")
    .where("project", "=", item.project)
    .where("kind", "=", item.kind)
    .where("digest", "=", item.digest)
    .execute();
  await trx
    .updateTable("project_usage")
    .set((eb) => ({ bytes: eb(eb.ref("bytes"), "-", size) }))
    .where("project", "=", item.project)
    .execute();
}

/** Bytes the project's repositories hold (0 for a project that holds nothing). */
export async function projectUsage(db: Kysely<Schema>, project: string): Promise<number> {
  const row = await db
    .selectFrom("project_usage")
    .select("bytes")
    .where("project", "=", project)
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

/** Every project's usage (projects holding nothing are absent). */
export async function allProjectUsage(db: Kysely<Schema>): Promise<Map<string, number>> {
  const rows = await db.selectFrom("project_usage").select(["project", "bytes"]).execute();
  return new Map(rows.map((r) => [r.project, Number(r.bytes)]));
}

/**
 * Refuses new content for a project already at or over its quota, before any byte is received: an
 * upload started then could only be refused when it is closed. Content the project already holds is
 * still accepted at its close (it adds nothing), but clients check for it before uploading anyway.
 */
export async function refuseWhenFull(
  db: Kysely<Schema>,
  project: string,
  quotaBytes: number | undefined,
): Promise<void> {
  if (quotaBytes === undefined) return;
  const used = await projectUsage(db, project);
  if (used >= quotaBytes) throw quotaExceeded(project, used, undefined, quotaBytes);
}

function quotaExceeded(project: string, used: number, adding: number | undefined, quota: number) {
  const push = adding === undefined ? "" : `; this push adds ${formatByteSize(adding)}`;
  return new RegistryError(
    "DENIED",
    `quota exceeded: project ${project} uses ${formatByteSize(used)} of its ${formatByteSize(quota)} quota${push}`,
    {
      detail: {
        project,
        usageBytes: used,
        quotaBytes: quota,
        ...(adding === undefined ? {} : { addingBytes: adding }),
      },
    },
  );
}
