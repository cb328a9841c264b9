/**
 * The timeline's benchmark (issue 15): "a timeline for an image with 10,000 events in < 100 ms". One
 * image's events are interleaved among others' in a real record (appended through EventRecord, so the
 * leaves and the tree are the real ones), then its timeline is read with every inclusion proof and the
 * signed checkpoint, as GET /api/v1/audit/timeline and the CLI read it (buildTimeline, no HTTP).
 * BENCH_TIMELINE_EVENTS (default 10,000), BENCH_TIMELINE_OTHERS (default 90,000), BENCH_TIMELINE_RUNS
 * (default 20), PORTCULLIS_BENCH_POSTGRES (a URL: PostgreSQL too).
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTimeline, gateRecords } from "../src/app/index.js";
import {
  EventRecord,
  leafIncluded,
  loadRecordSigner,
  openTreeCheckpoint,
  type RecordEventInput,
} from "../src/audit/index.js";
import { type Database, openDatabase } from "../src/storage/index.js";
import { dropTestSchema } from "../src/storage/testing.js";

export interface TimelineBenchResult {
  readonly events: number;
  readonly others: number;
  readonly runs: number;
  readonly targets: {
    readonly database: string;
    readonly ms: { readonly median: number; readonly p95: number } | null;
    /** CPU time of this process during the call (user + system): what it costs on a shared machine. */
    readonly cpuMs?: { readonly median: number };
    readonly error?: string;
  }[];
}

const IMAGE = `sha256:${createHash("sha256").update("the benched image").digest("hex")}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** `events` of the image, one in every (others / events + 1) entries, the rest about other digests. */

async function fill(database: Database, events: number, others: number): Promise<void> {
  const record = new EventRecord(database);
  const total = events + others;
  const every = Math.max(1, Math.round(total / Math.max(events, 1)));
  let mine = 0;
  const batch: RecordEventInput[] = [];
  for (let i = 0; i < total; i++) {
    const ours = mine < events && (i % every === 0 || total - i <= events - mine);
    if (ours) mine++;
    batch.push({
      kind: ours && i % 3 === 0 ? "runtime.alert" : "image.pulled",
      at: 1_700_000_000_000 + i,
      actor: `robot$ci${i % 7}`,
      repository: "team/app",
      digest: ours ? IMAGE : `sha256:${createHash("sha256").update(String(i)).digest("hex")}`,
      summary: `event ${i}`,
      payload: { i },
    });
    if (batch.length === 2000) await record.append(batch.splice(0));
  }
  await record.append(batch.splice(0));
}

export async function benchTimeline(log: (line: string) => void): Promise<TimelineBenchResult> {
  const events = Number(process.env.BENCH_TIMELINE_EVENTS ?? 10_000);
  const others = Number(process.env.BENCH_TIMELINE_OTHERS ?? 90_000);
  const runs = Number(process.env.BENCH_TIMELINE_RUNS ?? 20);
  const targets: TimelineBenchResult["targets"][number][] = [];
  const pg = process.env.PORTCULLIS_BENCH_POSTGRES;
  for (const name of ["sqlite", ...(pg ? ["postgres"] : [])]) {
    const file = join(tmpdir(), `portcullis-bench-timeline-${process.pid}.db`);
    const schema = `bench_timeline_${process.pid}`;
    const open = () => (name === "sqlite" ? openDatabase(file) : openDatabase(pg!, { schema, poolSize: 4 }));
    try {
      const database = await open();
      try {
        await fill(database, events, others);
        const record = new EventRecord(database, {
          signer: await loadRecordSigner(database, randomBytes(32)),
        });
        const sources = {
          record,
          scans: gateRecords(database, record).scans,
          resolveTag: async () => undefined,
        };
        const times: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < runs + 2; i++) {
          const cpuStarted = process.cpuUsage();
          const started = performance.now();
          const timeline = await buildTimeline(sources, { image: IMAGE });
          const took = performance.now() - started;
          const used = process.cpuUsage(cpuStarted);
          if (i >= 2) {
            // the first two warm the caches
            times.push(took);
            cpu.push((used.user + used.system) / 1000);
          }
          if (i === 0) {
            if (timeline.entries.length !== events) {
              throw new Error(`the timeline held ${timeline.entries.length} entries, not ${events}`);
            }
            const verifier = record.signer!.verifier;
            const head = openTreeCheckpoint(timeline.checkpoint, verifier.name, [verifier]);
            for (const e of timeline.entries) {
              if (!leafIncluded(e.leaf, e.index, head.size, e.proof!, head.root)) {
                throw new Error(`entry ${e.index}'s proof does not verify`);
              }
            }
          }
        }
        times.sort((a, b) => a - b);
        cpu.sort((a, b) => a - b);
        const ms = { median: percentile(times, 0.5), p95: percentile(times, 0.95) };
        const cpuMs = { median: percentile(cpu, 0.5) };
        log(
          `timeline (${name}): ${events} events among ${events + others}: median ${ms.median.toFixed(1)} ms, p95 ${ms.p95.toFixed(1)} ms, CPU median ${cpuMs.median.toFixed(1)} ms`,
        );
        targets.push({ database: name, ms, cpuMs });
      } finally {
        await database.close();
      }
    } catch (err) {
      targets.push({ database: name, ms: null, error: String(err) });
    } finally {
      if (name === "sqlite") for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      else await dropTestSchema(pg!, schema).catch(() => {});
    }
  }
  return { events, others, runs, targets };
}

export function renderTimelineSection(r: TimelineBenchResult): string {
  const rows = r.targets.map((t) =>
    t.error
      ? `| ${t.database} | failed: ${t.error} | | |`
      : `| ${t.database} | ${t.ms!.median.toFixed(1)} | ${t.ms!.p95.toFixed(1)} | ${t.cpuMs?.median.toFixed(1) ?? ""} |`,
  );
  return [
    "",
    "## Timelines (issue 15)",
    "",
    `One image's timeline of ${r.events} events among ${r.events + r.others} in the record, read ${r.runs} times ` +
      "with every inclusion proof and the signed checkpoint (buildTimeline: what the API and the CLI read; goal < 100 ms).",
    "",
    "| database | median (ms) | p95 (ms) | CPU median (ms) |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
