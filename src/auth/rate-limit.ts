import { type Kysely, sql } from "kysely";
import { LRUCache } from "lru-cache";
import type { Database, Schema } from "../storage/index.js";

/** Takes one request of a caller's allowance: undefined when allowed, else the seconds to wait. */
export interface RateLimit {
  take(key: string, now?: number): Promise<number | undefined>;
}

const MINUTE = 60_000;

/**
 * `perMinute` requests a minute per key, counted where every replica counts them: in the database on
 * PostgreSQL (several replicas: a limit per process would give a caller N times the rate behind N of
 * them), in this process on SQLite (one process owns the file). `scope` keeps limits apart in the table.
 */
export function rateLimit(database: Database, scope: string, perMinute: number): RateLimit {
  if (perMinute <= 0) return { take: async () => undefined };
  return database.dialect === "postgres"
    ? new SharedRateLimit(database.db, scope, perMinute)
    : new ProcessRateLimit(perMinute);
}

/** A token bucket per key: a burst of a minute's worth, refilled evenly; a bounded LRU of keys. */
export class ProcessRateLimit implements RateLimit {
  private readonly buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 10_000 });

  constructor(private readonly perMinute: number) {}

  async take(key: string, now = Date.now()): Promise<number | undefined> {
    const perMs = this.perMinute / MINUTE;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    const tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return undefined;
  }
}

/**
 * A sliding minute over fixed one-minute windows, a row per key and minute (rate_limit_windows): the
 * estimate is this minute's count plus the last minute's, weighted by how much of it the sliding
 * minute still covers. One statement counts the request only when it is under the limit (refused
 * requests are not counted, as the token bucket does not), so replicas racing on a key stay exact: the
 * upsert locks the row and re-checks. Windows older than the last minute are deleted now and then.
 */
export class SharedRateLimit implements RateLimit {
  private swept = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly scope: string,
    private readonly perMinute: number,
  ) {}

  async take(key: string, now = Date.now()): Promise<number | undefined> {
    const id = `${this.scope}:${key}`;
    const minute = Math.floor(now / MINUTE);
    // The share of the previous minute inside the sliding minute that ends now.
    const weight = 1 - (now - minute * MINUTE) / MINUTE;
    const previous = sql<number>`coalesce((select p.count from rate_limit_windows p
      where p.key = ${id} and p.minute = ${minute - 1}), 0) * ${weight}::float8`;
    const counted = await sql<{ count: number }>`
      insert into rate_limit_windows (key, minute, count)
      select ${id}::text, ${minute}::bigint, 1 where ${previous} < ${this.perMinute}
      on conflict (key, minute) do update set count = rate_limit_windows.count + 1
        where rate_limit_windows.count + ${previous} < ${this.perMinute}
      returning count`.execute(this.db);
    if (minute > this.swept) {
      this.swept = minute;
      // Best effort: a failed sweep leaves rows the next one deletes; it never decides a request.
      void this.db
        .deleteFrom("rate_limit_windows")
        .where("minute", "<", minute - 1)
        .execute()
        .catch(() => {});
    }
    if (counted.rows.length > 0) return undefined;
    return this.wait(id, minute, now);
  }

  /** Seconds until the weighted previous minute has shrunk enough, or this minute ends. */
  private async wait(id: string, minute: number, now: number): Promise<number> {
    const rows = await this.db
      .selectFrom("rate_limit_windows")
      .select(["minute", "count"])
      .where("key", "=", id)
      .where("minute", ">=", minute - 1)
      .execute();
    const current = Number(rows.find((r) => Number(r.minute) === minute)?.count ?? 0);
    const previous = Number(rows.find((r) => Number(r.minute) === minute - 1)?.count ?? 0);
    const untilNextMinute = (minute + 1) * MINUTE - now;
    let ms = untilNextMinute;
    if (current < this.perMinute && previous > 0) {
      // current + previous·w < perMinute once w < (perMinute − current) / previous; w falls 1 per minute.
      const target = (this.perMinute - current) / previous;
      const w = 1 - (now - minute * MINUTE) / MINUTE;
      ms = Math.min(untilNextMinute, Math.max(0, (w - target) * MINUTE));
    }
    return Math.max(1, Math.ceil(ms / 1000));
  }
}
