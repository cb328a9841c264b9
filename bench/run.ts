/**
 * Entry point of `npm run bench`: starts Portcullis and CNCF Distribution, runs every workload against each
 * with the same client, then writes docs/benchmarks.md and .bench/results.json and prints the Markdown.
 *
 * Environment: BENCH_ONLY=portcullis|distribution, BENCH_BIG_MIB (1024), BENCH_SMALL_COUNT (1000),
 * BENCH_TAGS (10000), BENCH_CONCURRENCY (16), BENCH_AUTH_ROUNDS (7: rounds of the authenticated against
 * anonymous small-blob and manifest workloads), BENCH_AUTH_SMALL_COUNT (3000: their operations per round).
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { benchAdmission, renderAdmissionSection } from "./admission.js";
import { type AuthBenchResult, benchAuth, renderAuthSection } from "./auth.js";
import {
  type AuthThroughputResult,
  benchAuthThroughput,
  renderAuthThroughputSection,
} from "./auth-registry.js";
import { RegistryClient } from "./client.js";
import { benchConsole, type ConsoleBenchResult, renderConsoleSection } from "./console.js";
import { benchGc, renderGcSection } from "./gc.js";
import { benchLint, renderLintSection } from "./lint.js";
import { benchRecord, type RecordBenchResult, renderRecordSection } from "./record.js";
import { benchReplicas, type ReplicasBenchResult, renderReplicasSection } from "./replicas.js";
import {
  type BenchResults,
  type Outcome,
  renderMarkdown,
  type TargetResult,
  type WorkloadResults,
} from "./report.js";
import { benchSbom, renderSbomSection, type SbomBenchResult } from "./sbom.js";
import { benchScan, renderScanSection } from "./scan.js";
import { benchStartUp, renderStartUpSection, type StartUpBenchResult } from "./start-up.js";
import {
  cleanupAll,
  cleanupAllSync,
  DISTRIBUTION_BIN,
  distributionVersion,
  portcullisVersion,
  REPO_ROOT,
  type RunningTarget,
  readRss,
  startTarget,
  TARGET_LABELS,
  TARGET_NAMES,
  type TargetName,
} from "./targets.js";
import { benchTimeline, renderTimelineSection, type TimelineBenchResult } from "./timeline.js";
import { benchTrust, renderTrustSection, type TrustBenchResult } from "./trust.js";
import {
  type BenchConfig,
  type BigBlobResult,
  medianBigBlob,
  WORKLOAD_NAMES,
  WORKLOADS,
  type WorkloadContext,
} from "./workloads.js";

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function onlyEnv(): TargetName | null {
  const raw = process.env.BENCH_ONLY?.trim().toLowerCase();
  if (!raw) return null;
  const match = TARGET_NAMES.find((n) => n === raw);
  if (!match)
    throw new Error(`BENCH_ONLY must be one of ${TARGET_NAMES.join(", ")}, got ${JSON.stringify(raw)}`);
  return match;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Slot {
  readonly name: TargetName;
  status: TargetResult["status"];
  reason: string | null;
  version: string | null;
  target: RunningTarget | null;
  client: RegistryClient | null;
  idleRssMiB: number | null;
  outputTail: string | null;
  readonly workloads: WorkloadResults;
  /** Every big-blob round, for the raw results. */
  bigBlobRounds?: BigBlobResult[];
}

const PARTS = [
  "registry",
  "lint",
  "scan",
  "trust",
  "admission",
  "sbom",
  "auth",
  "console",
  "record",
  "timeline",
  "startup",
  "replicas",
  "gc",
] as const;
type Part = (typeof PARTS)[number];

/** BENCH_PARTS=registry,lint,scan,trust,admission,sbom,auth,console,record,timeline,startup,replicas,gc (default all): the sections to measure this run. */
function partsEnv(): Set<Part> {
  const raw = process.env.BENCH_PARTS?.trim();
  if (!raw) return new Set(PARTS);
  const parts = new Set<Part>();
  for (const word of raw.split(",")) {
    const part = PARTS.find((p) => p === word.trim());
    if (!part) throw new Error(`BENCH_PARTS must list ${PARTS.join(", ")}, got ${JSON.stringify(word)}`);
    parts.add(part);
  }
  return parts;
}

/**
 * docs/benchmarks.md holds one block per part between `<!-- part:NAME -->` markers; a run replaces
 * the blocks of the parts it measured and keeps the others, so one part can be re-measured alone.
 */
function mergeSections(previous: string, fresh: Map<Part, string>): string {
  const blocks = new Map<Part, string>();
  for (const part of PARTS) {
    const m = new RegExp(`<!-- part:${part} -->\\n([\\s\\S]*?)<!-- /part:${part} -->`).exec(previous);
    if (m) blocks.set(part, m[1]!);
  }
  for (const [part, text] of fresh) blocks.set(part, text);
  return PARTS.filter((p) => blocks.has(p))
    .map((p) => `<!-- part:${p} -->\n${blocks.get(p)!.replace(/\n*$/, "\n")}<!-- /part:${p} -->\n`)
    .join("\n");
}

async function main(): Promise<number> {
  const parts = partsEnv();
  const config: BenchConfig = {
    bigMiB: intEnv("BENCH_BIG_MIB", 1024, 1),
    bigRounds: intEnv("BENCH_BIG_ROUNDS", 3, 1),
    smallCount: intEnv("BENCH_SMALL_COUNT", 1000, 1),
    tags: intEnv("BENCH_TAGS", 10_000, 1),
    concurrency: intEnv("BENCH_CONCURRENCY", 16, 1),
  };
  const only = onlyEnv();
  const startedAt = new Date();
  const loadAverageStart = os.loadavg();
  const t0 = performance.now();
  log(
    `bench: big blob ${config.bigMiB} MiB, ${config.smallCount} small blobs/manifests, ${config.tags} tags, ` +
      `concurrency ${config.concurrency}${only ? `, only ${only}` : ""}`,
  );

  // Distribution first, so a broken Portcullis build cannot disturb the reference figures' startup.
  const order: TargetName[] = ["distribution", "portcullis"];
  const slots: Slot[] = [];
  for (const name of order) {
    if (!parts.has("registry")) break;
    const slot: Slot = {
      name,
      status: "skipped",
      reason: null,
      version: name === "distribution" ? distributionVersion() : portcullisVersion(),
      target: null,
      client: null,
      idleRssMiB: null,
      outputTail: null,
      workloads: {},
    };
    slots.push(slot);
    if (only !== null && only !== name) {
      slot.reason = `BENCH_ONLY=${only}`;
      continue;
    }
    log(`${name}: starting…`);
    const outcome = await startTarget(name);
    if (!outcome.ok) {
      slot.status = outcome.status;
      slot.reason = outcome.reason;
      if (outcome.status === "not installed") {
        log(
          `${name}: ${DISTRIBUTION_BIN} is not installed — benchmarking Portcullis alone (apt-get install docker-registry)`,
        );
      } else {
        log(`${name}: FAILED TO START — ${outcome.reason}`);
      }
      continue;
    }
    slot.status = "ok";
    slot.target = outcome.target;
    slot.client = new RegistryClient(outcome.target.url, 64);
    const rss = readRss(outcome.target.pid);
    slot.idleRssMiB = rss === null ? null : rss / 1024 ** 2;
    log(
      `${name}: ready at ${outcome.target.url} (pid ${outcome.target.pid}, ` +
        `${slot.idleRssMiB === null ? "?" : slot.idleRssMiB.toFixed(1)} MiB RSS)`,
    );
  }

  for (const workload of WORKLOAD_NAMES) {
    // The big blob is measured over several rounds, the targets taking turns, and the median kept.
    const rounds = workload === "big-blob" ? config.bigRounds : 1;
    const runs = new Map<Slot, BigBlobResult[]>();
    for (let round = 0; round < rounds; round++) {
      for (const slot of slots) {
        const { target, client } = slot;
        if (!target || !client) continue;
        if (slot.workloads[workload] && !slot.workloads[workload]!.ok) continue;
        const exited = target.exited();
        if (exited !== null) {
          slot.workloads[workload] = { ok: false, error: `server ${exited} before this workload` };
          log(`[${slot.name}] ${workload}: skipped, server ${exited}`);
          continue;
        }
        // Start every phase on a clean page cache: otherwise the previous phase's dirty pages (a GiB
        // from Distribution, which never fsyncs) are written back during the next one and slow down
        // whichever server happens to run then, most of all one that fsyncs its blobs.
        flushPageCache();
        log(`[${slot.name}] ${workload}: running…`);
        const ctx: WorkloadContext = { client, target, config, log, round };
        try {
          const result = await WORKLOADS[workload](ctx);
          if (workload === "big-blob") {
            const list = runs.get(slot) ?? [];
            list.push(result as BigBlobResult);
            runs.set(slot, list);
            slot.workloads[workload] = { ok: true, result: medianBigBlob(list) };
          } else {
            (slot.workloads as Record<string, Outcome<unknown>>)[workload] = { ok: true, result };
          }
        } catch (err) {
          const died = target.exited();
          const error = died === null ? errorText(err) : `${errorText(err)} (server ${died})`;
          slot.workloads[workload] = { ok: false, error };
          log(`[${slot.name}] ${workload}: FAILED — ${error}`);
        }
      }
    }
    for (const [slot, list] of runs) slot.bigBlobRounds = list;
  }

  for (const slot of slots) {
    slot.client?.close();
    const output = slot.target?.output();
    if (output) slot.outputTail = output.slice(-4096);
  }
  await cleanupAll();

  // The Dockerfile linter (issue "Build"), beside Trivy's config scan; BENCH_LINT_FILES=0 skips it.
  const lintFiles = intEnv("BENCH_LINT_FILES", 10_000, 0);
  const lint =
    parts.has("lint") && lintFiles > 0
      ? await benchLint(lintFiles, process.env.BENCH_TRIVY !== "0", log)
      : undefined;
  // The scanner (issue "Scan"): SBOMs beside Trivy's on two images built here, OSV import and matching.
  const scan = parts.has("scan") ? await benchScan(log) : undefined;
  // Signatures (issue "Integrity"): sign, push and verify against a fresh Portcullis.
  let trust: TrustBenchResult | { error: string } | undefined;
  if (parts.has("trust")) {
    const started = await startTarget("portcullis");
    if (started.ok) {
      try {
        trust = await benchTrust(started.target.url, log);
      } catch (err) {
        trust = { error: errorText(err) };
      } finally {
        await started.target.stop();
      }
    } else {
      trust = { error: `Portcullis did not start: ${started.reason}` };
    }
  }

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - t0) / 1000,
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown CPU",
      totalMemoryGiB: os.totalmem() / 1024 ** 3,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
    },
    config,
    only,
    targets: TARGET_NAMES.map((name) => {
      const slot = slots.find((s) => s.name === name) ?? {
        status: "skipped" as const,
        reason: "BENCH_PARTS",
        version: null,
        target: null,
        idleRssMiB: null,
        outputTail: null,
        workloads: {},
        bigBlobRounds: [],
      };
      return {
        name,
        label: TARGET_LABELS[name],
        status: slot.status,
        reason: slot.reason,
        version: slot.version,
        url: slot.target?.url ?? null,
        idleRssMiB: slot.idleRssMiB,
        outputTail: slot.outputTail,
        workloads: slot.workloads,
        bigBlobRounds: slot.bigBlobRounds ?? [],
      };
    }),
  };

  // Admission decisions (issue "Deploy"): a warm policy gate behind the HTTPS webhook, load from another process.
  let admission: Awaited<ReturnType<typeof benchAdmission>> | { error: string } | undefined;
  if (parts.has("admission")) {
    try {
      admission = await benchAdmission(log);
    } catch (err) {
      admission = { error: errorText(err) };
    }
  }

  let sbom: SbomBenchResult | { error: string } | undefined;
  if (parts.has("sbom")) {
    try {
      sbom = await benchSbom(log);
    } catch (err) {
      sbom = { error: errorText(err) };
    }
  }

  let auth: AuthBenchResult | { error: string } | undefined;
  let authThroughput: AuthThroughputResult | { error: string } | undefined;
  if (parts.has("auth")) {
    try {
      auth = await benchAuth(log);
    } catch (err) {
      auth = { error: errorText(err) };
    }
    try {
      // Rounds of a few seconds each: the 1,000-operation rounds of the registry part last under a
      // second for pulls, too short to tell 5 % from the machine's noise.
      authThroughput = await benchAuthThroughput(
        { ...config, smallCount: intEnv("BENCH_AUTH_SMALL_COUNT", Math.max(config.smallCount, 3000), 1) },
        intEnv("BENCH_AUTH_ROUNDS", 7, 1),
        log,
      );
    } catch (err) {
      authThroughput = { error: errorText(err) };
      log(`auth throughput: FAILED — ${authThroughput.error}`);
    }
  }

  // The console (issue 14): 10,000 repositories, the API's first page and the first render in Chromium.
  let consoleResult: ConsoleBenchResult | { error: string } | undefined;
  if (parts.has("console")) {
    try {
      consoleResult = await benchConsole(log);
    } catch (err) {
      consoleResult = { error: errorText(err) };
      log(`console: FAILED — ${consoleResult.error}`);
    }
  }

  // The one record (issue 15): append rate, and proofs in a 10-million-entry log.
  let record: RecordBenchResult | undefined;
  if (parts.has("record")) record = await benchRecord(log);
  // A timeline of 10,000 events with their proofs (issue 15).
  let timeline: TimelineBenchResult | undefined;
  if (parts.has("timeline")) timeline = await benchTimeline(log);
  // CLI start-up (issue 17): spawn to exit of the light commands, median of BENCH_STARTUP_RUNS.
  let startup: StartUpBenchResult | undefined;
  if (parts.has("startup")) startup = benchStartUp(intEnv("BENCH_STARTUP_RUNS", 21, 1), log);
  // Several serve replicas behind HAProxy on one PostgreSQL (issue 16).
  let replicas: ReplicasBenchResult | { error: string } | undefined;
  if (parts.has("replicas")) {
    try {
      replicas = await benchReplicas(log);
    } catch (err) {
      replicas = { error: errorText(err) };
      log(`replicas: FAILED — ${replicas.error}`);
    }
  }
  // Garbage collection over 100k and 1M synthetic blobs (issue 16).
  const gc = parts.has("gc") ? await benchGc(log) : undefined;

  const fresh = new Map<Part, string>();
  if (consoleResult) fresh.set("console", renderConsoleSection(consoleResult));
  if (record) fresh.set("record", renderRecordSection(record));
  if (timeline) fresh.set("timeline", renderTimelineSection(timeline));
  if (startup) fresh.set("startup", renderStartUpSection(startup));
  if (replicas) fresh.set("replicas", renderReplicasSection(replicas));
  if (gc) fresh.set("gc", renderGcSection(gc));
  if (auth) {
    fresh.set(
      "auth",
      ("error" in auth
        ? `\n## Identity and access\n\nNot measured: ${auth.error}\n`
        : renderAuthSection(auth)) + renderAuthThroughputSection(authThroughput),
    );
  }
  if (sbom) {
    fresh.set(
      "sbom",
      "error" in sbom
        ? `\n## Large SBOMs (hostile input)\n\nNot measured: ${sbom.error}\n`
        : renderSbomSection(sbom),
    );
  }
  if (parts.has("registry")) fresh.set("registry", renderMarkdown(results));
  if (lint) fresh.set("lint", renderLintSection(lint));
  if (scan) fresh.set("scan", renderScanSection(scan));
  if (admission) {
    fresh.set(
      "admission",
      "error" in admission
        ? `\n## Admission decisions\n\nNot measured: ${admission.error}\n`
        : renderAdmissionSection(admission),
    );
  }
  if (trust) {
    fresh.set(
      "trust",
      "error" in trust ? `\n## Signatures\n\nNot measured: ${trust.error}\n` : renderTrustSection(trust),
    );
  }
  const docsFile = join(REPO_ROOT, "docs", "benchmarks.md");
  const markdown = mergeSections(existsSync(docsFile) ? readFileSync(docsFile, "utf8") : "", fresh);
  mkdirSync(join(REPO_ROOT, ".bench"), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, ".bench", "results.json"),
    `${JSON.stringify({ ...results, lint, scan, trust, admission, auth, authThroughput, console: consoleResult, record, timeline, startup, replicas, gc }, (_key, value) => (value instanceof Set ? [...value] : value), 2)}\n`,
  );
  mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
  writeFileSync(docsFile, markdown);
  process.stdout.write(markdown);
  log(`bench: wrote docs/benchmarks.md and .bench/results.json in ${results.durationSeconds.toFixed(0)} s`);
  return !parts.has("registry") || slots.some((s) => s.status === "ok") ? 0 : 1;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`bench: ${signal}, stopping servers and removing temp dirs…`);
    cleanupAll().finally(() => process.exit(130));
  });
}
process.on("exit", cleanupAllSync);

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    log(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanupAll();
    process.exitCode = 1;
  },
);

function flushPageCache(): void {
  try {
    execFileSync("sync");
  } catch {
    // No `sync` command: the phases just share the disk's writeback.
  }
}
