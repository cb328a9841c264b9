/**
 * CLI start-up (issue 17): how long a command takes from spawn to exit, the median of N spawns each,
 * for the commands a CI step runs (`--version`, `--help`, `lint` of a small Dockerfile, `policy
 * check`, `verify --help`) and `npx portcullis --version`. The goals: `--version` and `--help` under
 * 150 ms, a command doing work within 300 ms. `serve --help` is the reference for a command that
 * loads everything (Fastify, kysely, Sigstore). The CLI is run as users run it: bin/portcullis.js
 * through its shebang, so with its Node flags. BENCH_STARTUP_RUNS (default 21) spawns per command.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(REPO_ROOT, "bin", "portcullis.js");

const GOALS = { light: 150, working: 300 } as const;
/** GNU time: the CPU a spawn used (user + system), which a busy machine inflates far less than wall time. */
const GNU_TIME = "/usr/bin/time";

interface Case {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Milliseconds it should take at most, or null for a reference figure. */
  readonly goalMs: number | null;
}

export interface StartUpRow {
  readonly label: string;
  readonly goalMs: number | null;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median CPU time (user + system) of the spawn, when GNU time is installed. */
  readonly cpuMedianMs: number | null;
}

export interface StartUpBenchResult {
  readonly runs: number;
  readonly node: string;
  readonly loadAverageStart: number[];
  readonly rows: readonly StartUpRow[];
}

const SMALL_DOCKERFILE = [
  "FROM docker.io/library/alpine:3.20@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d",
  "RUN apk add --no-cache curl",
  "USER 65534",
  'ENTRYPOINT ["curl"]',
  "",
].join("\n");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number | null;
}

/** Wall time of one spawn to exit (and its CPU time); a crash (or an unexpected exit code) throws. */
function timeOnce(c: Case, cpuFile: string): Timing {
  const withTime = existsSync(GNU_TIME);
  const [command, args] = withTime
    ? [GNU_TIME, ["-f", "%U %S", "-o", cpuFile, c.command, ...c.args]]
    : [c.command, [...c.args]];
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8" });
  const wallMs = performance.now() - started;
  // lint exits 1 when it finds something: still a run that did its work.
  if (run.error !== undefined || (run.status !== 0 && run.status !== 1)) {
    throw new Error(`${c.label}: exit ${run.status} ${run.error?.message ?? ""} ${run.stderr.slice(-300)}`);
  }
  if (!withTime) return { wallMs, cpuMs: null };
  const [user, system] = readFileSync(cpuFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000 };
}

export function benchStartUp(runs: number, log: (line: string) => void): StartUpBenchResult {
  const dir = mkdtempSync(join(os.tmpdir(), "portcullis-bench-start-"));
  try {
    const dockerfile = join(dir, "Dockerfile");
    writeFileSync(dockerfile, SMALL_DOCKERFILE);
    const policy = join(REPO_ROOT, "examples", "policies", "block-critical.yaml");
    const cases: Case[] = [
      // The floor: Node itself, and npx finding a package's bin before it runs it.
      { label: "`node -e 0` (Node's own start)", command: process.execPath, args: ["-e", "0"], goalMs: null },
      { label: "`portcullis --version`", command: BIN, args: ["--version"], goalMs: GOALS.light },
      { label: "`portcullis --help`", command: BIN, args: ["--help"], goalMs: GOALS.light },
      {
        label: "`portcullis lint Dockerfile` (4 lines)",
        command: BIN,
        args: ["lint", dockerfile],
        goalMs: GOALS.working,
      },
      {
        label: "`portcullis policy check examples/policies/block-critical.yaml`",
        command: BIN,
        args: ["policy", "check", policy],
        goalMs: GOALS.working,
      },
      {
        label: "`portcullis verify --help`",
        command: BIN,
        args: ["verify", "--help"],
        goalMs: GOALS.working,
      },
      {
        label: "`npx portcullis --version`",
        command: "npx",
        args: ["portcullis", "--version"],
        goalMs: null,
      },
      { label: "`npx --version` (npx's own start)", command: "npx", args: ["--version"], goalMs: null },
      {
        label: "`portcullis serve --help` (reference)",
        command: BIN,
        args: ["serve", "--help"],
        goalMs: null,
      },
    ];
    const loadAverageStart = os.loadavg();
    const rows: StartUpRow[] = [];
    for (const c of cases) {
      const cpuFile = join(dir, "cpu.txt");
      timeOnce(c, cpuFile); // warm the page cache (and npx's lookup) before the measured runs
      const timings = Array.from({ length: runs }, () => timeOnce(c, cpuFile));
      const times = timings.map((t) => t.wallMs);
      const cpu = timings.flatMap((t) => (t.cpuMs === null ? [] : [t.cpuMs]));
      const row = {
        label: c.label,
        goalMs: c.goalMs,
        medianMs: median(times),
        minMs: Math.min(...times),
        maxMs: Math.max(...times),
        cpuMedianMs: cpu.length === 0 ? null : median(cpu),
      };
      log(
        `start-up: ${c.label} median ${row.medianMs.toFixed(0)} ms (min ${row.minMs.toFixed(0)}, CPU ${row.cpuMedianMs?.toFixed(0) ?? "?"} ms)`,
      );
      rows.push(row);
    }
    return { runs, node: process.version, loadAverageStart, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderStartUpSection(result: StartUpBenchResult): string {
  const lines = [
    "",
    "## CLI start-up",
    "",
    `Spawn to exit of \`bin/portcullis.js\` (through its shebang), median of ${result.runs} runs each after one ` +
      `warm-up, Node ${result.node}, load average ${result.loadAverageStart.map((l) => l.toFixed(2)).join(" ")} ` +
      "at the start (`BENCH_PARTS=startup npm run bench`); CPU is user + system time of the process " +
      "(GNU time), which a busy machine inflates far less than wall time. The goals apply to the wall time " +
      "on a quiet machine; Node's own start is the floor. A command imports only its own module " +
      "(`src/cli/commands.ts`); `src/cli/start-up.test.ts` pins which modules the light commands load.",
    "",
    "| command | median | min | max | CPU median | goal |",
    "|---|--:|--:|--:|--:|---|",
  ];
  for (const row of result.rows) {
    const goal =
      row.goalMs === null
        ? ""
        : `< ${row.goalMs} ms ${row.medianMs < row.goalMs ? "(met)" : "(**not met**)"}`;
    lines.push(
      `| ${row.label} | ${row.medianMs.toFixed(0)} ms | ${row.minMs.toFixed(0)} ms | ${row.maxMs.toFixed(0)} ms | ` +
        `${row.cpuMedianMs === null ? "" : `${row.cpuMedianMs.toFixed(0)} ms`} | ${goal} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
