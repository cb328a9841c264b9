import type { JobHandler, JobQueue } from "./queue.js";

interface Waiting {
  readonly kind: string;
  readonly payload: unknown;
  readonly key?: string;
}

interface Worker {
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  running: number;
}

/**
 * A queue in this process's memory: FIFO per kind, bounded concurrency per kind, deduplicated by key.
 * A handler's failure is reported to `onError` and never stops the queue.
 */
export class InProcessQueue implements JobQueue {
  private readonly waiting: Waiting[] = [];
  private readonly keys = new Set<string>();
  private readonly workers = new Map<string, Worker>();
  private running = 0;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(private readonly onError: (err: unknown, kind: string) => void = () => {}) {}

  enqueue<P>(kind: string, payload: P, options: { key?: string } = {}): void {
    if (this.closed) return;
    const key = options.key === undefined ? undefined : `${kind}\0${options.key}`;
    if (key !== undefined) {
      if (this.keys.has(key)) return;
      this.keys.add(key);
    }
    this.waiting.push({ kind, payload, ...(key === undefined ? {} : { key }) });
    this.pump();
  }

  work<P>(kind: string, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.workers.set(kind, { handler: handler as JobHandler<unknown>, concurrency, running: 0 });
    this.pump();
  }

  pending(): number {
    return this.waiting.length + this.running;
  }

  drain(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) if (job.key) this.keys.delete(job.key);
    await this.drain();
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const job = this.waiting[i]!;
      const worker = this.workers.get(job.kind);
      if (!worker || worker.running >= worker.concurrency) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      // The key is released when the job starts: a change arriving while it runs queues a fresh job.
      if (job.key) this.keys.delete(job.key);
      worker.running++;
      this.running++;
      worker
        .handler(job.payload)
        .catch((err: unknown) => this.onError(err, job.kind))
        .finally(() => {
          worker.running--;
          this.running--;
          this.pump();
          if (this.pending() === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
    if (this.pending() === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
