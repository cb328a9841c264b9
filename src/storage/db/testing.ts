import { randomBytes } from "node:crypto";
import { sql } from "kysely";
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
            await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(database.db);
            await database.close();
          },
        };
      },
    });
  }
  return targets;
}
