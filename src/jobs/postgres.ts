import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { InvalidationBus, Schema } from "../storage/index.js";
import type { JobHandler, JobQueue } from "./queue.js";

/** The bus topic that wakes the other replicas' workers when a job is queued. */
const WAKE = "jobs";

export interface PostgresQueueOptions {
  /** How long a taken job is held before another replica may take it again (60 s); renewed while it runs. */
  readonly leaseMs?: number;
  /** How often waiting jobs and lapsed leases are looked for without a wake-up (1 s). */
  readonly pollMs?: number;
  /** A job taken this many times (its runners died each time) is dropped, reported to `onError`. */
  readonly maxAttempts?: number;
  /** Wakes the other replicas' workers at once when a job is queued (else they find it by polling). */
  readonly bus?: InvalidationBus;
  readonly onError?: (err: unknown, kind: string) => void;
  readonly now?: () => number;
  /**
   * False: this process only queues (a short CLI command such as `portcullis gc` over the servers'
   * database must not take their jobs and then wait for them before it exits). Default true.
   */
  readonly takeJobs?: boolean;
}

interface Worker {
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  running: number;
}

/**
 * Jobs in a PostgreSQL table, shared by every replica (issue 16: "scan jobs are queued in PostgreSQL
 * and taken by one replica each"). A worker takes the oldest waiting job of its kind with
 * `FOR UPDATE SKIP LOCKED` (two replicas never take the same one, and never wait for each other) and
 * holds it under a lease it renews while the handler runs; the job row is deleted when the handler
 * ends, whatever its outcome (as InProcessQueue: producers keep durable state and decide about retries).
 * A replica killed mid-job stops renewing: once its lease lapses another replica takes the job again.
 *
 * Chosen over pg-boss: the port is five methods, the table one migration of our own list (pg-boss
 * keeps its own schema and migrations, and a second scheduler), and the behaviour fits in this file.
 */
export class PostgresQueue implements JobQueue {
  private readonly owner = randomBytes(8).toString("hex");
  private readonly workers = new Map<string, Worker>();
  private readonly inserting = new Set<Promise<void>>();
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private running = 0;
  private closed = false;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private readonly takes: boolean;
  private idle: Array<() => void> = [];

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly options: PostgresQueueOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.now = options.now ?? Date.now;
    this.takes = options.takeJobs ?? true;
    this.timer = this.takes ? setInterval(() => this.pump(), options.pollMs ?? 1000) : undefined;
    this.timer?.unref();
    this.unsubscribe =
      (this.takes ? options.bus?.subscribe(WAKE, () => this.pump()) : undefined) ?? (() => {});
  }

  enqueue<P>(kind: string, payload: P, options: { key?: string } = {}): void {
    if (this.closed) return;
    const insert = this.insert(kind, JSON.stringify(payload ?? null), options.key).then(
      () => {
        this.pump();
        this.options.bus?.publish(WAKE, kind).catch((err: unknown) => this.options.onError?.(err, kind));
      },
      (err: unknown) => this.options.onError?.(err, kind),
    );
    this.inserting.add(insert);
    void insert.finally(() => this.inserting.delete(insert));
  }

  work<P>(kind: string, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.workers.set(kind, { handler: handler as JobHandler<unknown>, concurrency, running: 0 });
    this.pump();
  }

  /** Jobs this process is queueing or running (the table's waiting jobs are everyone's). */
  pending(): number {
    return this.inserting.size + this.running;
  }

  /** Resolves once no job of a kind this process works is waiting or running anywhere. */
  async drain(): Promise<void> {
    for (;;) {
      while (this.inserting.size > 0) await Promise.allSettled([...this.inserting]);
      if (this.running > 0) {
        await new Promise<void>((resolve) => this.idle.push(resolve));
        continue;
      }
      const kinds = [...this.workers.keys()];
      if (kinds.length === 0 || !this.takes) return;
      const left = await this.db
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("kind", "in", kinds)
        .executeTakeFirst();
      if (Number(left?.n ?? 0) === 0 && this.inserting.size === 0 && this.running === 0) return;
      this.pump();
      // Another replica's job, or ours about to start: look again shortly.
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe();
    while (this.inserting.size > 0) await Promise.allSettled([...this.inserting]);
    await this.pumping;
    while (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async insert(kind: string, payload: string, key: string | undefined): Promise<void> {
    const row = { kind, key: key ?? null, payload, state: "waiting" as const, created_at: this.now() };
    // A waiting job with the same key makes this one a duplicate (the partial unique index).
    await sql`insert into jobs (kind, key, payload, state, created_at)
      values (${row.kind}, ${row.key}, ${row.payload}, ${row.state}, ${row.created_at})
      on conflict (kind, key) where state = 'waiting' do nothing`.execute(this.db);
  }

  /** Takes jobs while a worker has room; one pass at a time, another asked for meanwhile runs after it. */
  private pump(): void {
    if (this.closed || !this.takes) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.takeAll()
      .catch((err: unknown) => this.options.onError?.(err, "taking jobs"))
      .finally(() => {
        this.pumping = undefined;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async takeAll(): Promise<void> {
    const free = [...this.workers]
      .filter(([, worker]) => worker.running < worker.concurrency)
      .map(([k]) => k);
    if (free.length === 0) return;
    // One look for every kind (the poll runs every second on every replica), then a take per kind found.
    const now = this.now();
    const found = await this.db
      .selectFrom("jobs")
      .select("kind")
      .distinct()
      .where("kind", "in", free)
      .where((eb) =>
        eb.or([
          eb("state", "=", "waiting"),
          eb.and([eb("state", "=", "running"), eb("lease_until", "<", now)]),
        ]),
      )
      .execute();
    const ready = new Set(found.map((row) => row.kind));
    for (const [kind, worker] of this.workers) {
      if (!ready.has(kind)) continue;
      while (!this.closed && worker.running < worker.concurrency) {
        const job = await this.take(kind);
        if (!job) break;
        this.run(kind, worker, job);
      }
    }
  }

  private async take(kind: string): Promise<{ id: number; payload: string; attempts: number } | undefined> {
    const now = this.now();
    const result = await sql<{ id: number; payload: string; attempts: number }>`
      update jobs set state = 'running', owner = ${this.owner}, lease_until = ${now + this.leaseMs},
        attempts = attempts + 1
      where id = (
        select id from jobs
        where kind = ${kind} and (state = 'waiting' or (state = 'running' and lease_until < ${now}))
        order by id
        for update skip locked
        limit 1
      )
      returning id, payload, attempts`.execute(this.db);
    return result.rows[0];
  }

  private run(kind: string, worker: Worker, job: { id: number; payload: string; attempts: number }): void {
    worker.running++;
    this.running++;
    const renew = setInterval(
      () => {
        this.db
          .updateTable("jobs")
          .set({ lease_until: this.now() + this.leaseMs })
          .where("id", "=", job.id)
          .where("owner", "=", this.owner)
          .execute()
          .catch((err: unknown) => this.options.onError?.(err, kind));
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    const work = async () => {
      if (job.attempts > this.maxAttempts) {
        throw new Error(
          `job ${job.id} of kind ${kind} was taken ${job.attempts - 1} times and never finished: dropped`,
        );
      }
      await worker.handler(JSON.parse(job.payload) as unknown);
    };
    work()
      .catch((err: unknown) => this.options.onError?.(err, kind))
      .finally(async () => {
        clearInterval(renew);
        // Only our own hold is released: had our lease lapsed and another replica taken it, it is theirs.
        await this.db
          .deleteFrom("jobs")
          .where("id", "=", job.id)
          .where("owner", "=", this.owner)
          .execute()
          .catch((err: unknown) => this.options.onError?.(err, kind));
        worker.running--;
        this.running--;
        for (const resolve of this.idle.splice(0)) resolve();
        this.pump();
      });
  }
}
