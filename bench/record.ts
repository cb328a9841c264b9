/**
 * The one record's benchmark (issue 15): sustained append rate on SQLite and PostgreSQL (events queued
 * by many callers, written a batch per transaction), and inclusion and consistency proof times in a
 * large log. The large log is made fast: leaf hashes precomputed and bulk-inserted with their nodes
 * (nodesForAppend), entries as minimal rows, since a proof reads only nodes.
 * BENCH_RECORD_APPENDS (default 50,000), BENCH_RECORD_ENTRIES (default 10,000,000),
 * PORTCULLIS_BENCH_POSTGRES (a URL: PostgreSQL too).
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventRecord, verifyInclusion } from "../src/audit/index.js";
import { nodesForAppend } from "../src/audit/record/tree.js";
import { type Database, openDatabase } from "../src/storage/index.js";
import { dropTestSchema } from "../src/storage/testing.js";

export interface RecordBenchResult {
  readonly appends: number;
  readonly entries: number;
  readonly targets: {
    readonly database: string;
    readonly appendPerSecond: number;
    readonly proofMs: { readonly median: number; readonly p95: number } | null;
    readonly consistencyMs: number | null;
    readonly error?: string;
  }[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function appendRate(database: Database, count: number): Promise<number> {
  const record = new EventRecord(database);
  const started = performance.now();
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    calls.push(
      record.append([
        {
          kind: "image.pulled",
          actor: `robot$ci${i % 7}`,
          repository: "team/app",
          digest: `sha256:${createHash("sha256").update(String(i)).digest("hex")}`,
          summary: `robot$ci pulled team/app:${i}`,
          payload: { reference: `v${i}` },
        },
      ]),
    );
    // Callers arrive over time, not all in one turn: yield now and then.
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(calls);
  return count / ((performance.now() - started) / 1000);
}

/** Fills the tree to `total` leaves with precomputed leaf hashes, a chunk per transaction. */
async function fill(database: Database, total: number, log: (line: string) => void): Promise<void> {
  const CHUNK = 50_000;
  let frontier: { level: number; idx: number; hash: Uint8Array }[] = [];
  for (let start = 0; start < total; start += CHUNK) {
    const n = Math.min(CHUNK, total - start);
    const leaves = Array.from({ length: n }, () => randomBytes(32));
    const nodes = nodesForAppend(frontier, start, leaves);
    // The new frontier: the perfect subtrees of [0, start + n), largest first.
    const byKey = new Map([...frontier, ...nodes].map((x) => [`${x.level}/${x.idx}`, x]));
    frontier = [];
    let at = 0;
    for (let level = 62; level >= 0; level--) {
      const width = 2 ** level;
      if (start + n - at >= width) {
        frontier.push(byKey.get(`${level}/${at / width}`)!);
        at += width;
      }
    }
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < n; i += 2000) {
        await trx
          .insertInto("record_entries")
          .values(
            Array.from({ length: Math.min(2000, n - i) }, (_, j) => ({
              idx: start + i + j,
              at: 0,
              kind: "image.pulled",
              actor: null,
              digest: null,
              repository: null,
              namespace: null,
              pod: null,
              container_id: null,
              summary: "bench",
              leaf: "{}",
              decision_id: null,
            })),
          )
          .execute();
      }
      for (let i = 0; i < nodes.length; i += 5000) {
        await trx
          .insertInto("record_nodes")
          .values(
            nodes.slice(i, i + 5000).map((x) => ({ level: x.level, idx: x.idx, hash: Buffer.from(x.hash) })),
          )
          .execute();
      }
    });
    if ((start / CHUNK) % 20 === 0) log(`record: filled ${start + n} of ${total}`);
  }
}

async function proofTimes(database: Database, total: number) {
  const record = new EventRecord(database);
  const { root } = await record.root();
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const index = Math.floor(Math.random() * total);
    const started = performance.now();
    const proof = await record.inclusionProof(index);
    times.push(performance.now() - started);
    if (i === 0) {
      const leaf = await database.db
        .selectFrom("record_nodes")
        .select("hash")
        .where("level", "=", 0)
        .where("idx", "=", index)
        .executeTakeFirstOrThrow();
      verifyInclusion(
        index,
        total,
        leaf.hash,
        proof.hashes.map((h) => Buffer.from(h, "hex")),
        Buffer.from(root, "hex"),
      );
    }
  }
  times.sort((a, b) => a - b);
  const started = performance.now();
  await record.consistencyProof(Math.floor(total / 3), total);
  return {
    proofMs: { median: percentile(times, 0.5), p95: percentile(times, 0.95) },
    consistencyMs: performance.now() - started,
  };
}

export async function benchRecord(log: (line: string) => void): Promise<RecordBenchResult> {
  const appends = Number(process.env.BENCH_RECORD_APPENDS ?? 50_000);
  const entries = Number(process.env.BENCH_RECORD_ENTRIES ?? 10_000_000);
  const targets: RecordBenchResult["targets"][number][] = [];
  const pg = process.env.PORTCULLIS_BENCH_POSTGRES;
  // Said, not skipped in silence: the goal holds on both databases.
  if (!pg) log("record: PORTCULLIS_BENCH_POSTGRES is not set, so PostgreSQL is not measured (SQLite only)");
  else log("record: PostgreSQL too (PORTCULLIS_BENCH_POSTGRES)");
  for (const name of ["sqlite", ...(pg ? ["postgres"] : [])]) {
    const file = join(tmpdir(), `portcullis-bench-record-${process.pid}.db`);
    const schema = `bench_record_${process.pid}`;
    const open = () => (name === "sqlite" ? openDatabase(file) : openDatabase(pg!, { schema, poolSize: 4 }));
    try {
      let database = await open();
      const appendPerSecond = await appendRate(database, appends);
      log(`record (${name}): ${appendPerSecond.toFixed(0)} appends/s over ${appends}`);
      await database.db.deleteFrom("record_entries").execute();
      await database.db.deleteFrom("record_nodes").execute();
      await fill(database, entries, log);
      await database.close();
      database = await open();
      const { proofMs, consistencyMs } = await proofTimes(database, entries);
      log(
        `record (${name}): inclusion proof at ${entries}: median ${proofMs.median.toFixed(2)} ms, p95 ${proofMs.p95.toFixed(2)} ms`,
      );
      await database.close();
      targets.push({ database: name, appendPerSecond, proofMs, consistencyMs });
    } catch (err) {
      targets.push({
        database: name,
        appendPerSecond: 0,
        proofMs: null,
        consistencyMs: null,
        error: String(err),
      });
    } finally {
      if (name === "sqlite") for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      else await dropTestSchema(pg!, schema).catch(() => {});
    }
  }
  return { appends, entries, targets };
}

export function renderRecordSection(r: RecordBenchResult): string {
  const rows = r.targets.map((t) =>
    t.error
      ? `| ${t.database} | failed: ${t.error} | | | |`
      : `| ${t.database} | ${t.appendPerSecond.toFixed(0)} | ${t.proofMs!.median.toFixed(2)} | ${t.proofMs!.p95.toFixed(2)} | ${t.consistencyMs!.toFixed(2)} |`,
  );
  return [
    "",
    "## The one record (issue 15)",
    "",
    `Appends: ${r.appends} single-event calls from many callers, queued and written a batch per transaction (goal ≥ 5,000/s). ` +
      `Proofs: 200 inclusion proofs of random leaves in a log of ${r.entries} entries (goal < 5 ms), and one consistency proof.`,
    "",
    "| database | appends/s | inclusion proof median (ms) | p95 (ms) | consistency proof (ms) |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
