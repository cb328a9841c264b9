import { randomBytes } from "node:crypto";
import type { ArtifactResult, RunSummary } from "../../replication/index.js";
import type { Database } from "../../storage/index.js";

export type ReplicationDirection = "push" | "pull";
export type RunTrigger = "manual" | "schedule" | "event";
export type RunState = "running" | "succeeded" | "failed" | "error";

/** A rule as the API shows it: whether it has a secret, never the secret. */
export interface ReplicationRule {
  readonly id: string;
  readonly name: string;
  readonly direction: ReplicationDirection;
  readonly registry: string;
  readonly insecure: boolean;
  readonly username: string | null;
  readonly hasSecret: boolean;
  readonly repositories: readonly string[];
  readonly tags: readonly string[];
  readonly signedOnly: boolean;
  readonly destinationNamespace: string;
  readonly deletion: boolean;
  readonly onPush: boolean;
  readonly intervalMs: number;
  readonly enabled: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The fields a rule is created with or changed by (secret in the clear: the service seals it). */
export interface RuleFields {
  readonly name: string;
  readonly direction: ReplicationDirection;
  readonly registry: string;
  readonly insecure: boolean;
  readonly username: string | null;
  readonly repositories: readonly string[];
  readonly tags: readonly string[];
  readonly signedOnly: boolean;
  readonly destinationNamespace: string;
  readonly deletion: boolean;
  readonly onPush: boolean;
  readonly intervalMs: number;
  readonly enabled: boolean;
}

export interface ReplicationRun extends RunSummary {
  readonly id: number;
  readonly ruleId: string;
  readonly trigger: RunTrigger;
  readonly state: RunState;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly error: string | null;
}

type RuleRow = {
  id: string;
  name: string;
  direction: string;
  registry: string;
  insecure: number;
  username: string | null;
  secret_sealed: string | null;
  repositories: string;
  tags: string;
  signed_only: number;
  destination_namespace: string;
  deletion: number;
  on_push: number;
  interval_ms: number;
  enabled: number;
  created_by: string;
  created_at: number;
  updated_at: number;
};

function ruleOf(row: RuleRow): ReplicationRule {
  return {
    id: row.id,
    name: row.name,
    direction: row.direction as ReplicationDirection,
    registry: row.registry,
    insecure: Boolean(row.insecure),
    username: row.username,
    hasSecret: row.secret_sealed !== null,
    repositories: JSON.parse(row.repositories) as string[],
    tags: JSON.parse(row.tags) as string[],
    signedOnly: Boolean(row.signed_only),
    destinationNamespace: row.destination_namespace,
    deletion: Boolean(row.deletion),
    onPush: Boolean(row.on_push),
    intervalMs: Number(row.interval_ms),
    enabled: Boolean(row.enabled),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function columnsOf(fields: RuleFields) {
  return {
    name: fields.name,
    direction: fields.direction,
    registry: fields.registry,
    insecure: fields.insecure ? 1 : 0,
    username: fields.username,
    repositories: JSON.stringify(fields.repositories),
    tags: JSON.stringify(fields.tags),
    signed_only: fields.signedOnly ? 1 : 0,
    destination_namespace: fields.destinationNamespace,
    deletion: fields.deletion ? 1 : 0,
    on_push: fields.onPush ? 1 : 0,
    interval_ms: fields.intervalMs,
    enabled: fields.enabled ? 1 : 0,
  };
}

type RunRow = {
  id: number;
  rule_id: string;
  trigger: string;
  state: string;
  started_at: number;
  finished_at: number | null;
  copied: number;
  present: number;
  skipped: number;
  deleted: number;
  failed: number;
  bytes: number;
  error: string | null;
};

function runOf(row: RunRow): ReplicationRun {
  return {
    id: Number(row.id),
    ruleId: row.rule_id,
    trigger: row.trigger as RunTrigger,
    state: row.state as RunState,
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    copied: Number(row.copied),
    present: Number(row.present),
    skipped: Number(row.skipped),
    deleted: Number(row.deleted),
    failed: Number(row.failed),
    bytes: Number(row.bytes),
    error: row.error,
  };
}

/** The replication tables (migration 0022): rules, runs and each run's artifacts. */
export class ReplicationStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  static newId(): string {
    return `rr_${randomBytes(8).toString("hex")}`;
  }

  async create(id: string, fields: RuleFields, secretSealed: string | null, by: string, at: number) {
    await this.db
      .insertInto("replication_rules")
      .values({
        id,
        ...columnsOf(fields),
        secret_sealed: secretSealed,
        scheduled_at: at,
        created_by: by,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return (await this.get(id))!;
  }

  async list(): Promise<ReplicationRule[]> {
    const rows = await this.db.selectFrom("replication_rules").selectAll().orderBy("name").execute();
    return rows.map(ruleOf);
  }

  /** By id or by name. */
  async get(idOrName: string): Promise<ReplicationRule | undefined> {
    const row = await this.db
      .selectFrom("replication_rules")
      .selectAll()
      .where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)]))
      .executeTakeFirst();
    return row ? ruleOf(row) : undefined;
  }

  /**
   * Rules whose schedule is due at `now`, each claimed by moving its `scheduled_at` to `now` only if no
   * one moved it since it was read: of several replicas looking at once, exactly one gets each run.
   */
  async claimDue(now: number): Promise<ReplicationRule[]> {
    const due = await this.db
      .selectFrom("replication_rules")
      .select(["id", "scheduled_at", "interval_ms"])
      .where("enabled", "=", 1)
      .where("interval_ms", ">", 0)
      .execute();
    const claimed: ReplicationRule[] = [];
    for (const row of due) {
      const last = Number(row.scheduled_at);
      if (now - last < Number(row.interval_ms)) continue;
      const result = await this.db
        .updateTable("replication_rules")
        .set({ scheduled_at: now })
        .where("id", "=", row.id)
        .where("scheduled_at", "=", last)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        const rule = await this.get(row.id);
        if (rule) claimed.push(rule);
      }
    }
    return claimed;
  }

  async sealedSecret(id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("replication_rules")
      .select("secret_sealed")
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.secret_sealed ?? null;
  }

  /** `secretSealed` undefined keeps the stored one; null removes it. */
  async update(id: string, fields: RuleFields, secretSealed: string | null | undefined, at: number) {
    await this.db
      .updateTable("replication_rules")
      .set({
        ...columnsOf(fields),
        ...(secretSealed !== undefined ? { secret_sealed: secretSealed } : {}),
        updated_at: at,
      })
      .where("id", "=", id)
      .execute();
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("replication_rules").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async startRun(ruleId: string, trigger: RunTrigger, at: number): Promise<number> {
    const row = await this.db
      .insertInto("replication_runs")
      .values({
        rule_id: ruleId,
        trigger,
        state: "running",
        started_at: at,
        finished_at: null,
        copied: 0,
        present: 0,
        skipped: 0,
        deleted: 0,
        failed: 0,
        bytes: 0,
        error: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async addResult(runId: number, result: ArtifactResult): Promise<void> {
    await this.db
      .insertInto("replication_results")
      .values({
        run_id: runId,
        kind: result.kind,
        repository: result.repository,
        reference: result.reference,
        digest: result.digest ?? null,
        outcome: result.outcome,
        bytes: result.bytes,
        detail: result.detail ?? null,
      })
      .execute();
  }

  async finishRun(runId: number, summary: RunSummary, error: string | null, at: number): Promise<void> {
    const state: RunState = error !== null ? "error" : summary.failed > 0 ? "failed" : "succeeded";
    await this.db
      .updateTable("replication_runs")
      .set({ ...summary, state, error, finished_at: at })
      .where("id", "=", runId)
      .execute();
  }

  /** A rule's runs, newest first. */
  async runs(ruleId: string, limit = 50): Promise<ReplicationRun[]> {
    const rows = await this.db
      .selectFrom("replication_runs")
      .selectAll()
      .where("rule_id", "=", ruleId)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(runOf);
  }

  async run(runId: number): Promise<ReplicationRun | undefined> {
    const row = await this.db
      .selectFrom("replication_runs")
      .selectAll()
      .where("id", "=", runId)
      .executeTakeFirst();
    return row ? runOf(row) : undefined;
  }

  async results(runId: number, limit = 1000): Promise<ArtifactResult[]> {
    const rows = await this.db
      .selectFrom("replication_results")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      kind: row.kind as ArtifactResult["kind"],
      repository: row.repository,
      reference: row.reference,
      ...(row.digest !== null ? { digest: row.digest } : {}),
      outcome: row.outcome as ArtifactResult["outcome"],
      bytes: Number(row.bytes),
      ...(row.detail !== null ? { detail: row.detail } : {}),
    }));
  }

  /**
   * Runs a crash left `running`: closed as `error` at startup, so the history never shows a ghost. Only
   * on SQLite, where this process is the only one: on PostgreSQL a `running` row may be another
   * replica's run in progress, and is left as it is.
   */
  async closeInterrupted(at: number): Promise<number> {
    if (this.database.dialect !== "sqlite") return 0;
    const result = await this.db
      .updateTable("replication_runs")
      .set({ state: "error", error: "interrupted (the server stopped during the run)", finished_at: at })
      .where("state", "=", "running")
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
