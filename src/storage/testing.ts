/**
 * The storage domain's second public face, for tests only: what other domains' tests need to run on real
 * databases. Files named testing.ts (and folders named testing/) are never built into dist/, so nothing
 * here reaches an install, and only *.test.ts files may import it (src/architecture.test.ts).
 */
import { type Database, openDatabase } from "./db/database.js";

export { type DatabaseTestTarget, databaseTestTargets, dropTestSchema } from "./db/testing.js";

/** Runs `work` on the database at `url` (a file path for SQLite), closed after whatever happens. */
export async function withDatabaseAt<T>(url: string, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(url);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

export { ensureBucket, parseS3Url, s3TestDriver, s3TestSettings } from "./drivers/s3/testing.js";
