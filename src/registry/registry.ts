import type { Database, StorageDriver } from "../storage/index.js";
import { BlobService } from "./blobs.js";
import { BrowseService } from "./browse.js";
import {
  BlobSizeCache,
  DEFAULT_REGISTRY_OPTIONS,
  type RegistryContext,
  type RegistryOptions,
  RepositoryIndex,
} from "./context.js";
import { DiscoveryService } from "./discovery.js";
import type { EventSink } from "./events.js";
import { collectGarbage, type GcOptions, type GcReport } from "./gc.js";
import type { RegistryHooks } from "./hooks.js";
import { ManifestService } from "./manifests.js";
import { PullRecorder, type PullRecorderOptions } from "./pulls.js";
import { RetentionService } from "./retention/service.js";
import { NO_STORAGE_RULES, type StorageRules } from "./rules.js";
import { UploadService } from "./uploads.js";
import { allProjectUsage, projectUsage } from "./usage.js";

export interface RegistryDependencies {
  readonly database: Database;
  readonly store: StorageDriver;
  readonly events?: EventSink;
  readonly hooks?: RegistryHooks;
  /** Projects' quotas and immutable tags; none when absent. */
  readonly rules?: StorageRules;
  readonly options?: Partial<RegistryOptions>;
  /** The clock, replaceable in tests. */
  readonly now?: () => number;
  /** How pull times are coalesced before they are written (registry/pulls.ts). */
  readonly pulls?: Partial<PullRecorderOptions>;
  /** Reports a failure of background work (writing pull times). */
  readonly onError?: (err: unknown) => void;
}

/**
 * The registry: repositories, blobs, uploads, manifests, tags and referrers over a blob store and
 * a metadata database. It knows no HTTP and no policy: `server/` translates requests into these
 * calls, and `app/` plugs gates in through `hooks` and listeners through `events`.
 */
export class Registry {
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly discovery: DiscoveryService;
  /** Projects' retention rules: plans and runs (retention/). */
  readonly retention: RetentionService;
  /** Read-only views for the console: repositories with their counts, manifests with their tags. */
  readonly browse: BrowseService;
  readonly options: RegistryOptions;
  private readonly ctx: RegistryContext;

  constructor(deps: RegistryDependencies) {
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...deps.options };
    this.ctx = {
      db: deps.database.db,
      dialect: deps.database.dialect,
      store: deps.store,
      events: deps.events ?? { emit: () => {} },
      hooks: deps.hooks ?? {},
      rules: deps.rules ?? NO_STORAGE_RULES,
      options: this.options,
      repositories: new RepositoryIndex(deps.database.db),
      blobSizes: new BlobSizeCache(),
      pulls: new PullRecorder(deps.database.db, deps.pulls, deps.onError),
      now: deps.now ?? Date.now,
    };
    this.blobs = new BlobService(this.ctx);
    this.uploads = new UploadService(this.ctx);
    this.manifests = new ManifestService(this.ctx);
    this.discovery = new DiscoveryService(this.ctx);
    this.retention = new RetentionService(this.ctx, this.manifests);
    this.browse = new BrowseService(this.ctx);
  }

  /**
   * Writes the pull times noted since the last flush (`manifests.last_pulled_at`): the platform calls
   * it every few seconds and before the database closes.
   */
  flushPulls(): Promise<void> {
    return this.ctx.pulls.flush();
  }

  collectGarbage(options?: GcOptions): Promise<GcReport> {
    return collectGarbage(this.ctx, options);
  }

  /** Bytes a project's repositories hold: distinct blobs and manifests, each counted once (registry/usage.ts). */
  projectUsage(project: string): Promise<number> {
    return projectUsage(this.ctx.db, project);
  }

  /** Every project's usage in bytes, by project name (projects holding nothing are absent). */
  allProjectUsage(): Promise<Map<string, number>> {
    return allProjectUsage(this.ctx.db);
  }

  /** Bytes held by committed blobs (for the stored-bytes gauge). */
  async storedBytes(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom("blobs")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), eb.lit(0)).as("total"))
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  async openUploads(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom("uploads")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** A cheap query proving the database answers (for /readyz). */
  async ping(): Promise<void> {
    await this.ctx.db.selectFrom("repositories").select("id").limit(1).execute();
  }
}
