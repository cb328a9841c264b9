import { sql } from "kysely";
import type { RegistryContext } from "./context.js";
import { RegistryError } from "./errors.js";

/** One repository in the console's list: what it holds and when it last changed. */
export interface RepositorySummary {
  readonly name: string;
  readonly tagCount: number;
  /** Images, indexes and artifacts of their own: not referrers, index children or cosign tag artifacts. */
  readonly artifactCount: number;
  /** Bytes of the blobs linked to it plus its manifests. */
  readonly size: number;
  /** Epoch ms of the newest manifest push or tag move. */
  readonly updatedAt: number;
}

export type RepositorySort = "name" | "updated" | "artifacts" | "size";

export interface RepositoryQuery {
  /** A substring of the name (case-insensitive). */
  readonly q?: string;
  /** Only repositories of this project (the name's first component). */
  readonly project?: string;
  readonly sort?: RepositorySort;
  readonly order?: "asc" | "desc";
  /** 1-based. */
  readonly page: number;
  readonly perPage: number;
  /** Keeps only what the caller may see (accounts mode: what it may pull). */
  readonly visible?: (names: string[]) => Promise<string[]> | string[];
}

/** A manifest of a repository, without its bytes, as the artifact list reads it. */
export interface ManifestRow {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly subject: string | null;
  readonly size: number;
  readonly pushedAt: number;
  readonly pushedBy: string | null;
  readonly tags: string[];
  /** Whether an index of the same repository lists it. */
  readonly isChild: boolean;
}

/** How long every repository's figures (the sorts by size, update, artifacts) are reused. */
const STATS_TTL_MS = 5_000;

/** cosign's tag scheme for the signatures, attestations and SBOMs of a digest (`sha256-<hex>.sig`). */
export const COSIGN_TAG = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/;

/**
 * Read-only views for the web console and scripts: the repository list with its counts (searched,
 * sorted, paged on the server) and a repository's manifests with their tags. A page of repositories
 * sorted by name is paged by the database when the caller sees everything, and counted with grouped
 * queries over that page's ids; the other sorts need every repository's figures, read in grouped
 * queries (no query per row) and reused for a few seconds.
 */
export class BrowseService {
  private cached: { at: number; stats: Promise<Map<number, Stats>> } | undefined;

  constructor(private readonly ctx: RegistryContext) {}

  async repositories(query: RepositoryQuery): Promise<{ total: number; items: RepositorySummary[] }> {
    let select = this.ctx.db
      .selectFrom("repositories as r")
      .select(["r.id", "r.name"])
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("manifests as m").select(sql`1`.as("one")).whereRef("m.repository_id", "=", "r.id"),
        ),
      );
    if (query.project !== undefined && query.project !== "") {
      const prefix = `${escapeLike(query.project)}/%`;
      select = select.where(sql<boolean>`(r.name = ${query.project} or r.name like ${prefix} escape '\\')`);
    }
    if (query.q !== undefined && query.q !== "") {
      const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
      select = select.where(sql<boolean>`lower(r.name) like ${pattern} escape '\\'`);
    }
    const sort = query.sort ?? "name";
    const descending = query.order === "desc";
    const start = (query.page - 1) * query.perPage;
    if (sort === "name" && !query.visible) {
      // Everything is visible: the database pages, and only the page's figures are read.
      const [count, page] = await Promise.all([
        select
          .clearSelect()
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst(),
        select
          .orderBy("r.name", descending ? "desc" : "asc")
          .limit(query.perPage)
          .offset(start)
          .execute(),
      ]);
      const stats = await this.stats(page.map((r) => r.id));
      return { total: Number(count?.n ?? 0), items: page.map((r) => summary(r, stats)) };
    }
    const rows = await select.orderBy("r.name").execute();
    const shown = query.visible ? new Set(await query.visible(rows.map((r) => r.name))) : undefined;
    const repositories = shown ? rows.filter((r) => shown.has(r.name)) : rows;
    if (sort === "name") {
      const ordered = descending ? [...repositories].reverse() : repositories;
      const page = ordered.slice(start, start + query.perPage);
      const stats = await this.stats(page.map((r) => r.id));
      return { total: repositories.length, items: page.map((r) => summary(r, stats)) };
    }
    const stats = await this.allStats();
    const key = (s: RepositorySummary): number =>
      sort === "updated" ? s.updatedAt : sort === "artifacts" ? s.artifactCount : s.size;
    const all = repositories.map((r) => summary(r, stats));
    all.sort((a, b) => (descending ? key(b) - key(a) : key(a) - key(b)) || (a.name < b.name ? -1 : 1));
    return { total: all.length, items: all.slice(start, start + query.perPage) };
  }

  /**
   * Every repository's figures, for the sorts by them: four grouped queries over the whole tables, so
   * kept for STATS_TTL_MS (one computation shared by the requests that arrive meanwhile). A list sorted
   * by name always reads its page's figures fresh.
   */
  private allStats(): Promise<Map<number, Stats>> {
    const now = this.ctx.now();
    if (this.cached && now - this.cached.at < STATS_TTL_MS) return this.cached.stats;
    const stats = this.stats(undefined);
    this.cached = { at: now, stats };
    stats.catch(() => {
      if (this.cached?.stats === stats) this.cached = undefined;
    });
    return stats;
  }

  /** Counts per repository id, for `ids` or (undefined) every repository. */
  private async stats(ids: number[] | undefined): Promise<Map<number, Stats>> {
    const out = new Map<number, Stats>();
    if (ids !== undefined && ids.length === 0) return out;
    const entry = (id: number): Stats => {
      let s = out.get(id);
      if (!s) {
        s = { tags: 0, artifacts: 0, size: 0, updatedAt: 0 };
        out.set(id, s);
      }
      return s;
    };
    const db = this.ctx.db;
    // Chunks keep a long id list under every dialect's bound-parameter limit.
    for (const chunk of ids === undefined ? [undefined] : chunks(ids, 900)) {
      const tags = await db
        .selectFrom("tags")
        .select((eb) => [
          "repository_id",
          eb.fn.countAll<number>().as("n"),
          eb.fn.max<number>("updated_at").as("latest"),
        ])
        .$if(chunk !== undefined, (q) => q.where("repository_id", "in", chunk!))
        .groupBy("repository_id")
        .execute();
      for (const row of tags) {
        const s = entry(row.repository_id);
        s.tags = Number(row.n);
        s.updatedAt = Math.max(s.updatedAt, Number(row.latest));
      }
      const manifests = await db
        .selectFrom("manifests as m")
        .select((eb) => [
          "m.repository_id",
          eb.fn.sum<number>("m.size").as("bytes"),
          eb.fn.max<number>("m.created_at").as("latest"),
          eb.fn
            .sum<number>(
              sql<number>`case when m.subject_digest is null and not exists (select 1 from manifest_refs c where c.repository_id = m.repository_id and c.child_digest = m.digest and c.kind = 'manifest') and not exists (select 1 from tags t where t.repository_id = m.repository_id and t.manifest_digest = m.digest and t.name like 'sha256-%') then 1 else 0 end`,
            )
            .as("artifacts"),
        ])
        .$if(chunk !== undefined, (q) => q.where("m.repository_id", "in", chunk!))
        .groupBy("m.repository_id")
        .execute();
      for (const row of manifests) {
        const s = entry(row.repository_id);
        s.size += Number(row.bytes);
        s.artifacts = Number(row.artifacts);
        s.updatedAt = Math.max(s.updatedAt, Number(row.latest));
      }
      const blobs = await db
        .selectFrom("repository_blobs as rb")
        .innerJoin("blobs as b", "b.digest", "rb.digest")
        .select((eb) => ["rb.repository_id", eb.fn.sum<number>("b.size").as("bytes")])
        .$if(chunk !== undefined, (q) => q.where("rb.repository_id", "in", chunk!))
        .groupBy("rb.repository_id")
        .execute();
      for (const row of blobs) entry(row.repository_id).size += Number(row.bytes);
    }
    return out;
  }

  /** Every manifest of `repository` (no bytes) with its tags, newest first. */
  async manifests(repository: string): Promise<ManifestRow[]> {
    const repositoryId = await this.ctx.repositories.require(repository);
    const [rows, tags, children] = await Promise.all([
      this.ctx.db
        .selectFrom("manifests")
        .select([
          "digest",
          "media_type",
          "artifact_type",
          "subject_digest",
          "size",
          "created_at",
          "pushed_by",
        ])
        .where("repository_id", "=", repositoryId)
        .orderBy("created_at", "desc")
        .orderBy("digest")
        .execute(),
      this.ctx.db
        .selectFrom("tags")
        .select(["name", "manifest_digest"])
        .where("repository_id", "=", repositoryId)
        .orderBy("name")
        .execute(),
      this.ctx.db
        .selectFrom("manifest_refs")
        .select("child_digest")
        .distinct()
        .where("repository_id", "=", repositoryId)
        .where("kind", "=", "manifest")
        .execute(),
    ]);
    if (rows.length === 0) {
      throw new RegistryError("NAME_UNKNOWN", `repository ${repository} holds no manifests`);
    }
    const byDigest = new Map<string, string[]>();
    for (const tag of tags) {
      const list = byDigest.get(tag.manifest_digest) ?? [];
      list.push(tag.name);
      byDigest.set(tag.manifest_digest, list);
    }
    const childSet = new Set(children.map((c) => c.child_digest));
    return rows.map((row) => ({
      digest: row.digest,
      mediaType: row.media_type,
      artifactType: row.artifact_type,
      subject: row.subject_digest,
      size: Number(row.size),
      pushedAt: Number(row.created_at),
      pushedBy: row.pushed_by,
      tags: byDigest.get(row.digest) ?? [],
      isChild: childSet.has(row.digest),
    }));
  }

  /** The bytes of several manifests of one repository, in one query (absent digests are left out). */
  async contents(repository: string, digests: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (digests.length === 0) return out;
    const repositoryId = await this.ctx.repositories.require(repository);
    for (const chunk of chunks([...new Set(digests)], 900)) {
      const rows = await this.ctx.db
        .selectFrom("manifests")
        .select(["digest", "content"])
        .where("repository_id", "=", repositoryId)
        .where("digest", "in", chunk)
        .execute();
      for (const row of rows) out.set(row.digest, Buffer.from(row.content));
    }
    return out;
  }
}

interface Stats {
  tags: number;
  artifacts: number;
  size: number;
  updatedAt: number;
}

function summary(row: { id: number; name: string }, stats: Map<number, Stats>): RepositorySummary {
  const s = stats.get(row.id);
  return {
    name: row.name,
    tagCount: s?.tags ?? 0,
    artifactCount: s?.artifacts ?? 0,
    size: s?.size ?? 0,
    updatedAt: s?.updatedAt ?? 0,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
