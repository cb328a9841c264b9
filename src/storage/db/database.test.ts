import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { openDatabase, redactUrl } from "./database.js";
import { migrateToLatest } from "./migrations.js";
import { dropTestSchema } from "./testing.js";

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

  it("waits for another process's write lock instead of failing a read-then-write transaction", async () => {
    const dir = await mkdtemp(join(tmpdir(), "portcullis-db-"));
    const path = join(dir, "portcullis.db");
    const database = await openDatabase(path);
    // Another process (think `portcullis gc` beside `serve`) holds the write lock for a while.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("better-sqlite3"); const db = new D(${JSON.stringify(path)});
         db.exec("begin immediate"); process.stdout.write("locked\\n");
         setTimeout(() => { db.exec("commit"); db.close(); }, 600);`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(holder.stdout!, "data");
      const started = Date.now();
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom("repositories").select("id").execute();
        await trx.insertInto("repositories").values({ name: "waited", created_at: 1 }).execute();
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(await database.db.selectFrom("repositories").select("name").execute()).toEqual([
        { name: "waited" },
      ]);
    } finally {
      if (holder.exitCode === null) await once(holder, "exit");
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lets the garbage collector finalise statements without the runtime aborting", async () => {
    // Node 24.19 put cleanup hooks into node::ObjectWrap, which better-sqlite3 12 compiles in; until
    // 24.22 removing one from a collector run with no context entered failed a CHECK and aborted the
    // process (SIGABRT, no JavaScript error). Thousands of discarded statements reach that within a
    // second; a runtime and addon pair that passes this does not.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("better-sqlite3"); const db = new D(":memory:");
         for (let i = 0; i < 20000; i++) db.prepare("select " + i).get();
         db.close(); process.stdout.write("done\\n");`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, out: out.slice(0, 400) }).toEqual({ code: 0, signal: null, out: "done\n" });
  });

  it.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
    "migrates one PostgreSQL schema exactly once when replicas start together",
    async () => {
      const schema = `t_mig_${randomBytes(4).toString("hex")}`;
      const url = postgres!;
      const replicas = await Promise.all(
        [1, 2, 3].map(() => openDatabase(url, { schema, poolSize: 2, migrate: false })),
      );
      try {
        const applied = await Promise.all(replicas.map((r) => migrateToLatest(r.db as never, "postgres")));
        // Every migration once, in order, whichever replica ran it; the others found nothing to do.
        const all = applied.flat();
        expect(all.slice(0, 5)).toEqual([
          "0001_registry",
          "0002_scan_reports",
          "0003_decisions",
          "0004_decision_caller",
          "0005_identity",
        ]);
        expect(new Set(all).size).toBe(all.length);
        expect(applied.filter((list) => list.length > 0)).toHaveLength(1);
        const count = await sql<{ n: number }>`select count(*)::int as n from portcullis_migrations`.execute(
          replicas[0]!.db,
        );
        expect(count.rows[0]!.n).toBe(all.length);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
        await dropTestSchema(url, schema);
      }
    },
  );

  it("never shows a password in its description", () => {
    expect(redactUrl("postgres://user:secret@db:5432/x")).toBe("postgres://user:***@db:5432/x");
    expect(redactUrl("not a url")).toBe("<unparsable url>");
  });
});
