import { type Kysely, sql } from "kysely";
import type { Schema } from "../storage/index.js";
import type { RegistryContext } from "./context.js";
import { RegistryError } from "./errors.js";

/**
 * The class half of the PostgreSQL advisory lock key (two-int form: a key space apart from the bigint
 * locks others take); the other half is the schema's hash, so that deployments (and test runs) sharing
 * one database in different schemas do not shut each other out.
 */
const GC_LOCK_CLASS = 0x50_47_43; // "PGC"

/** Databases (one per Kysely instance) this process is collecting now. */
const running = new WeakSet<object>();

/**
 * Runs `collect` while holding the one-GC-at-a-time lock, or throws GC_RUNNING when another collection
 * holds it. Two collections side by side would be safe (every delete re-checks under its row lock) but
 * would do the work twice and report nonsense, so replicas take turns.
 *
 * PostgreSQL: a session-level advisory lock on one connection set aside for the whole run, which the
 * collection then uses for all its queries (so it never waits for a pool slot the lock holder itself
 * occupies); if the process dies, the connection closes and the lock with it. SQLite has one writer per
 * file and every GC transaction is BEGIN IMMEDIATE, so processes interleave safely; within a process
 * the guard below keeps to one run.
 */
export async function withGcLock<T>(
  ctx: RegistryContext,
  collect: (db: Kysely<Schema>) => Promise<T>,
): Promise<T> {
  if (running.has(ctx.db)) throw busy();
  running.add(ctx.db);
  try {
    if (ctx.dialect !== "postgres") return await collect(ctx.db);
    return await ctx.db.connection().execute(async (db) => {
      const { rows } = await sql<{ locked: boolean }>`
        select pg_try_advisory_lock(${sql.lit(GC_LOCK_CLASS)}, hashtext(current_schema())) as locked
      `.execute(db);
      if (rows[0]?.locked !== true) throw busy();
      try {
        return await collect(db);
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(GC_LOCK_CLASS)}, hashtext(current_schema()))`.execute(
          db,
        );
      }
    });
  } finally {
    running.delete(ctx.db);
  }
}

function busy(): RegistryError {
  return new RegistryError("GC_RUNNING", "another garbage collection is running; try again when it ends");
}
