import type { Logger } from "pino";
import { sealSecret, unsealSecret } from "../../core/index.js";
import { type Descriptor, RegistryClient } from "../../oci/index.js";
import type { Actor, EventBus, Registry, RegistryEvent } from "../../registry/index.js";
import {
  compileFilters,
  isArtifactTag,
  localEndpoint,
  type RegistryEndpoint,
  ReplicationError,
  type RunScope,
  remoteEndpoint,
  replicate,
} from "../../replication/index.js";
import type { ReplicationMetrics } from "./metrics.js";
import {
  type ReplicationRule,
  type ReplicationRun,
  ReplicationStore,
  type RuleFields,
  type RunTrigger,
} from "./store.js";

/** Actors of replicated writes start with this: their events never trigger a rule (no loops). */
export const REPLICATION_ACTOR_PREFIX = "replication:";
const REMOTE = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;
const MIN_INTERVAL_MS = 60_000;

export interface ReplicationServiceOptions {
  readonly store: ReplicationStore;
  readonly registry: Registry;
  readonly events: EventBus;
  /** The key-encryption key (auth.keyFile) that seals the remotes' secrets. */
  readonly kek: Buffer;
  readonly metrics: ReplicationMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often the schedule looks at the rules (15 s); tests shorten it. */
  readonly scheduleTickMs?: number;
}

/** A rule's fields with the remote's secret in the clear (sealed before it is stored). */
export interface RuleInput extends RuleFields {
  readonly secret?: string | null;
}

/**
 * Replication rules and their runs: CRUD (the secret sealed, never returned), runs now, on a schedule
 * and on push events. Runs of one rule never overlap (a rule's runs are chained); every artifact's
 * result is written as it is decided, so a run cut short keeps its history and a rerun resumes.
 */
export class ReplicationService {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: ReplicationServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  get metrics(): ReplicationMetrics {
    return this.options.metrics;
  }

  get store(): ReplicationStore {
    return this.options.store;
  }

  list(): Promise<ReplicationRule[]> {
    return this.store.list();
  }

  async get(idOrName: string): Promise<ReplicationRule> {
    const rule = await this.store.get(idOrName);
    if (!rule) throw new ReplicationError("NOT_FOUND", `no replication rule ${JSON.stringify(idOrName)}`);
    return rule;
  }

  async create(input: RuleInput, by: string): Promise<ReplicationRule> {
    checkRule(input);
    if (await this.store.get(input.name)) {
      throw new ReplicationError("CONFLICT", `a replication rule named ${JSON.stringify(input.name)} exists`);
    }
    const id = ReplicationStore.newId();
    const sealed = input.secret ? this.seal(id, input.secret) : null;
    return this.store.create(id, input, sealed, by, this.now());
  }

  async update(idOrName: string, input: RuleInput): Promise<ReplicationRule> {
    const rule = await this.get(idOrName);
    checkRule(input);
    const other = await this.store.get(input.name);
    if (other && other.id !== rule.id) {
      throw new ReplicationError("CONFLICT", `a replication rule named ${JSON.stringify(input.name)} exists`);
    }
    const sealed =
      input.secret === undefined ? undefined : input.secret ? this.seal(rule.id, input.secret) : null;
    return (await this.store.update(rule.id, input, sealed, this.now()))!;
  }

  async delete(idOrName: string): Promise<void> {
    const rule = await this.get(idOrName);
    await this.store.delete(rule.id);
  }

  /** Runs the rule now over everything it matches; resolves with the finished run. */
  async runNow(idOrName: string, trigger: RunTrigger = "manual"): Promise<ReplicationRun> {
    const rule = await this.get(idOrName);
    const run = this.enqueue(rule, trigger, { kind: "all" });
    this.track(run);
    return run;
  }

  /**
   * Follows the registry's events for push rules; returns the unsubscribe function. Rules are read
   * from the store at each event, so changes through the API apply without a restart.
   */
  listen(): () => void {
    return this.options.events.on("*", (event) => this.onEvent(event));
  }

  /**
   * Starts the schedules (and closes runs a restart interrupted); returns the stop function. A rule is
   * due an interval after it was created or last claimed; the claim is in the database, so with several
   * replicas each due run happens on one of them, and a restart neither skips nor repeats one.
   */
  start(): () => void {
    this.store.closeInterrupted(this.now()).then(
      (n) => n > 0 && this.options.logger.warn({ runs: n }, "replication runs interrupted by a restart"),
      (err) => this.options.logger.error({ err }, "closing interrupted replication runs failed"),
    );
    const tick = async () => {
      for (const rule of await this.store.claimDue(this.now())) {
        this.track(this.enqueue(rule, "schedule", { kind: "all" }));
      }
    };
    const timer = setInterval(() => {
      tick().catch((err) => this.options.logger.error({ err }, "replication schedule failed"));
    }, this.options.scheduleTickMs ?? SCHEDULE_TICK_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** No run in progress or waiting in this process. */
  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  /** Resolves when every run started by events and schedules has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private onEvent(event: RegistryEvent): void {
    const scope = scopeOf(event);
    if (scope === undefined) return;
    // Writes made by replication itself never trigger it: what a rule brought in is not sent back out.
    if (event.actor.subject.startsWith(REPLICATION_ACTOR_PREFIX)) return;
    this.track(
      (async () => {
        for (const rule of await this.store.list()) {
          if (rule.enabled && rule.onPush && rule.direction === "push" && concerns(rule, scope)) {
            await this.enqueue(rule, "event", scope);
          }
        }
      })(),
    );
  }

  private track(work: Promise<unknown>): void {
    const done = work.catch((err) => this.options.logger.error({ err }, "replication run failed"));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private enqueue(rule: ReplicationRule, trigger: RunTrigger, scope: RunScope): Promise<ReplicationRun> {
    const previous = this.chains.get(rule.id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.execute(rule, trigger, scope));
    this.chains.set(rule.id, next);
    void next
      .finally(() => {
        if (this.chains.get(rule.id) === next) this.chains.delete(rule.id);
      })
      .catch(() => {});
    return next;
  }

  private async execute(
    rule: ReplicationRule,
    trigger: RunTrigger,
    scope: RunScope,
  ): Promise<ReplicationRun> {
    const { metrics, store } = this.options;
    const runId = await store.startRun(rule.id, trigger, this.now());
    metrics.running.inc();
    let summary = { copied: 0, present: 0, skipped: 0, deleted: 0, failed: 0, bytes: 0 };
    let error: string | null = null;
    try {
      const actor: Actor = { subject: `${REPLICATION_ACTOR_PREFIX}${rule.name}`, kind: "system" };
      const local = localEndpoint(this.options.registry, actor);
      const remote = await this.remote(rule);
      const [source, destination]: [RegistryEndpoint, RegistryEndpoint] =
        rule.direction === "push" ? [local, remote] : [remote, local];
      summary = await replicate({
        source,
        destination,
        filters: compileFilters({
          repositories: rule.repositories,
          tags: rule.tags,
          signedOnly: rule.signedOnly,
          destinationNamespace: rule.destinationNamespace,
        }),
        deletion: rule.deletion,
        scope,
        skipReferrer: siteScanSbom,
        onResult: async (result) => {
          metrics.artifacts.inc({ direction: rule.direction, outcome: result.outcome });
          if (result.bytes > 0) metrics.bytes.inc({ direction: rule.direction }, result.bytes);
          await store.addResult(runId, result);
        },
      });
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
      this.options.logger.warn({ err, rule: rule.name }, "replication run stopped");
    } finally {
      metrics.running.dec();
    }
    await store.finishRun(runId, summary, error, this.now());
    const run = (await store.run(runId))!;
    metrics.runs.inc({ direction: rule.direction, trigger, state: run.state });
    return run;
  }

  private async remote(rule: ReplicationRule): Promise<RegistryEndpoint> {
    const sealed = await this.store.sealedSecret(rule.id);
    const secret = sealed ? unsealSecret(this.options.kek, sealContext(rule.id), sealed) : undefined;
    if (sealed && secret === undefined) {
      throw new ReplicationError(
        "REPLICATION_FAILED",
        "the rule's secret does not open with this auth.keyFile",
      );
    }
    const client = new RegistryClient({
      registry: rule.registry,
      insecure: rule.insecure,
      userAgent: `portcullis-replication (${rule.direction})`,
      ...(rule.username && secret
        ? { credentials: { username: rule.username, password: secret.toString("utf8") } }
        : {}),
    });
    return remoteEndpoint(client);
  }

  private seal(id: string, secret: string): string {
    return sealSecret(this.options.kek, sealContext(id), Buffer.from(secret, "utf8"));
  }
}

/** How often the schedule looks at the rules; each rule runs when its own interval has passed. */
const SCHEDULE_TICK_MS = 15_000;

/**
 * The SBOM referrers scan on push attaches are this site's own findings (its scanner, its advisory
 * data): not replicated, since the far Portcullis scans what arrives and attaches its own, and sending
 * each site's SBOMs to the other would make two sites trade ever more of them.
 */
function siteScanSbom(referrer: Descriptor): boolean {
  return referrer.annotations?.["dev.portcullis.sbom.generator"] !== undefined;
}

function sealContext(id: string): string {
  return `replication-secret:${id}`;
}

/** What an event asks of push rules, if anything. */
function scopeOf(event: RegistryEvent): RunScope | undefined {
  switch (event.type) {
    case "manifest.pushed": {
      // A tagged image is followed by its tag.changed events (one per tag).
      if (event.tags.some((t) => !isArtifactTag(t))) return undefined;
      // A cosign signature, attestation or referrer pushed after its image: follow its subject.
      const cosign = event.tags
        .map((t) => /^(sha256|sha512)-([0-9a-f]+)\.(sig|att|sbom)$/.exec(t))
        .find(Boolean);
      if (cosign)
        return { kind: "subject", repository: event.repository, digest: `${cosign[1]}:${cosign[2]}` };
      if (event.subject) return { kind: "subject", repository: event.repository, digest: event.subject };
      return undefined;
    }
    case "tag.changed":
      if (isArtifactTag(event.tag) || event.from === event.to) return undefined;
      if (event.to !== null) return { kind: "tag", repository: event.repository, tag: event.tag };
      return event.from !== null
        ? { kind: "deleted", repository: event.repository, tag: event.tag, digest: event.from }
        : undefined;
    default:
      return undefined;
  }
}

/** Whether an event's scope is the rule's business: no run (and no empty history row) otherwise. */
function concerns(rule: ReplicationRule, scope: RunScope): boolean {
  if (scope.kind === "all") return true;
  const filters = compileFilters({
    repositories: rule.repositories,
    tags: rule.tags,
    signedOnly: rule.signedOnly,
    destinationNamespace: rule.destinationNamespace,
  });
  if (!filters.repository(scope.repository)) return false;
  if (scope.kind === "deleted") return rule.deletion && filters.tag(scope.tag);
  return scope.kind !== "tag" || filters.tag(scope.tag);
}

function checkRule(input: RuleInput): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(input.name)) {
    throw new ReplicationError("INVALID_ARGUMENT", "a rule name is 1 to 63 of a-z, 0-9, '.', '_', '-'");
  }
  if (!REMOTE.test(input.registry)) {
    throw new ReplicationError(
      "INVALID_ARGUMENT",
      "registry must be host[:port], as image references write it",
    );
  }
  if (input.intervalMs !== 0 && input.intervalMs < MIN_INTERVAL_MS) {
    throw new ReplicationError(
      "INVALID_ARGUMENT",
      `interval must be 0 (none) or at least ${MIN_INTERVAL_MS / 1000} s`,
    );
  }
  if ((input.secret && !input.username) || (input.username && input.username.length > 255)) {
    throw new ReplicationError("INVALID_ARGUMENT", "a secret needs a username (at most 255 characters)");
  }
  if (input.secret && input.secret.length > 4096) {
    throw new ReplicationError("INVALID_ARGUMENT", "secret is longer than 4096 characters");
  }
  compileFilters({
    repositories: input.repositories,
    tags: input.tags,
    signedOnly: input.signedOnly,
    destinationNamespace: input.destinationNamespace,
  });
}
