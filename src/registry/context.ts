import type { Kysely } from "kysely";
import { LRUCache } from "lru-cache";
import type { DialectName, Schema, StorageDriver } from "../storage/index.js";
import { RegistryError } from "./errors.js";
import type { EventSink } from "./events.js";
import type { RegistryHooks } from "./hooks.js";
import type { PullRecorder } from "./pulls.js";
import type { StorageRules } from "./rules.js";

export interface RegistryOptions {
  /** Whether DELETE of manifests, tags and blobs is allowed (405 UNSUPPORTED otherwise). */
  readonly deletion: boolean;
  /** Largest manifest accepted, in bytes. */
  readonly maxManifestBytes: number;
  /** An upload untouched for this long is expired by garbage collection. */
  readonly uploadExpiryMs: number;
  /** Unreferenced blobs younger than this are never collected (they may belong to a push in flight). */
  readonly gcGracePeriodMs: number;
}

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = {
  deletion: true,
  maxManifestBytes: 4 * 1024 * 1024,
  uploadExpiryMs: 24 * 3_600_000,
  gcGracePeriodMs: 3_600_000,
};

/** What every registry service shares. */
export interface RegistryContext {
  readonly db: Kysely<Schema>;
  readonly dialect: DialectName;
  readonly store: StorageDriver;
  readonly events: EventSink;
  readonly hooks: RegistryHooks;
  /** Each project's quota and immutable tags (app/ reads them from the project settings). */
  readonly rules: StorageRules;
  readonly options: RegistryOptions;
  readonly repositories: RepositoryIndex;
  readonly blobSizes: BlobSizeCache;
  /** Notes pulls for `manifests.last_pulled_at`, written in the background. */
  readonly pulls: PullRecorder;
  now(): number;
}

/**
 * Sizes of blobs by digest. A digest names its content, so its size never changes: entries are right
 * on every replica for ever (no TTL), and the cache only saves the manifest push a query (bounded by
 * lru-cache, least recently used out).
 */
export class BlobSizeCache {
  private readonly sizes: LRUCache<string, number>;

  constructor(max = 50_000) {
    this.sizes = new LRUCache({ max });
  }

  get(digest: string): number | undefined {
    return this.sizes.get(digest);
  }

  set(digest: string, size: number): void {
    this.sizes.set(digest, size);
  }
}

/**
 * Repository name to id. Ids never change and repositories are never renamed, so positive
 * lookups are cached for the life of the process (safe with several replicas).
 */
export class RepositoryIndex {
  private readonly ids = new Map<string, number>();

  constructor(private readonly db: Kysely<Schema>) {}

  async find(name: string): Promise<number | undefined> {
    const cached = this.ids.get(name);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom("repositories")
      .select("id")
      .where("name", "=", name)
      .executeTakeFirst();
    if (row) this.ids.set(name, row.id);
    return row?.id;
  }

  async require(name: string): Promise<number> {
    const id = await this.find(name);
    if (id === undefined)
      throw new RegistryError("NAME_UNKNOWN", `repository ${name} is not known to this registry`);
    return id;
  }

  async ensure(name: string, now: number): Promise<number> {
    const existing = await this.find(name);
    if (existing !== undefined) return existing;
    await this.db
      .insertInto("repositories")
      .values({ name, created_at: now })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    return this.require(name);
  }
}
