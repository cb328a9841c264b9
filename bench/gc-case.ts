/**
 * One case of the GC benchmark, in a process of its own so that its peak memory is its own:
 *   node --import tsx bench/gc-case.ts sqlite|postgres BLOBS
 * fills a fresh database with BLOBS blob rows (generated in SQL) over a synthetic store (gc-store.ts),
 * runs one garbage collection and prints one JSON line (GcCaseResult). PostgreSQL: PORTCULLIS_BENCH_POSTGRES.
 *
 * The shape: 100 repositories in 10 projects; 90% of blobs linked and referenced by a manifest (kept);
 * 10% unreferenced, a fifth of those still linked (the layers of deleted images: GC unlinks them, with
 * their project's usage), the rest unlinked; 0.1% more files in the store without a row (orphans).
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { Registry } from "../src/registry/index.js";
import { type Database, openDatabase } from "../src/storage/index.js";
import { dropTestSchema } from "../src/storage/testing.js";
import { SyntheticStore } from "./gc-store.js";

export interface GcCaseResult {
  readonly database: string;
  readonly blobs: number;
  readonly populateMs: number;
  readonly gcMs: number;
  readonly linksRemoved: number;
  readonly blobsDeleted: number;
  readonly orphanFilesDeleted: number;
  /** Heap in use just before the collection, and its highest sample during it. */
  readonly heapBeforeMiB: number;
  readonly heapPeakMiB: number;
  /** The highest heap still reachable after a forced full collection, at each progress line. */
  readonly liveHeapPeakMiB: number;
  /** Resident set just before the collection, and its highest sample during it. */
  readonly rssBeforeMiB: number;
  readonly rssPeakMiB: number;
}

const DAY = 86_400_000;
const MiB = 1024 * 1024;

/** The digest of blob i as SQL (the same as gc-store.ts syntheticHex). */
function digestSql(dialect: string, column: string) {
  return dialect === "postgres"
    ? `'sha256:' || lpad(to_hex(${column} % 256), 2, '0') || lpad(to_hex(${column} / 256), 62, '0')`
    : `'sha256:' || printf('%02x', ${column} % 256) || printf('%062x', ${column} / 256)`;
}

export async function populate(database: Database, blobs: number, old: number): Promise<void> {
  const { db, dialect } = database;
  const digest = digestSql(dialect, "i");
  const numbers =
    dialect === "postgres"
      ? `(select i::bigint as i from generate_series(0, ${blobs - 1}) as g(i)) as n`
      : "bench_numbers as n";
  if (dialect === "sqlite") {
    await sql.raw("create temp table bench_numbers (i integer primary key)").execute(db);
    await sql
      .raw(
        `insert into bench_numbers (i) with recursive s(i) as (select 0 union all select i + 1 from s where i < ${blobs - 1}) select i from s`,
      )
      .execute(db);
  }
  const run = (text: string) => sql.raw(text).execute(db);
  await run(
    `insert into repositories (id, name, created_at) select i + 1, 'bench' || (i % 10) || '/repo' || (i + 1), ${old} from ${numbers} where i < 100`,
  );
  await run(
    `insert into blobs (digest, size, created_at, linked_at) select ${digest}, 1000 + i % 5000, ${old}, ${old} from ${numbers}`,
  );
  await run(
    `insert into repository_blobs (repository_id, digest, linked_at) select 1 + i % 100, ${digest}, ${old} from ${numbers} where i % 10 <> 9 or i % 50 = 9`,
  );
  await run(
    `insert into manifest_refs (repository_id, manifest_digest, child_digest, kind) select 1 + i % 100, 'sha256:ff' || ${dialect === "postgres" ? "lpad(to_hex(i / 8), 62, '0')" : "printf('%062x', i / 8)"}, ${digest}, 'blob' from ${numbers} where i % 10 <> 9`,
  );
  // Usage rows of the links GC removes, so that each unlink does its real usage update.
  await run(
    `insert into project_content (project, kind, digest, refs, size) select 'bench' || ((1 + i % 100) % 10), 'blob', ${digest}, 1, 1000 + i % 5000 from ${numbers} where i % 50 = 9`,
  );
  await run(
    `insert into project_usage (project, bytes) select 'bench' || i, 1000000000000 from ${numbers} where i < 10`,
  );
  // Planner statistics, as a database that grew to this size over time would have.
  await run("analyze");
}

async function main(): Promise<void> {
  const [name, count] = process.argv.slice(2);
  const blobs = Number(count);
  if ((name !== "sqlite" && name !== "postgres") || !Number.isInteger(blobs) || blobs < 1000)
    throw new Error("usage: gc-case.ts sqlite|postgres BLOBS (at least 1000)");
  const pg = process.env.PORTCULLIS_BENCH_POSTGRES;
  if (name === "postgres" && !pg) throw new Error("PORTCULLIS_BENCH_POSTGRES is not set");
  const file = join(tmpdir(), `portcullis-bench-gc-${process.pid}.db`);
  const schema = `bench_gc_${process.pid}`;
  const database =
    name === "sqlite" ? await openDatabase(file) : await openDatabase(pg!, { schema, poolSize: 4 });
  try {
    const now = Date.now();
    const old = now - 30 * DAY;
    let started = performance.now();
    await populate(database, blobs, old);
    const populateMs = performance.now() - started;

    const peak = { heap: 0, rss: 0, live: 0 };
    // Live heap: what is still reachable after a full collection (the child runs with --expose-gc), at
    // each progress line; heapUsed alone also counts garbage V8 has not collected yet.
    const collect = (globalThis as { gc?: () => void }).gc;
    const sampleLive = () => {
      collect?.();
      peak.live = Math.max(peak.live, process.memoryUsage().heapUsed);
    };
    const sample = () => {
      const m = process.memoryUsage();
      peak.heap = Math.max(peak.heap, m.heapUsed);
      peak.rss = Math.max(peak.rss, m.rss);
    };
    const orphans = Math.floor(blobs / 1000);
    const store = new SyntheticStore(blobs + orphans, new Date(old), sample);
    const registry = new Registry({ database, store, options: { gcGracePeriodMs: DAY } });
    collect?.();
    const before = process.memoryUsage();
    started = performance.now();
    const report = await registry.collectGarbage({
      progressEvery: 50_000,
      onProgress: (line) => {
        sample();
        sampleLive();
        process.stderr.write(
          `gc (${name}, ${blobs}) +${((performance.now() - started) / 1000).toFixed(1)} s: ${line}\n`,
        );
      },
    });
    const gcMs = performance.now() - started;
    sample();
    const result: GcCaseResult = {
      database: name,
      blobs,
      populateMs,
      gcMs,
      linksRemoved: report.linksRemoved,
      blobsDeleted: report.blobsDeleted,
      orphanFilesDeleted: report.orphanFilesDeleted,
      heapBeforeMiB: before.heapUsed / MiB,
      heapPeakMiB: peak.heap / MiB,
      liveHeapPeakMiB: peak.live / MiB,
      rssBeforeMiB: before.rss / MiB,
      rssPeakMiB: peak.rss / MiB,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await database.close();
    if (name === "sqlite") for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    else await dropTestSchema(pg!, schema).catch(() => {});
  }
}

// Imported (by a query-plan check) it only lends `populate`.
if (process.argv[1]?.endsWith("gc-case.ts")) await main();
