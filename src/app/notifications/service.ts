import type { Logger } from "pino";
import type { JobQueue } from "../../jobs/index.js";
import { NotificationError } from "./errors.js";
import { cloudEvent, type EventType, isEventType, type Notice } from "./events.js";
import { NotificationMetrics } from "./metrics.js";
import type { SecretBox } from "./sealed.js";
import { type SendResult, sendWebhook } from "./sender.js";
import { newSecret, signDelivery } from "./signature.js";
import { type Delivery, type Webhook, type WebhookChange, WebhookStore } from "./store.js";
import { refusedUrl } from "./target.js";

/**
 * When a failed delivery is tried again: `baseMs` after the first attempt, doubling each time, never
 * more than `capMs` apart, and given up after `maxAttempts` attempts. No jitter: the schedule is part
 * of the delivery log's contract and each delivery has its own clock anyway.
 */
export interface RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, capMs: 3_600_000, maxAttempts: 8 };

/** The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
}

export interface NotificationsOptions {
  readonly store: WebhookStore;
  readonly secrets: SecretBox;
  readonly queue: JobQueue;
  readonly logger: Logger;
  /** HOST:PORT of the registry, in each event's `source`. */
  readonly host: string;
  readonly retry?: RetryPolicy;
  /** One attempt's limit (connect, send, answer). */
  readonly timeoutMs?: number;
  /** How often due retries are looked for by `start()`. */
  readonly sweepMs?: number;
  /**
   * How long `publish` reuses a project's subscriptions, in ms (1 s; 0 reads them for every event).
   * This process's own changes are seen at once; another replica's within this time.
   */
  readonly subscriptionCacheMs?: number;
  readonly now?: () => number;
}

export interface NewWebhook {
  readonly url: string;
  readonly events?: readonly string[];
  readonly enabled?: boolean;
  readonly allowInsecure?: boolean;
  readonly description?: string;
}

const DELIVER_JOB = "webhook-delivery";
/** Projects whose subscriptions `publish` holds at once (the oldest read is dropped first). */
const MAX_CACHED_PROJECTS = 1024;

/**
 * Per-project webhooks: subscriptions (their secrets sealed), CloudEvents built from platform events,
 * and their delivery as jobs on the platform's queue, each attempt logged, failures retried with
 * exponential backoff from the database's state (so a restart or another replica picks them up).
 */
export class Notifications {
  readonly metrics: NotificationMetrics;
  private readonly store: WebhookStore;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /**
   * Each project's subscriptions as last read, and when. Every manifest push publishes a notice, and
   * reading the webhooks table for each was a query per push that almost always finds none.
   */
  private readonly subscriptions = new Map<
    string,
    { readonly at: number; readonly webhooks: Promise<Webhook[]> }
  >();

  private readonly subscriptionListeners = new Set<(project: string) => void>();

  constructor(private readonly options: NotificationsOptions) {
    this.store = options.store;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.metrics = new NotificationMetrics(() => this.store.pendingCount());
    options.queue.work<{ id: number; now?: number }>(
      DELIVER_JOB,
      ({ id, now }) => this.attempt(id, now).then(() => {}),
      {
        concurrency: 4,
      },
    );
  }

  // --- subscriptions -------------------------------------------------------------------------------

  list(project: string): Promise<Webhook[]> {
    return this.store.list(project);
  }

  async get(project: string, id: string): Promise<Webhook> {
    const webhook = await this.store.get(project, id);
    if (!webhook) throw new NotificationError("NOT_FOUND", `no webhook ${id} in project ${project}`);
    return webhook;
  }

  /** Creates a subscription; the answer holds its secret, which is never shown again. */
  async create(
    project: string,
    input: NewWebhook,
    actor: string,
  ): Promise<{ webhook: Webhook; secret: string }> {
    const allowInsecure = input.allowInsecure ?? false;
    checkUrl(input.url, allowInsecure);
    const events = eventTypes(input.events ?? []);
    const id = WebhookStore.newId();
    const secret = newSecret();
    const webhook = await this.store.create({
      id,
      project,
      url: input.url,
      events,
      secretSealed: this.options.secrets.seal(id, secret),
      enabled: input.enabled ?? true,
      allowInsecure,
      description: input.description ?? "",
      createdBy: actor,
      at: this.now(),
    });
    this.changed(project);
    return { webhook, secret };
  }

  async update(project: string, id: string, change: NewWebhook | WebhookChange): Promise<Webhook> {
    const current = await this.get(project, id);
    const url = change.url ?? current.url;
    const allowInsecure = change.allowInsecure ?? current.allowInsecure;
    checkUrl(url, allowInsecure);
    const events = change.events === undefined ? undefined : eventTypes(change.events);
    const updated = await this.store.update(
      project,
      id,
      {
        ...(change.url !== undefined ? { url } : {}),
        ...(events !== undefined ? { events } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(change.allowInsecure !== undefined ? { allowInsecure } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
      },
      this.now(),
    );
    this.changed(project);
    if (!updated) throw new NotificationError("NOT_FOUND", `no webhook ${id} in project ${project}`);
    return updated;
  }

  async delete(project: string, id: string): Promise<void> {
    const deleted = await this.store.delete(project, id);
    this.changed(project);
    if (!deleted) throw new NotificationError("NOT_FOUND", `no webhook ${id} in project ${project}`);
  }

  async deliveries(project: string, id: string, limit = 50): Promise<Delivery[]> {
    await this.get(project, id);
    return this.store.deliveries(id, limit);
  }

  /**
   * Sends a `dev.portcullis.webhook.test` event to one webhook now (enabled or not, whatever its
   * filter), waits for the first attempt and answers the delivery; failures are retried as any other.
   */
  async testFire(project: string, id: string, actor: string): Promise<Delivery> {
    const webhook = await this.get(project, id);
    const event = cloudEvent(
      {
        project,
        type: "dev.portcullis.webhook.test",
        source: project,
        data: { webhook: id, requestedBy: actor },
      },
      this.options.host,
      new Date(this.now()),
    );
    const deliveryId = await this.store.enqueue(
      webhook.id,
      { id: event.id, type: event.type, payload: JSON.stringify(event) },
      this.now(),
    );
    await this.attempt(deliveryId);
    const [delivery] = (await this.store.deliveries(id, 50)).filter((d) => d.id === deliveryId);
    return delivery!;
  }

  // --- events ----------------------------------------------------------------------------------------

  /** Queues a notice for every enabled webhook of its project that takes its type; answers how many. */
  async publish(notice: Notice): Promise<number> {
    const subscribers = (await this.subscriptionsOf(notice.project)).filter((w) => takes(w, notice.type));
    if (subscribers.length === 0) return 0;
    const at = this.now();
    for (const webhook of subscribers) {
      // One event id per subscription: each receiver deduplicates its own retries by it.
      const event = cloudEvent(notice, this.options.host, new Date(at));
      const id = await this.store.enqueue(
        webhook.id,
        { id: event.id, type: event.type, payload: JSON.stringify(event) },
        at,
      );
      this.options.queue.enqueue(DELIVER_JOB, { id }, { key: String(id) });
    }
    return subscribers.length;
  }

  /**
   * A project's webhooks, read at most once per `subscriptionCacheMs` (concurrent pushes share one
   * read); a failed read is not kept.
   */
  /**
   * Calls `listener` with the project whose webhooks this process changed (app/ tells the other
   * replicas, whose remembered subscriptions would otherwise live up to `subscriptionCacheMs`).
   */
  onSubscriptionsChanged(listener: (project: string) => void): () => void {
    this.subscriptionListeners.add(listener);
    return () => this.subscriptionListeners.delete(listener);
  }

  /** Drops the remembered webhooks of `project` (of every project without one): another replica changed them. */
  forgetSubscriptions(project?: string): void {
    if (project === undefined) this.subscriptions.clear();
    else this.subscriptions.delete(project);
  }

  private changed(project: string): void {
    this.subscriptions.delete(project);
    for (const listener of this.subscriptionListeners) listener(project);
  }

  private subscriptionsOf(project: string): Promise<Webhook[]> {
    const ttl = this.options.subscriptionCacheMs ?? 1_000;
    if (ttl <= 0) return this.store.list(project);
    const now = this.now();
    const held = this.subscriptions.get(project);
    if (held && now - held.at < ttl && now >= held.at) return held.webhooks;
    const entry = { at: now, webhooks: this.store.list(project) };
    this.subscriptions.delete(project);
    if (this.subscriptions.size >= MAX_CACHED_PROJECTS) {
      const oldest = this.subscriptions.keys().next().value;
      if (oldest !== undefined) this.subscriptions.delete(oldest);
    }
    this.subscriptions.set(project, entry);
    entry.webhooks.catch(() => {
      if (this.subscriptions.get(project) === entry) this.subscriptions.delete(project);
    });
    return entry.webhooks;
  }

  /** Critical findings of a digest not announced before (store.criticalsNotSeen). */
  criticalsNotSeen(
    digest: string,
    findings: readonly string[],
  ): Promise<{ first: boolean; fresh: string[] }> {
    return this.store.criticalsNotSeen(digest, findings);
  }

  /** Queues the deliveries whose retry is due by `now` (the sweep; tests pass a later time). */
  async deliverDue(now = this.now()): Promise<number> {
    const due = await this.store.due(now, 100);
    for (const id of due) this.options.queue.enqueue(DELIVER_JOB, { id, now }, { key: String(id) });
    return due.length;
  }

  /** Looks for due retries every `sweepMs` (and once now, for deliveries a restart left); answers stop. */
  start(): () => void {
    const sweep = () => {
      this.deliverDue().catch((err) => this.options.logger.error({ err }, "webhook retry sweep failed"));
    };
    sweep();
    const timer = setInterval(sweep, this.options.sweepMs ?? 5_000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * One attempt of one delivery, if it is due and nobody else holds it: sign, send, log the attempt,
   * and schedule the next one or give up. Answers the attempt's result, or undefined when not taken.
   */
  private async attempt(id: number, now?: number): Promise<SendResult | undefined> {
    // A sweep run for a later time (tests of the backoff) acts as if that time had come.
    const at = Math.max(now ?? 0, this.now());
    const claimed = await this.store.claim(id, at, at + this.timeoutMs + 30_000);
    if (!claimed) return undefined;
    const attempt = claimed.attempts + 1;
    const secret = this.options.secrets.open(claimed.webhookId, claimed.secretSealed);
    let result: SendResult;
    if (secret === undefined) {
      result = {
        statusCode: null,
        error: "the webhook's secret cannot be opened with this server's auth.keyFile",
        durationMs: 0,
        permanent: true,
      };
    } else {
      const headers = signDelivery(secret, claimed.eventId, Math.floor(at / 1000), claimed.payload);
      result = await sendWebhook(claimed, headers, claimed.payload, this.timeoutMs);
    }
    const delivered = result.error === null;
    const gaveUp = !delivered && (result.permanent || attempt >= this.retry.maxAttempts);
    const nextRetryAt = delivered || gaveUp ? null : at + backoffMs(this.retry, attempt);
    await this.store.recordAttempt(
      id,
      {
        attempt,
        at,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        error: result.error,
        nextRetryAt,
      },
      delivered ? "delivered" : gaveUp ? "failed" : "pending",
    );
    const outcome = delivered ? "delivered" : gaveUp ? "failed" : "retry";
    this.metrics.attempts.inc({ event_type: claimed.eventType, outcome });
    this.metrics.duration.observe({ event_type: claimed.eventType }, result.durationMs / 1000);
    // The log names the webhook and the event, never the URL (it may hold a token) nor the secret.
    const line = {
      webhook: claimed.webhookId,
      event: claimed.eventId,
      type: claimed.eventType,
      attempt,
      outcome,
    };
    if (delivered) this.options.logger.info(line, "webhook delivered");
    else
      this.options.logger.warn(
        { ...line, status: result.statusCode, error: result.error },
        "webhook delivery failed",
      );
    return result;
  }
}

/** Whether a webhook receives notices of `type`: enabled, and its filter is empty or lists the type. */
function takes(webhook: Webhook, type: EventType): boolean {
  return webhook.enabled && (webhook.events.length === 0 || webhook.events.includes(type));
}

function checkUrl(url: string, allowInsecure: boolean): void {
  const refused = refusedUrl(url, allowInsecure);
  if (refused) throw new NotificationError("WEBHOOK_URL_REFUSED", `webhook URL refused: ${refused}`);
}

function eventTypes(types: readonly string[]): EventType[] {
  const unknown = types.filter((t) => !isEventType(t));
  if (unknown.length > 0)
    throw new NotificationError("INVALID_ARGUMENT", `unknown event types: ${unknown.join(", ")}`);
  return [...new Set(types as EventType[])];
}
