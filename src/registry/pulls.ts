import type { Kysely } from "kysely";
import { LRUCache } from "lru-cache";
import type { Schema } from "../storage/index.js";

export interface PullRecorderOptions {
  /** A manifest's pull time is written at most once per this many milliseconds (per replica). */
  readonly resolutionMs: number;
  /** Pending pull times past this many are written at once rather than at the next flush. */
  readonly maxPending: number;
}

export const DEFAULT_PULL_RECORDER_OPTIONS: PullRecorderOptions = {
  resolutionMs: 60_000,
  maxPending: 10_000,
};

/**
 * When each manifest was last pulled (`manifests.last_pulled_at`, for retention rules), written off
 * the pull's path: a pull only notes its time in memory, and `flush()` (the platform's background
 * job, and `close`) writes what is pending in one transaction. A manifest pulled again within
 * `resolutionMs` of the time last written is not noted at all, so a hot image costs one small update
 * a minute however often it is pulled. Times are therefore at most `resolutionMs` (plus one flush
 * interval until written) behind; retention counts days, and breaks ties by push time.
 *
 * A note lost in a crash only makes an image look pulled a little earlier than it was; the column
 * only ever moves forward (the update keeps a later time another replica wrote).
 */
export class PullRecorder {
  private pending = new Map<string, { repositoryId: number; digest: string; at: number }>();
  /** When each manifest's pull time was last noted here: bounded, least recently noted out. */
  private readonly noted: LRUCache<string, number>;
  private flushing: Promise<void> = Promise.resolve();
  private readonly options: PullRecorderOptions;

  constructor(
    private readonly db: Kysely<Schema>,
    options: Partial<PullRecorderOptions> = {},
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.options = { ...DEFAULT_PULL_RECORDER_OPTIONS, ...options };
    this.noted = new LRUCache({ max: 100_000 });
  }

  /** Notes a pull (synchronous, no I/O unless `maxPending` notes are waiting). */
  record(repositoryId: number, digest: string, at: number): void {
    const key = `${repositoryId} ${digest}`;
    const last = this.noted.get(key);
    if (last !== undefined && at - last < this.options.resolutionMs) return;
    this.noted.set(key, at);
    this.pending.set(key, { repositoryId, digest, at });
    if (this.pending.size >= this.options.maxPending) {
      this.flush().catch(this.onError);
    }
  }

  /** Pull times noted but not yet written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes every pending pull time (one transaction); resolves when they are in the database. */
  flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    // One flush at a time, in order: a later flush never overtakes an earlier one's times.
    this.flushing = this.flushing.then(() => (batch.length > 0 ? this.write(batch) : undefined));
    return this.flushing;
  }

  private async write(batch: ReadonlyArray<{ repositoryId: number; digest: string; at: number }>) {
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const pull of batch) {
          await trx
            .updateTable("manifests")
            .set({ last_pulled_at: pull.at })
            .where("repository_id", "=", pull.repositoryId)
            .where("digest", "=", pull.digest)
            .where((eb) => eb.or([eb("last_pulled_at", "is", null), eb("last_pulled_at", "<", pull.at)]))
            .execute();
        }
      });
    } catch (err) {
      // Forget what was noted, so the next pulls of these manifests are noted again.
      for (const pull of batch) this.noted.delete(`${pull.repositoryId} ${pull.digest}`);
      this.onError(err);
    }
  }
}
