import { join } from "node:path";
import pino, { type Logger } from "pino";
import type { AuditLog } from "../audit/index.js";
import { AnonymousAccess, type Authenticator, type Authorizer } from "../auth/index.js";
import { InProcessQueue, type JobQueue } from "../jobs/index.js";
import { EventBus, Registry } from "../registry/index.js";
import { type Database, drivers, type StorageDriver } from "../storage/index.js";
import { AuditCheckpointWriter } from "./audit-checkpoints.js";
import type { ResolvedConfig } from "./config.js";
import { followRegistryPolicy } from "./gates/assemble.js";
import type { DecisionRecorder } from "./gates/audit.js";
import { registryGateHooks } from "./gates/registry-gates.js";
import { logReload } from "./gates/reloadable-policy.js";
import { createIdentity, type IdentityServices } from "./identity/services.js";
import { pullPolicyAnchors } from "./images/anchors.js";
import { ImageInsights } from "./images/insights.js";
import { gateRecords, openPlatformDatabase } from "./records.js";
import { ScanOnPush, type ScanStore } from "./scanning/index.js";

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
  /** Accounts, grants and the token service (`auth.mode: accounts`); absent in anonymous mode. */
  readonly identity?: IdentityServices;
  readonly queue: JobQueue;
  /** Scan reports by digest (scan on push). */
  readonly scans: ScanStore;
  /** The append-only, hash-chained log of gate decisions. */
  readonly audit: AuditLog;
  /** Records a gate decision in `audit` (registry gates; admission and CI may use it too). */
  readonly recorder: DecisionRecorder;
  /** The scan-on-push service, when `scan.onPush` is on. */
  readonly scanner?: ScanOnPush;
  /** What the console shows of repositories and images (signatures checked against the pull policy's keys). */
  readonly images: ImageInsights;
  /**
   * Starts background work (online garbage collection, audit checkpoints); returns a function that stops
   * it. `close` then writes the last audit checkpoint.
   */
  startBackgroundJobs(): () => void;
  /** Looks for changes to the registry's policy files now (SIGHUP), as the background job does. */
  reloadPolicies(): void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  readonly logger?: Logger;
  /** An already open metadata database to use instead of opening `config.database.url` (tests). */
  readonly database?: Database;
  /** Recorded in generated SBOMs. */
  readonly version?: string;
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
  const database = options.database ?? (await openPlatformDatabase(config));
  const events = new EventBus((err, event) =>
    logger.error({ err, event: event.type }, "event listener failed"),
  );
  const { audit, recorder, scans, scanSource } = gateRecords(database);
  const checkpoints = config.audit.checkpointFile
    ? new AuditCheckpointWriter({
        audit,
        file: config.audit.checkpointFile,
        intervalMs: config.audit.checkpointIntervalMs,
        logger,
      })
    : undefined;
  // Policy files are loaded now (a broken one stops `serve` with its message, not the first push) and
  // then followed: a change that loads decides the next requests, one that does not is refused.
  const pushPolicy = config.policy.push ? followRegistryPolicy(config.policy.push) : undefined;
  const pullPolicy = config.policy.pull ? followRegistryPolicy(config.policy.pull) : undefined;
  const reloadPolicies = () => {
    for (const [name, policy] of [
      ["policy.push", pushPolicy],
      ["policy.pull", pullPolicy],
    ] as const) {
      if (policy) logReload(logger, policy.check(), policy.policy.digest, { policy: name });
    }
  };
  let built: Registry | undefined;
  const hooks =
    pushPolicy || pullPolicy
      ? registryGateHooks({
          registry: () => built!,
          host: hostPort(config.server.host, config.server.port),
          ...(pushPolicy ? { push: () => pushPolicy.current } : {}),
          ...(pullPolicy ? { pull: () => pullPolicy.current } : {}),
          scans: scanSource,
          recorder,
          cacheTtlMs: config.policy.decisionCacheMs,
          artifactLimits: config.policy.evidence,
          // Signatures, referrers and scans arriving forget the pull verdicts they change (this replica;
          // the others' expire after policy.decisionCache).
          events,
          scanChanges: (listener) => scans.onChange(listener),
          warn: (message) => logger.warn(message),
          onError: (err, what) => logger.error({ err }, `${what} failed`),
        })
      : undefined;
  const registry = new Registry({
    database,
    store,
    events,
    ...(hooks ? { hooks } : {}),
    options: {
      deletion: config.registry.deletion,
      maxManifestBytes: config.registry.maxManifestBytes,
      uploadExpiryMs: config.registry.uploadExpiryMs,
      gcGracePeriodMs: config.registry.gc.gracePeriodMs,
    },
  });
  built = registry;
  const identity =
    config.auth.mode === "accounts" ? createIdentity(config, database, logger, audit) : undefined;
  const anonymous = new AnonymousAccess();

  const queue = new InProcessQueue((err, kind) => logger.error({ err, job: kind }, "background job failed"));
  const scanner = config.scan.onPush
    ? new ScanOnPush({
        registry,
        store: scans,
        queue,
        logger,
        advisoryDatabasePath: config.scan.advisoryDatabase,
        concurrency: config.scan.concurrency,
        toolVersion: options.version ?? "dev",
        maxFileBytes: config.scan.maxFileBytes,
      })
    : undefined;
  const images = new ImageInsights({
    registry,
    scans,
    audit,
    host: hostPort(config.server.host, config.server.port),
    anchors: pullPolicyAnchors(pullPolicy ? () => pullPolicy.current : undefined),
    ...(scanner ? { scanner } : {}),
  });
  const unsubscribe = scanner ? events.on("manifest.pushed", scanner.onEvent) : () => {};

  const startBackgroundJobs = () => {
    const stops = [
      every(
        config.registry.gc.intervalMs,
        async () => {
          const report = await registry.collectGarbage();
          logger.info({ gc: report }, "garbage collection finished");
        },
        (err) => logger.error({ err }, "garbage collection failed"),
      ),
    ];
    if (pushPolicy || pullPolicy) {
      stops.push(
        every(
          config.policy.reloadIntervalMs,
          async () => reloadPolicies(),
          (err) => logger.error({ err }, "policy reload failed"),
        ),
      );
    }
    if (checkpoints) {
      checkpoints.start();
      stops.push(() => checkpoints.stop());
    }
    if (scanner) {
      scanner.resume().then(
        (n) => n > 0 && logger.info({ scans: n }, "resumed unfinished scans"),
        (err) => logger.error({ err }, "resuming scans failed"),
      );
      stops.push(
        every(
          config.scan.recheckIntervalMs,
          () => scanner.rematchIfChanged().then(() => {}),
          (err) => logger.error({ err }, "re-matching stored SBOMs failed"),
        ),
      );
    }
    return () => {
      for (const stop of stops) stop();
    };
  };

  return {
    config,
    logger,
    database,
    store,
    events,
    registry,
    authenticator: identity?.authenticator ?? anonymous,
    authorizer: identity?.access ?? anonymous,
    ...(identity ? { identity } : {}),
    queue,
    scans,
    audit,
    recorder,
    ...(scanner ? { scanner } : {}),
    images,
    startBackgroundJobs,
    reloadPolicies,
    close: async () => {
      unsubscribe();
      await queue.close();
      scanner?.close();
      // Access events still being appended land before the final head is taken.
      await identity?.settled();
      // After the server stopped taking requests, before the database closes: the final head.
      await checkpoints?.close();
      await database.close();
    },
  };
}

/** Runs `task` every `intervalMs` (never two at once; 0 or less: never); returns the stop function. */
function every(intervalMs: number, task: () => Promise<void>, onError: (err: unknown) => void): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** HOST:PORT as an image reference writes it (an IPv6 host in brackets). */
function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
