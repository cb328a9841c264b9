import type { Kysely } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuthError } from "../errors.js";

export interface ThrottleOptions {
  /** Failed logins for one account within `windowMs` that lock it. */
  readonly accountAttempts: number;
  /** Failed logins from one address within `windowMs` that lock the address. */
  readonly addressAttempts: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/**
 * Brute-force throttling of password logins, per account and per address, kept in the database so
 * every replica counts the same failures. A locked key refuses logins (even correct ones) until the
 * lock ends: a guesser learns nothing from the answer.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly options: ThrottleOptions,
  ) {}

  /** Throws THROTTLED when any key is locked. */
  async check(keys: readonly string[], now = Date.now()): Promise<void> {
    if (keys.length === 0) return;
    const rows = await this.db
      .selectFrom("login_failures")
      .select(["key", "locked_until"])
      .where("key", "in", keys)
      .execute();
    const until = Math.max(0, ...rows.map((r) => Number(r.locked_until ?? 0)));
    if (until > now) {
      const retryAfterSeconds = Math.ceil((until - now) / 1000);
      throw new AuthError("THROTTLED", `too many failed logins: try again in ${retryAfterSeconds} s`, {
        detail: { retryAfterSeconds },
      });
    }
  }

  /** Counts a failure against each key; returns the keys this failure locked. */
  async fail(keys: readonly string[], now = Date.now()): Promise<string[]> {
    const locked: string[] = [];
    for (const key of keys) {
      const limit = key.startsWith("address:") ? this.options.addressAttempts : this.options.accountAttempts;
      const row = await this.db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom("login_failures")
          .selectAll()
          .where("key", "=", key)
          .executeTakeFirst();
        const fresh = !current || Number(current.first_at) + this.options.windowMs < now;
        const failures = fresh ? 1 : current.failures + 1;
        const lockedUntil =
          failures >= limit ? now + this.options.lockMs : fresh ? null : current.locked_until;
        const values = {
          failures,
          first_at: fresh ? now : Number(current.first_at),
          locked_until: lockedUntil,
        };
        await trx
          .insertInto("login_failures")
          .values({ key, ...values })
          .onConflict((oc) => oc.column("key").doUpdateSet(values))
          .execute();
        return { failures, lockedUntil };
      });
      if (row.failures === limit) locked.push(key);
    }
    return locked;
  }

  async succeed(key: string): Promise<void> {
    await this.db.deleteFrom("login_failures").where("key", "=", key).execute();
  }

  async unlock(key: string): Promise<void> {
    await this.succeed(key);
  }
}
