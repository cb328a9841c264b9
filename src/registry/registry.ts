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
import { UploadService } from "./uploads.js";

export interface RegistryDependencies {
  readonly database: Database;
  readonly store: StorageDriver;
  readonly events?: EventSink;
  readonly hooks?: RegistryHooks;
  readonly options?: Partial<RegistryOptions>;
  /** The clock, replaceable in tests. */
  readonly now?: () => number;
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
      options: this.options,
      repositories: new RepositoryIndex(deps.database.db),
      blobSizes: new BlobSizeCache(),
      now: deps.now ?? Date.now,
    };
    this.blobs = new BlobService(this.ctx);
    this.uploads = new UploadService(this.ctx);
    this.manifests = new ManifestService(this.ctx);
    this.discovery = new DiscoveryService(this.ctx);
    this.browse = new BrowseService(this.ctx);
  }

  collectGarbage(options?: GcOptions): Promise<GcReport> {
    return collectGarbage(this.ctx, options);
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
