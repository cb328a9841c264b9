import { randomBytes } from "node:crypto";
import type { Database } from "../../storage/index.js";
import type { EventType } from "./events.js";

/** A subscription as the API shows it: never its secret. */
export interface Webhook {
  readonly id: string;
  readonly project: string;
  readonly url: string;
  /** CloudEvents types it receives; empty: every type. */
  readonly events: readonly EventType[];
  readonly enabled: boolean;
  readonly allowInsecure: boolean;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface WebhookChange {
  readonly url?: string;
  readonly events?: readonly EventType[];
  readonly enabled?: boolean;
  readonly allowInsecure?: boolean;
  readonly description?: string;
}

export type DeliveryState = "pending" | "delivered" | "failed";

export interface Attempt {
  readonly attempt: number;
  readonly at: number;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  readonly nextRetryAt: number | null;
}

export interface Delivery {
  readonly id: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly state: DeliveryState;
  readonly attempts: readonly Attempt[];
  readonly nextAttemptAt: number | null;
  readonly createdAt: number;
}

/** A delivery claimed for one attempt: what the sender needs. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly payload: string;
  readonly attempts: number;
  readonly url: string;
  readonly allowInsecure: boolean;
  readonly secretSealed: string;
}

type WebhookRow = {
  id: string;
  project: string;
  url: string;
  events: string;
  enabled: number;
  allow_insecure: number;
  description: string;
  created_by: string;
  created_at: number;
  updated_at: number;
};

function webhookOf(row: WebhookRow): Webhook {
  return {
    id: row.id,
    project: row.project,
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    enabled: Boolean(row.enabled),
    allowInsecure: Boolean(row.allow_insecure),
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const PUBLIC_COLUMNS = [
  "id",
  "project",
  "url",
  "events",
  "enabled",
  "allow_insecure",
  "description",
  "created_by",
  "created_at",
  "updated_at",
] as const;

/** The webhook tables (migration 0014): subscriptions, deliveries and their attempts. */
export class WebhookStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  static newId(): string {
    return `wh_${randomBytes(8).toString("hex")}`;
  }

  async create(input: {
    id: string;
    project: string;
    url: string;
    events: readonly EventType[];
    secretSealed: string;
    enabled: boolean;
    allowInsecure: boolean;
    description: string;
    createdBy: string;
    at: number;
  }): Promise<Webhook> {
    await this.db
      .insertInto("webhooks")
      .values({
        id: input.id,
        project: input.project,
        url: input.url,
        events: JSON.stringify(input.events),
        secret_sealed: input.secretSealed,
        enabled: input.enabled ? 1 : 0,
        allow_insecure: input.allowInsecure ? 1 : 0,
        description: input.description,
        created_by: input.createdBy,
        created_at: input.at,
        updated_at: input.at,
      })
      .execute();
    return (await this.get(input.project, input.id))!;
  }

  async list(project: string): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom("webhooks")
      .select(PUBLIC_COLUMNS)
      .where("project", "=", project)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(webhookOf);
  }

  /** A project's webhook; undefined when the id names none in that project. */
  async get(project: string, id: string): Promise<Webhook | undefined> {
    const row = await this.db
      .selectFrom("webhooks")
      .select(PUBLIC_COLUMNS)
      .where("id", "=", id)
      .where("project", "=", project)
      .executeTakeFirst();
    return row ? webhookOf(row) : undefined;
  }

  /** The sealed secret of a webhook (the sender and test-fire only). */
  async sealedSecret(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("webhooks")
      .select("secret_sealed")
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.secret_sealed;
  }

  async update(project: string, id: string, change: WebhookChange, at: number): Promise<Webhook | undefined> {
    await this.db
      .updateTable("webhooks")
      .set({
        ...(change.url !== undefined ? { url: change.url } : {}),
        ...(change.events !== undefined ? { events: JSON.stringify(change.events) } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled ? 1 : 0 } : {}),
        ...(change.allowInsecure !== undefined ? { allow_insecure: change.allowInsecure ? 1 : 0 } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        updated_at: at,
      })
      .where("id", "=", id)
      .where("project", "=", project)
      .execute();
    return this.get(project, id);
  }

  /** Deletes a webhook with its deliveries and their attempts; false when there was none. */
  async delete(project: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom("webhooks")
        .select("id")
        .where("id", "=", id)
        .where("project", "=", project)
        .executeTakeFirst();
      if (!found) return false;
      const deliveries = trx.selectFrom("webhook_deliveries").select("id").where("webhook_id", "=", id);
      await trx.deleteFrom("webhook_attempts").where("delivery_id", "in", deliveries).execute();
      await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
      await trx.deleteFrom("webhooks").where("id", "=", id).execute();
      return true;
    });
  }

  /** Queues one event for one webhook; answers the delivery's id. */
  async enqueue(
    webhookId: string,
    event: { id: string; type: string; payload: string },
    at: number,
  ): Promise<number> {
    const row = await this.db
      .insertInto("webhook_deliveries")
      .values({
        webhook_id: webhookId,
        event_id: event.id,
        event_type: event.type,
        payload: event.payload,
        state: "pending",
        attempts: 0,
        next_attempt_at: at,
        claimed_until: null,
        created_at: at,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Takes a pending delivery that is due for one attempt, holding it until `until` so another worker
   * (or replica) does not send it at the same time; undefined when it is not due or someone holds it.
   */
  async claim(id: number, now: number, until: number): Promise<ClaimedDelivery | undefined> {
    const result = await this.db
      .updateTable("webhook_deliveries")
      .set({ claimed_until: until })
      .where("id", "=", id)
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    const row = await this.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhooks as w", "w.id", "d.webhook_id")
      .select([
        "d.id",
        "d.webhook_id",
        "d.event_id",
        "d.event_type",
        "d.payload",
        "d.attempts",
        "w.url",
        "w.allow_insecure",
        "w.secret_sealed",
      ])
      .where("d.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: Number(row.id),
      webhookId: row.webhook_id,
      eventId: row.event_id,
      eventType: row.event_type,
      payload: row.payload,
      attempts: row.attempts,
      url: row.url,
      allowInsecure: Boolean(row.allow_insecure),
      secretSealed: row.secret_sealed,
    };
  }

  /** Records one attempt and the delivery's new state, in one transaction. */
  async recordAttempt(id: number, attempt: Attempt, state: DeliveryState): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("webhook_attempts")
        .values({
          delivery_id: id,
          attempt: attempt.attempt,
          at: attempt.at,
          status_code: attempt.statusCode,
          duration_ms: attempt.durationMs,
          error: attempt.error,
          next_retry_at: attempt.nextRetryAt,
        })
        .execute();
      await trx
        .updateTable("webhook_deliveries")
        .set({
          state,
          attempts: attempt.attempt,
          next_attempt_at: attempt.nextRetryAt,
          claimed_until: null,
        })
        .where("id", "=", id)
        .execute();
    });
  }

  /** Pending deliveries due by `now` and not held (the retry sweep), oldest first. */
  async due(now: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.id));
  }

  /**
   * Delivery retention: deletes finished deliveries (delivered or failed) created before `before`,
   * with their attempts, a chunk per transaction. Pending ones stay however old: they are still owed.
   * Returns how many deliveries it deleted.
   */
  async pruneDeliveries(before: number, chunk = 1000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const n = await this.db.transaction().execute(async (trx) => {
        const ids = (
          await trx
            .selectFrom("webhook_deliveries")
            .select("id")
            .where("created_at", "<", before)
            .where("state", "in", ["delivered", "failed"])
            .orderBy("created_at")
            .limit(chunk)
            .execute()
        ).map((r) => Number(r.id));
        if (ids.length === 0) return 0;
        // Explicitly, not by the foreign key's cascade: SQLite enforces it only with the pragma on.
        await trx.deleteFrom("webhook_attempts").where("delivery_id", "in", ids).execute();
        await trx.deleteFrom("webhook_deliveries").where("id", "in", ids).execute();
        return ids.length;
      });
      deleted += n;
      if (n < chunk) return deleted;
    }
  }

  /** Deliveries still pending (the queue-depth gauge). */
  async pendingCount(): Promise<number> {
    const row = await this.db
      .selectFrom("webhook_deliveries")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("state", "=", "pending")
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** A webhook's deliveries, newest first, with their attempts. */
  async deliveries(webhookId: string, limit: number): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom("webhook_deliveries")
      .select(["id", "webhook_id", "event_id", "event_type", "state", "next_attempt_at", "created_at"])
      .where("webhook_id", "=", webhookId)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const attempts = await this.db
      .selectFrom("webhook_attempts")
      .selectAll()
      .where(
        "delivery_id",
        "in",
        rows.map((r) => Number(r.id)),
      )
      .orderBy("attempt")
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      webhookId: row.webhook_id,
      eventId: row.event_id,
      eventType: row.event_type,
      state: row.state,
      nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
      createdAt: Number(row.created_at),
      attempts: attempts
        .filter((a) => Number(a.delivery_id) === Number(row.id))
        .map((a) => ({
          attempt: a.attempt,
          at: Number(a.at),
          statusCode: a.status_code,
          durationMs: a.duration_ms,
          error: a.error,
          nextRetryAt: a.next_retry_at === null ? null : Number(a.next_retry_at),
        })),
    }));
  }

  /**
   * Records the critical findings of a digest's latest scan; answers those never recorded before, and
   * whether this was the digest's first recorded scan (a `*` row marks a digest as seen, so a first
   * scan without criticals still makes the next one's criticals new).
   */
  async criticalsNotSeen(
    digest: string,
    findings: readonly string[],
  ): Promise<{ first: boolean; fresh: string[] }> {
    const known = new Set(
      (
        await this.db
          .selectFrom("notified_criticals")
          .select("finding")
          .where("digest", "=", digest)
          .execute()
      ).map((r) => r.finding),
    );
    const first = !known.has(SEEN);
    const fresh = [...new Set(findings)].filter((f) => f !== SEEN && !known.has(f));
    const rows = [...(first ? [SEEN] : []), ...fresh].map((finding) => ({ digest, finding }));
    if (rows.length > 0) {
      await this.db
        .insertInto("notified_criticals")
        .values(rows)
        .onConflict((oc) => oc.columns(["digest", "finding"]).doNothing())
        .execute();
    }
    return { first, fresh };
  }
}

const SEEN = "*";
