import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "./database.js";

export interface DatabaseTestTarget {
  readonly name: string;
  /** Opens a fresh, empty, migrated database (a new in-memory SQLite, or a new PostgreSQL schema). */
  open(): Promise<Database>;
}

/**
 * The databases every metadata test runs against: SQLite always, PostgreSQL too when
 * PORTCULLIS_TEST_POSTGRES holds a connection URL (CI sets it). Nothing is mocked.
 * A PostgreSQL test database lives in its own schema, dropped again by `close()`.
 */
export function databaseTestTargets(): DatabaseTestTarget[] {
  const targets: DatabaseTestTarget[] = [{ name: "sqlite", open: () => openDatabase(":memory:") }];
  const url = process.env.PORTCULLIS_TEST_POSTGRES;
  if (url) {
    targets.push({
      name: "postgres",
      open: async () => {
        const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
        const database = await openDatabase(url, { schema, poolSize: 4 });
        return {
          ...database,
          close: async () => {
            await database.close();
            await dropTestSchema(url, schema);
          },
        };
      },
    });
  }
  return targets;
}

/**
 * Drops a test's PostgreSQL schema on a connection of its own. Call it after the code under test closed
 * its database: work still running there (an access event, a pull-time flush) would take its locks in
 * another order than DROP ... CASCADE and PostgreSQL would end one of the two as a deadlock. A deadlock
 * with another test process's catalogue work is retried.
 */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`dropTestSchema: not a test schema name: ${schema}`);
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        return;
      } catch (err) {
        const deadlock = (err as { code?: string }).code === "40P01";
        if (!deadlock || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await client.end();
  }
}
