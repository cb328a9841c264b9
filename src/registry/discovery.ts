import { sql } from "kysely";
import type { RegistryContext } from "./context.js";
import { requireDigest } from "./digests.js";
import { RegistryError } from "./errors.js";

export interface Page<T> {
  readonly items: T[];
  /** Set when more items follow: pass it as `last` to get the next page. */
  readonly next?: string;
}

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Largest page a client may ask for; a request for more gets this many and a next link. */
export const MAX_PAGE = 10_000;

/** Tag lists, the catalog and the referrers API: read-only views in lexical order. */
export class DiscoveryService {
  constructor(private readonly ctx: RegistryContext) {}

  async tags(repository: string, options: { n?: number; last?: string }): Promise<Page<string>> {
    const repositoryId = await this.ctx.repositories.require(repository);
    const limit = pageSize(options.n);
    if (limit === 0) return { items: [] };
    let query = this.ctx.db.selectFrom("tags").select("name").where("repository_id", "=", repositoryId);
    if (options.last) query = query.where("name", ">", options.last);
    const rows = await query
      .orderBy("name")
      .limit(limit + 1)
      .execute();
    if (rows.length === 0 && !(await this.holdsManifests(repositoryId))) {
      // A repository only an upload has touched is not in the catalog; Distribution answers
      // NAME_UNKNOWN for its tags (the specification leaves it open), and so do we.
      throw new RegistryError("NAME_UNKNOWN", `repository ${repository} is not known to this registry`);
    }
    return paginate(
      rows.map((r) => r.name),
      limit,
    );
  }

  /**
   * Repositories that hold at least one manifest. `visible` keeps only what the caller may see (the
   * catalog of an accounts-mode registry lists what its caller may pull); a page then reads on until it
   * is full, but at most `maxScanned` names, so a caller who may see little cannot make one request
   * read the whole table: the page ends early with a `next` that resumes where it stopped.
   */
  async catalog(options: {
    n?: number;
    last?: string;
    visible?: (names: string[]) => Promise<string[]>;
    maxScanned?: number;
  }): Promise<Page<string>> {
    const limit = pageSize(options.n);
    if (limit === 0) return { items: [] };
    const batch = options.visible ? Math.max(limit + 1, 500) : limit + 1;
    const maxScanned = options.maxScanned ?? 10_000;
    const items: string[] = [];
    let last = options.last;
    let scanned = 0;
    for (;;) {
      let query = this.ctx.db
        .selectFrom("repositories as r")
        .select("r.name")
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom("manifests as m").select(sql`1`.as("one")).whereRef("m.repository_id", "=", "r.id"),
          ),
        );
      if (last) query = query.where("r.name", ">", last);
      const names = (await query.orderBy("r.name").limit(batch).execute()).map((r) => r.name);
      scanned += names.length;
      const shown = options.visible ? await options.visible(names) : names;
      for (const name of shown) {
        items.push(name);
        if (items.length > limit) return paginate(items, limit);
      }
      if (names.length < batch) return { items };
      last = names[names.length - 1];
      if (scanned >= maxScanned) return { items, next: last };
    }
  }

  /**
   * Manifests whose `subject` is `digest` (distribution spec 1.1, "Listing Referrers"), optionally
   * filtered by artifact type. An unknown repository or subject yields an empty list, as the
   * specification requires.
   */
  async referrers(
    repository: string,
    digest: string,
    options: { artifactType?: string; n?: number; last?: string },
  ): Promise<Page<ReferrerDescriptor>> {
    const subject = requireDigest(digest).value;
    const repositoryId = await this.ctx.repositories.find(repository);
    if (repositoryId === undefined) return { items: [] };
    const limit = pageSize(options.n);
    if (limit === 0) return { items: [] };
    let query = this.ctx.db
      .selectFrom("manifests")
      .select(["digest", "media_type", "artifact_type", "annotations", "size"])
      .where("repository_id", "=", repositoryId)
      .where("subject_digest", "=", subject);
    if (options.artifactType !== undefined) query = query.where("artifact_type", "=", options.artifactType);
    if (options.last) query = query.where("digest", ">", options.last);
    const rows = await query
      .orderBy("digest")
      .limit(limit + 1)
      .execute();
    const items = rows.map((row) => {
      const descriptor: ReferrerDescriptor = {
        mediaType: row.media_type,
        digest: row.digest,
        size: row.size,
      };
      if (row.artifact_type) descriptor.artifactType = row.artifact_type;
      if (row.annotations) descriptor.annotations = JSON.parse(row.annotations) as Record<string, string>;
      return descriptor;
    });
    const page = paginate(items, limit);
    return page.items.length < items.length ? { items: page.items, next: page.items.at(-1)!.digest } : page;
  }

  private async holdsManifests(repositoryId: number): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom("manifests")
      .select("digest")
      .where("repository_id", "=", repositoryId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

/** No `n` means everything, as Distribution answers; an explicit `n` is capped at MAX_PAGE. */
function pageSize(n: number | undefined): number {
  if (n === undefined) return Number.MAX_SAFE_INTEGER - 1;
  if (!Number.isInteger(n) || n < 0) throw new RegistryError("SIZE_INVALID", `invalid page size ${n}`);
  return Math.min(n, MAX_PAGE);
}

function paginate<T>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return typeof last === "string" ? { items, next: last } : { items };
}
