import { join } from "node:path";
import pino, { type Logger } from "pino";
import { AnonymousAccess, type Authenticator, type Authorizer } from "../auth/index.js";
import { EventBus, Registry } from "../registry/index.js";
import { type Database, drivers, openDatabase, type StorageDriver } from "../storage/index.js";
import type { ResolvedConfig } from "./config.js";

/** Every service, built top to bottom from one resolved configuration. */
export interface Platform {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly database: Database;
  readonly store: StorageDriver;
  readonly events: EventBus;
  readonly registry: Registry;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  /** Starts background work (online garbage collection); returns a function that stops it. */
  startBackgroundJobs(): () => void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  readonly logger?: Logger;
  /** An already open metadata database to use instead of opening `config.database.url` (tests). */
  readonly database?: Database;
}

export async function createPlatform(
  config: ResolvedConfig,
  options: PlatformOptions = {},
): Promise<Platform> {
  const logger = options.logger ?? pino({ level: config.log.level });
  const store: StorageDriver = drivers[config.storage.driver]({
    root: join(config.storage.dataDir, "storage"),
    fsync: config.storage.fsync,
  });
  const database =
    options.database ?? (await openDatabase(config.database.url, { poolSize: config.database.poolSize }));
  const events = new EventBus((err, event) =>
    logger.error({ err, event: event.type }, "event listener failed"),
  );
  const registry = new Registry({
    database,
    store,
    events,
    options: {
      deletion: config.registry.deletion,
      maxManifestBytes: config.registry.maxManifestBytes,
      uploadExpiryMs: config.registry.uploadExpiryMs,
      gcGracePeriodMs: config.registry.gc.gracePeriodMs,
    },
  });
  const access = new AnonymousAccess();

  const startBackgroundJobs = () => {
    const interval = config.registry.gc.intervalMs;
    if (interval <= 0) return () => {};
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      registry
        .collectGarbage()
        .then(
          (report) => logger.info({ gc: report }, "garbage collection finished"),
          (err) => logger.error({ err }, "garbage collection failed"),
        )
        .finally(() => {
          running = false;
        });
    }, interval);
    timer.unref();
    return () => clearInterval(timer);
  };

  return {
    config,
    logger,
    database,
    store,
    events,
    registry,
    authenticator: access,
    authorizer: access,
    startBackgroundJobs,
    close: () => database.close(),
  };
}
