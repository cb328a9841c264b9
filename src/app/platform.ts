import { join } from "node:path";
import pino, { type Logger } from "pino";
import type { AuditLog, EventRecord } from "../audit/index.js";
import { AnonymousAccess, type Authenticator, type Authorizer, projectOf } from "../auth/index.js";
import { InProcessQueue, type JobQueue, PostgresQueue } from "../jobs/index.js";
import type { PullThroughCache } from "../proxy/index.js";
import { EventBus, Registry, RegistryError } from "../registry/index.js";
import {
  type Database,
  drivers,
  type InvalidationBus,
  openInvalidationBus,
  type StorageDriver,
} from "../storage/index.js";
import { AuditCheckpointWriter } from "./audit-checkpoints.js";
import type { ResolvedConfig } from "./config.js";
import { followRegistryPolicy } from "./gates/assemble.js";
import type { DecisionRecorder } from "./gates/audit.js";
import type { CertifiedPolicies } from "./gates/certified.js";
import { type LibraryOutcome, PolicyLibrary } from "./gates/policy-library.js";
import { registryGateHooks } from "./gates/registry-gates.js";
import { inProcessRegistryReader } from "./gates/registry-reader.js";
import { logReload } from "./gates/reloadable-policy.js";
import { storedOccurrenceSource } from "./grafeas/source.js";
import { OccurrenceStore } from "./grafeas/store.js";
import { createIdentity, type IdentityServices, readOrCreateKek } from "./identity/services.js";
import { pullPolicyAnchors } from "./images/anchors.js";
import { ImageInsights } from "./images/insights.js";
import {
  type NotificationSources,
  Notifications,
  notificationSources,
  SecretBox,
  WebhookStore,
} from "./notifications/index.js";
import { type PolicyCatalog, type PolicySlot, policyCatalog } from "./policies.js";
import { ProxyCredentials, pullThroughCache } from "./proxy.js";
import { recordBuilds } from "./record-builds.js";
import { recordRegistryEvents, recordScans } from "./record-events.js";
import { recordUpkeep, UPKEEP_INTERVAL_MS } from "./record-upkeep.js";
import { gateRecords, openPlatformDatabase, openRecord } from "./records.js";
import { shareChanges } from "./replicas.js";
import { ReplicationMetrics, ReplicationService, ReplicationStore } from "./replication/index.js";
import { type ProjectRetention, projectRetention } from "./retention.js";
import { RuntimeIngest } from "./runtime-ingest.js";
import { ScanOnPush, type ScanStore } from "./scanning/index.js";
import { ProjectSettingsRules } from "./storage-rules.js";
import { readServerTrustedRoot } from "./trusted-root.js";

/** Every service, built top to bottom from one resolved configuration. */
export interface Platform {
  readonly config: ResolvedConfig;
  /** The running release (`dev` when built from a checkout without one). */
  readonly version: string;
  readonly logger: Logger;
  readonly database: Database;
  /** Tells the other replicas on the same PostgreSQL what to forget (a no-op on SQLite). */
  readonly invalidation: InvalidationBus;
  readonly store: StorageDriver;
  readonly events: EventBus;
  readonly registry: Registry;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  /** Accounts, grants and the token service (`auth.mode: accounts`); absent in anonymous mode. */
  readonly identity?: IdentityServices;
  /** Projects' retention rules (accounts mode: projects exist only there). */
  readonly retention?: ProjectRetention;
  readonly queue: JobQueue;
  /** Scan reports by digest (scan on push). */
  readonly scans: ScanStore;
  /** The append-only, hash-chained log of gate decisions. */
  readonly audit: AuditLog;
  /**
   * The one record of every event (issue 15): a Merkle log with signed checkpoints, its key sealed
   * with `auth.keyFile` (created in anonymous mode too).
   */
  readonly record: EventRecord;
  /** Falco alerts and Kubernetes audit events into the record, tied to digests (runtime-ingest.ts). */
  readonly runtime: RuntimeIngest;
  /** HOST:PORT as the registry gates write it in the images they record (`host/repository@digest`). */
  readonly registryHost: string;
  /** Records a gate decision in `audit` (registry gates; admission and CI may use it too). */
  readonly recorder: DecisionRecorder;
  /** The scan-on-push service, when `scan.onPush` is on. */
  readonly scanner?: ScanOnPush;
  /** Every policy the server has loaded (the registry gates' and named ones), to list and try. */
  readonly policies: PolicyCatalog;
  /** What the console shows of repositories and images (signatures checked against the pull policy's keys). */
  readonly images: ImageInsights;
  /** Projects' webhooks (accounts mode: projects exist only there). */
  readonly notifications?: Notifications;
  /** Replication rules between sites: CRUD, runs on push, on a schedule and on request (app/replication). */
  readonly replication: ReplicationService;
  /** Where notices come from; `runtimeAlert` is the hook runtime ingestion calls. */
  readonly notices?: NotificationSources;
  /** The pull-through cache of proxy projects (accounts mode: projects exist only there). */
  readonly proxy?: PullThroughCache;
  /** Proxy projects' upstream passwords, sealed (set through the projects API, never read back). */
  readonly proxyCredentials?: ProxyCredentials;
  /**
   * Starts background work (online garbage collection, audit checkpoints); returns a function that stops
   * it. `close` then writes the last audit checkpoint.
   */
  startBackgroundJobs(): () => void;
  /** Looks for changes to the registry's policy files now (SIGHUP), as the background job does. */
  reloadPolicies(): void;
  /**
   * The names of the policies `policy.library` holds now, sorted: what a project's `certifiedPolicy`
   * may name (empty without a library).
   */
  namedPolicies(): readonly string[];
  close(): Promise<void>;
}

export interface PlatformOptions {
  readonly logger?: Logger;
  /** An already open metadata database to use instead of opening `config.database.url` (tests). */
  readonly database?: Database;
  /** Recorded in generated SBOMs. */
  readonly version?: string;
  /**
   * How often accounts mode reads the token signing keys again (30 s): how soon a key rotated on
   * another replica is used here. Tests of replicas shorten it rather than wait.
   */
  readonly keyRecheckMs?: number;
  /**
   * Whether this process runs the shared background jobs on PostgreSQL (default true: `serve`). A short
   * command (`gc`, `admin`) only queues: it must not take a server's scan and then wait for it to exit.
   */
  readonly takeSharedJobs?: boolean;
}

export async function createPlatform(
  config: ResolvedConfig,
  options: PlatformOptions = {},
): Promise<Platform> {
  const logger = options.logger ?? pino({ level: config.log.level });
  const store: StorageDriver = drivers[config.storage.driver]({
    root: join(config.storage.dataDir, "storage"),
    fsync: config.storage.fsync,
    ...(config.storage.s3 ? { s3: config.storage.s3 } : {}),
  });
  const database = options.database ?? (await openPlatformDatabase(config));
  const events = new EventBus((err, event) =>
    logger.error({ err, event: event.type }, "event listener failed"),
  );
  const record = await openRecord(config, database);
  const { audit, recorder: auditRecorder, scans, scanSource } = gateRecords(database, record);
  // The decision chain's rows not yet in the record (all of them, the first time), in the background:
  // a large log must not hold up startup, and a repeat run adds nothing.
  const backfill = audit.backfillRecord().then(
    (n) => n > 0 && logger.info({ decisions: n }, "decisions added to the record"),
    (err) => logger.error({ err }, "adding decisions to the record failed"),
  );
  const checkpoints = config.audit.checkpointFile
    ? new AuditCheckpointWriter({
        audit,
        file: config.audit.checkpointFile,
        intervalMs: config.audit.checkpointIntervalMs,
        logger,
      })
    : undefined;
  // Read before anything listens: a trusted root that does not load stops startup (trusted-root.ts).
  const trustedRoot = readServerTrustedRoot(config.trust.trustedRoot);
  // Policy files are loaded now (a broken one stops `serve` with its message, not the first push) and
  // then followed: a change that loads decides the next requests, one that does not is refused.
  const pushPolicy = config.policy.push ? followRegistryPolicy(config.policy.push) : undefined;
  const pullPolicy = config.policy.pull ? followRegistryPolicy(config.policy.pull) : undefined;
  const library = config.policy.library ? new PolicyLibrary(config.policy.library) : undefined;
  const reloadPolicies = () => {
    for (const [name, policy] of [
      ["policy.push", pushPolicy],
      ["policy.pull", pullPolicy],
    ] as const) {
      if (policy) logReload(logger, policy.check(), policy.policy.digest, { policy: name });
    }
    for (const found of library?.check() ?? []) logLibrary(logger, library!, found);
  };
  const identity =
    config.auth.mode === "accounts"
      ? createIdentity(config, database, logger, audit, {
          ...(options.keyRecheckMs !== undefined ? { keyRecheckMs: options.keyRecheckMs } : {}),
        })
      : undefined;
  // Certified images only: a project's setting, read from the accounts' snapshot (reloaded by revision
  // within a second on every replica, so a request costs a map read), names a policy of the library.
  const certified: CertifiedPolicies | undefined = identity
    ? {
        required: async (repository) =>
          (await identity.access.projectSettings(projectOf(repository)))?.certifiedPolicy,
        named: (name) => library?.get(name),
        names: () => library?.names() ?? [],
      }
    : undefined;
  // Webhooks belong to projects, which exist in accounts mode only. Their delivery is a job on the queue.
  // Other replicas' changes drop what this one remembers (replicas.ts). Opened after everything that
  // refuses a bad configuration: its listening connection would keep a failed start-up's process alive.
  const invalidation = await openInvalidationBus(database, {
    onError: (err, what) => logger.warn({ err }, `${what} failed`),
  });
  const onJobError = (err: unknown, kind: string) =>
    logger.error({ err, job: kind }, "background job failed");
  // On PostgreSQL the jobs are shared: each is taken by one replica, and taken again if that one dies.
  const queue: JobQueue =
    database.dialect === "postgres"
      ? new PostgresQueue(database.db, {
          bus: invalidation,
          onError: onJobError,
          takeJobs: options.takeSharedJobs ?? true,
        })
      : new InProcessQueue(onJobError);
  const registryHost = hostPort(config.server.host, config.server.port);
  const webhookStore = identity ? new WebhookStore(database) : undefined;
  const notifications = webhookStore
    ? new Notifications({
        store: webhookStore,
        secrets: new SecretBox(readOrCreateKek(config.auth.keyFile)),
        queue,
        logger,
        host: registryHost,
      })
    : undefined;
  const notices = notifications
    ? notificationSources({ notifications, events, scans, registryHost, logger })
    : undefined;
  const recorder = notices ? notices.recorder(auditRecorder) : auditRecorder;
  const shared = shareChanges({
    bus: invalidation,
    events,
    scans,
    ...(identity ? { accounts: identity.store, keys: identity.keys } : {}),
    ...(notifications ? { notifications } : {}),
    logger,
  });
  let built: Registry | undefined;
  const hooks =
    pushPolicy || pullPolicy || certified
      ? registryGateHooks({
          registry: () => built!,
          host: registryHost,
          ...(pushPolicy ? { push: () => pushPolicy.current } : {}),
          ...(pullPolicy ? { pull: () => pullPolicy.current } : {}),
          ...(certified ? { certified } : {}),
          scans: scanSource,
          // Outside Grafeas occurrences (the Grafeas API stores them), for the `occurrences` requirement.
          occurrences: storedOccurrenceSource(new OccurrenceStore(database)),
          recorder,
          ...(trustedRoot ? { trustedRoot } : {}),
          cacheTtlMs: config.policy.decisionCacheMs,
          artifactLimits: config.policy.evidence,
          // Signatures, referrers and scans arriving forget the pull verdicts they change, on this
          // replica and, through the invalidation bus, on the others (policy.decisionCache bounds the rest).
          events: shared.gateEvents,
          scanChanges: shared.scanChanges,
          forgetAll: shared.forgetAll,
          warn: (message) => logger.warn(message),
          onError: (err, what) => logger.error({ err }, `${what} failed`),
        })
      : undefined;
  const registry = new Registry({
    database,
    store,
    events,
    ...(hooks ? { hooks } : {}),
    // Quotas and immutable tags are project settings: only accounts mode has projects to hold them.
    ...(identity ? { rules: new ProjectSettingsRules(identity.access) } : {}),
    options: {
      deletion: config.registry.deletion,
      maxManifestBytes: config.registry.maxManifestBytes,
      uploadExpiryMs: config.registry.uploadExpiryMs,
      gcGracePeriodMs: config.registry.gc.gracePeriodMs,
    },
    onError: (err) => logger.error({ err }, "writing pull times failed"),
  });
  built = registry;
  const slots: PolicySlot[] = [];
  for (const [name, kind, followed] of [
    ["push", "registry-push", pushPolicy],
    ["pull", "registry-pull", pullPolicy],
  ] as const) {
    if (!followed) continue;
    slots.push({
      name,
      kind,
      path: followed.policy.file,
      current: () => followed.policy,
      text: () => followed.text,
    });
  }
  const policies = policyCatalog({
    // The named policies of policy.library join as they are added and leave as they are removed.
    slots: () => [...slots, ...(library?.slots() ?? [])],
    registry: () => registry,
    host: registryHost,
    scans: scanSource,
    artifactLimits: config.policy.evidence,
    ...(trustedRoot ? { trustedRoot } : {}),
  });
  const anonymous = new AnonymousAccess();
  const retention = identity
    ? projectRetention({ registry, store: identity.store, record: identity.record, logger })
    : undefined;

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
    anchors: pullPolicyAnchors(pullPolicy ? () => pullPolicy.current : undefined, trustedRoot),
    ...(scanner ? { scanner } : {}),
  });
  const proxyCredentials = identity
    ? new ProxyCredentials(
        database,
        new SecretBox(readOrCreateKek(config.auth.keyFile), "portcullis proxy password"),
      )
    : undefined;
  const proxy =
    identity && proxyCredentials
      ? pullThroughCache({
          config,
          identity,
          registry,
          ...(scanner ? { scans } : {}),
          credentials: proxyCredentials,
          logger,
        })
      : undefined;
  const unsubscribe = scanner ? events.on("manifest.pushed", scanner.onEvent) : () => {};
  const unrecordEvents = recordRegistryEvents(events, record, logger, { signaturesElsewhere: true });
  const unrecordBuilds = recordBuilds({
    events,
    reader: inProcessRegistryReader(() => registry, registryHost),
    host: registryHost,
    anchors: pullPolicyAnchors(pullPolicy ? () => pullPolicy.current : undefined, trustedRoot),
    record,
    logger,
  });
  const unrecordScans = recordScans(scans, record, logger);
  const replication = new ReplicationService({
    store: new ReplicationStore(database),
    registry,
    events,
    kek: readOrCreateKek(config.auth.keyFile),
    metrics: new ReplicationMetrics(),
    logger,
  });
  const unreplicate = replication.listen();

  const upkeep = recordUpkeep({
    config,
    database,
    record,
    ...(webhookStore ? { webhooks: webhookStore } : {}),
    logger,
  });
  let stopForwarding: (() => Promise<void>) | undefined;

  const startBackgroundJobs = () => {
    const stops = [
      every(
        config.registry.gc.intervalMs,
        async () => {
          try {
            const report = await registry.collectGarbage();
            logger.info({ gc: report }, "garbage collection finished");
          } catch (err) {
            // Another replica (or `portcullis gc`) holds the GC lock: its run covers ours.
            if (!(err instanceof RegistryError && err.code === "GC_RUNNING")) throw err;
            logger.info("garbage collection skipped: another one is running");
          }
        },
        (err) => logger.error({ err }, "garbage collection failed"),
      ),
      every(
        config.registry.pullRecordIntervalMs,
        () => registry.flushPulls(),
        (err) => logger.error({ err }, "writing pull times failed"),
      ),
    ];
    if (retention) {
      stops.push(
        every(
          config.registry.retention.intervalMs,
          async () => {
            const outcome = await retention.runAll();
            logger.info({ retention: outcome }, "retention finished");
          },
          (err) => logger.error({ err }, "retention failed"),
          FIRST_RETENTION_MS,
        ),
      );
    }
    if (pushPolicy || pullPolicy || library) {
      stops.push(
        every(
          config.policy.reloadIntervalMs,
          async () => reloadPolicies(),
          (err) => logger.error({ err }, "policy reload failed"),
        ),
      );
    }
    if (notifications) stops.push(notifications.start());
    stops.push(replication.start());
    stopForwarding = upkeep.start();
    stops.push(
      every(
        UPKEEP_INTERVAL_MS,
        async () => {
          const outcome = await upkeep.runRetention();
          if (outcome.recordPruned > 0 || outcome.deliveriesDeleted > 0) {
            logger.info({ retention: outcome }, "record and delivery retention finished");
          }
        },
        (err) => logger.error({ err }, "record and delivery retention failed"),
        FIRST_RETENTION_MS,
      ),
    );
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
    version: options.version ?? "dev",
    logger,
    database,
    invalidation,
    store,
    events,
    registry,
    authenticator: identity?.authenticator ?? anonymous,
    authorizer: identity?.access ?? anonymous,
    ...(identity ? { identity } : {}),
    ...(retention ? { retention } : {}),
    queue,
    scans,
    audit,
    record,
    runtime: new RuntimeIngest({
      record,
      audit,
      registry,
      registryHost,
      ...(notices
        ? {
            onAlert: (alert) =>
              void notices
                .runtimeAlert(alert)
                .catch((err) => logger.error({ err }, "announcing a runtime alert failed")),
          }
        : {}),
    }),
    registryHost,
    recorder,
    ...(scanner ? { scanner } : {}),
    policies,
    images,
    ...(notifications ? { notifications } : {}),
    ...(notices ? { notices } : {}),
    ...(proxy ? { proxy } : {}),
    ...(proxyCredentials ? { proxyCredentials } : {}),
    replication,
    startBackgroundJobs,
    reloadPolicies,
    namedPolicies: () => library?.names() ?? [],
    close: async () => {
      unsubscribe();
      notices?.close();
      unrecordEvents();
      // A provenance being read is written before the record's final head is taken.
      await unrecordBuilds();
      unrecordScans();
      unreplicate();
      // Runs in progress write their results before the database closes.
      await replication.settled();
      await queue.close();
      scanner?.close();
      // Access events still being appended land before the final head is taken.
      await identity?.settled();
      // Pull times noted since the last flush, before the database closes.
      await registry.flushPulls();
      // Events queued for the record are committed before the database closes.
      await backfill;
      await record.settled();
      // Before the database closes (its cursor is stored there); what it had not confirmed is resent.
      await stopForwarding?.();
      // After the server stopped taking requests, before the database closes: the final head.
      await checkpoints?.close();
      shared.close();
      await invalidation.close();
      await database.close();
    },
  };
}

/** Logs what a look at the policy library found for one named policy. */
function logLibrary(logger: Logger, library: PolicyLibrary, found: LibraryOutcome): void {
  const fields = { policy: `policy.library/${found.name}`, file: found.file };
  const { outcome } = found;
  if (outcome.result === "added") {
    logger.info({ ...fields, policyDigest: outcome.policy.digest }, "named policy added");
  } else if (outcome.result === "removed") {
    logger.warn(fields, "named policy removed: projects that name it are refused until it is back");
  } else {
    logReload(logger, outcome, library.get(found.name)?.digest ?? "none", fields);
  }
}

/**
 * Runs `task` every `intervalMs` (never two at once; 0 or less: never), the first time after `firstMs`
 * when given (else after one interval); returns the stop function.
 */
function every(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
  firstMs?: number,
): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  let timer = setInterval(tick, intervalMs);
  timer.unref();
  let first: NodeJS.Timeout | undefined;
  if (firstMs !== undefined && firstMs < intervalMs) {
    clearInterval(timer);
    first = setTimeout(() => {
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    }, firstMs);
    first.unref();
  }
  return () => {
    if (first) clearTimeout(first);
    clearInterval(timer);
  };
}

/**
 * The first scheduled retention run comes this long after `serve` starts, then one every interval: a
 * server restarted more often than `registry.retention.interval` still applies its projects' rules.
 */
const FIRST_RETENTION_MS = 10 * 60_000;

/** HOST:PORT as an image reference writes it (an IPv6 host in brackets). */
function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
