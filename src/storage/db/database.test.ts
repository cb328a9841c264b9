import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase, redactUrl } from "./database.js";
import { migrateToLatest } from "./migrations.js";

const postgres = process.env.PORTCULLIS_TEST_POSTGRES;

describe("openDatabase", () => {
  it("creates a SQLite file, migrates it once, and keeps data across reopen", async () => {
    const dir = await mkdtemp(join(tmpdir(), "portcullis-db-"));
    try {
      const path = join(dir, "nested", "portcullis.db");
      const first = await openDatabase(path);
      await first.db.insertInto("repositories").values({ name: "team/app", created_at: 1 }).execute();
      expect(await migrateToLatest(first.db as never, "sqlite")).toEqual([]);
      await first.close();
      const second = await openDatabase(`sqlite:${path}`);
      const rows = await second.db.selectFrom("repositories").select("name").execute();
      expect(rows).toEqual([{ name: "team/app" }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!postgres)(
    "migrates one PostgreSQL schema exactly once when replicas start together",
    async () => {
      const schema = `t_mig_${randomBytes(4).toString("hex")}`;
      const url = postgres!;
      const replicas = await Promise.all(
        [1, 2, 3].map(() => openDatabase(url, { schema, poolSize: 2, migrate: false })),
      );
      try {
        const applied = await Promise.all(replicas.map((r) => migrateToLatest(r.db as never, "postgres")));
        expect(applied.flat()).toEqual(["0001_registry"]);
        const count = await sql<{ n: number }>`select count(*)::int as n from portcullis_migrations`.execute(
          replicas[0]!.db,
        );
        expect(count.rows[0]!.n).toBe(1);
      } finally {
        await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(replicas[0]!.db);
        await Promise.all(replicas.map((r) => r.close()));
      }
    },
  );

  it("never shows a password in its description", () => {
    expect(redactUrl("postgres://user:secret@db:5432/x")).toBe("postgres://user:***@db:5432/x");
    expect(redactUrl("not a url")).toBe("<unparsable url>");
  });
});
