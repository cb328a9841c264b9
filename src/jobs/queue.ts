/**
 * The job queue port (DESIGN.md row 3): background work such as scan on push. One process (SQLite)
 * runs an in-process queue; replicas on PostgreSQL share `PostgresQueue` behind the same interface.
 * The queue itself promises nothing across a crash: producers record what they asked for in their
 * own tables (a scan report row in status "queued") and enqueue it again when the process restarts.
 */
export type JobHandler<P> = (payload: P) => Promise<void>;

export interface JobQueue {
  /** Adds a job. A job with the same `key` already waiting is not added twice. */
  enqueue<P>(kind: string, payload: P, options?: { key?: string }): void;
  /** Registers the handler of a kind of job; at most `concurrency` run at once (default 1). */
  work<P>(kind: string, handler: JobHandler<P>, options?: { concurrency?: number }): void;
  /** Jobs waiting or running. */
  pending(): number;
  /** Resolves once nothing is waiting or running (tests, graceful shutdown). */
  drain(): Promise<void>;
  /** Stops taking new jobs; resolves when the running ones have finished. */
  close(): Promise<void>;
}
