import type { Kysely } from "kysely";
import type { Schema } from "../../storage/index.js";
import type { InventoryManifest, InventoryRepository } from "./plan.js";

/**
 * Every manifest of a project's repositories (`team` and `team/...`) with its tags, push and pull
 * times, subject and index children: three queries, whatever the number of repositories. Names sort
 * byte-wise (`collate "C"` on PostgreSQL), so `team/` ≤ name < `team0` is exactly the project's
 * repositories below it (`0` follows `/`).
 */
export async function readInventory(db: Kysely<Schema>, project: string): Promise<InventoryRepository[]> {
  const ids = db
    .selectFrom("repositories")
    .select("id")
    .where((eb) =>
      eb.or([
        eb("name", "=", project),
        eb.and([eb("name", ">=", `${project}/`), eb("name", "<", `${project}0`)]),
      ]),
    );
  const repositories = await db
    .selectFrom("repositories")
    .select(["id", "name"])
    .where("id", "in", ids)
    .execute();
  if (repositories.length === 0) return [];
  const [manifests, tags, refs] = await Promise.all([
    db
      .selectFrom("manifests")
      .select(["repository_id", "digest", "created_at", "last_pulled_at", "subject_digest"])
      .where("repository_id", "in", ids)
      .execute(),
    db
      .selectFrom("tags")
      .select(["repository_id", "name", "manifest_digest", "updated_at"])
      .where("repository_id", "in", ids)
      .execute(),
    db
      .selectFrom("manifest_refs")
      .select(["repository_id", "manifest_digest", "child_digest"])
      .where("repository_id", "in", ids)
      .where("kind", "=", "manifest")
      .execute(),
  ]);
  const key = (repositoryId: number, digest: string) => `${repositoryId} ${digest}`;
  const tagsOf = new Map<string, Array<{ name: string; updatedAt: number }>>();
  for (const t of tags) {
    const k = key(t.repository_id, t.manifest_digest);
    const list = tagsOf.get(k) ?? [];
    list.push({ name: t.name, updatedAt: Number(t.updated_at) });
    tagsOf.set(k, list);
  }
  const childrenOf = new Map<string, string[]>();
  for (const r of refs) {
    const k = key(r.repository_id, r.manifest_digest);
    const list = childrenOf.get(k) ?? [];
    list.push(r.child_digest);
    childrenOf.set(k, list);
  }
  const byRepository = new Map<number, InventoryManifest[]>();
  for (const m of manifests) {
    const k = key(m.repository_id, m.digest);
    const list = byRepository.get(m.repository_id) ?? [];
    list.push({
      digest: m.digest,
      tags: tagsOf.get(k) ?? [],
      createdAt: Number(m.created_at),
      pulledAt: m.last_pulled_at === null ? null : Number(m.last_pulled_at),
      subject: m.subject_digest,
      children: childrenOf.get(k) ?? [],
    });
    byRepository.set(m.repository_id, list);
  }
  return repositories.map((r) => ({ name: r.name, manifests: byRepository.get(r.id) ?? [] }));
}
