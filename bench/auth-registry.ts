/**
 * Identity and access (issue 13), on the wire: pull and push throughput of a Portcullis in accounts
 * mode, as a project robot speaking the Docker token flow, beside the same build in anonymous mode, in
 * one run. The registry part's workloads (big blob, small blobs, manifests) run against both servers in
 * alternating order, round after round, and the medians are compared. Goal: authenticated within 5 %.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { RegistryClient } from "./client.js";
import { type RunningTarget, startPortcullis } from "./targets.js";
import {
  type BenchConfig,
  type BigBlobResult,
  type OpsResult,
  type Phase,
  WORKLOADS,
  type WorkloadContext,
} from "./workloads.js";

type Mode = "anonymous" | "authenticated";
const MODES: readonly Mode[] = ["anonymous", "authenticated"];
const MEASURED = ["big-blob", "small-blobs", "manifests"] as const;
type Measured = (typeof MEASURED)[number];

export interface AuthThroughputRow {
  readonly workload: Measured;
  readonly phase: "push" | "pull";
  readonly unit: "MiB/s" | "ops/s";
  /** The median round, per mode. */
  readonly rate: Record<Mode, number>;
  /** Every round's figure, per mode, in the order they ran. */
  readonly rounds: Record<Mode, number[]>;
  /** The server's CPU seconds in the median round, per mode (where an authenticated request's cost shows). */
  readonly serverCpuSeconds: Record<Mode, number | null>;
  /**
   * authenticated / anonymous, round by round (the two modes of one round run back to back), and their
   * median: the verdict. A slow stretch of the machine lowers both figures of a round rather than one
   * mode's median, so pairing cancels most of the noise that comparing two medians keeps.
   */
  readonly pairedRatios: number[];
  readonly pairedRatio: number;
  /** The server's median CPU microseconds per operation (per MiB for the big blob), per mode. */
  readonly cpuPerUnit: Record<Mode, number | null>;
}

export interface AuthThroughputResult {
  readonly config: BenchConfig;
  /** Rounds of the small-blob and manifest workloads (the big blob runs `config.bigRounds`). */
  readonly rounds: number;
  readonly rows: AuthThroughputRow[];
  /** How many times the authenticated client asked the token service in the whole run. */
  readonly tokenRequests: number;
  readonly load: number;
}

/** The median of a list and its index in the list (the round it came from). */
function medianIndex(values: readonly number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.floor((order.length - 1) / 2)]![1];
}

function median(values: readonly number[]): number {
  return values[medianIndex(values)]!;
}

function flushPageCache(): void {
  try {
    execFileSync("sync");
  } catch {
    // No `sync` command: the rounds share the disk's writeback.
  }
}

async function api(url: string, path: string, authorization: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function benchAuthThroughput(
  config: BenchConfig,
  rounds: number,
  log: (line: string) => void,
): Promise<AuthThroughputResult> {
  const adminPassword = randomBytes(18).toString("base64url");
  const targets = new Map<Mode, RunningTarget>();
  const clients = new Map<Mode, RegistryClient>();
  try {
    for (const mode of MODES) {
      log(`auth throughput: starting Portcullis (${mode})…`);
      const started = await startPortcullis(mode === "authenticated" ? { adminPassword } : {});
      if (!started.ok) throw new Error(`Portcullis (${mode}) did not start: ${started.reason}`);
      targets.set(mode, started.target);
    }
    const accounts = targets.get("authenticated")!;
    // A project `bench` (the workloads' repositories are bench/...) and a robot that may pull and push.
    const admin = `Basic ${Buffer.from(`admin:${adminPassword}`).toString("base64")}`;
    await api(accounts.url, "/api/v1/projects", admin, { name: "bench" });
    const robot = (await api(accounts.url, "/api/v1/projects/bench/robots", admin, {
      name: "bench",
      permissions: ["repository.pull", "repository.push"],
    })) as { robot: { name: string }; secret: string };
    clients.set("anonymous", new RegistryClient(targets.get("anonymous")!.url, 64));
    clients.set(
      "authenticated",
      new RegistryClient(accounts.url, 64, { username: robot.robot.name, secret: robot.secret }),
    );

    const rows: AuthThroughputRow[] = [];
    for (const workload of MEASURED) {
      const count = workload === "big-blob" ? config.bigRounds : rounds;
      const phases: Record<
        Mode,
        Array<{
          push: Phase & { rate: number; units: number };
          pull: Phase & { rate: number; units: number };
        }>
      > = {
        anonymous: [],
        authenticated: [],
      };
      for (let round = 0; round < count; round++) {
        // Alternate which server goes first, so neither always inherits the other's writeback.
        const order = round % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of order) {
          flushPageCache();
          const target = targets.get(mode)!;
          const exited = target.exited();
          if (exited !== null) throw new Error(`Portcullis (${mode}) ${exited}`);
          log(`[${mode}] ${workload} round ${round + 1}/${count}: running…`);
          const ctx: WorkloadContext = {
            client: clients.get(mode)!,
            target,
            config,
            log: (line) => log(line.replace(`[portcullis]`, `[${mode}]`)),
            round,
          };
          const result = await WORKLOADS[workload](ctx);
          if (workload === "big-blob") {
            const big = result as BigBlobResult;
            const mib = big.bytes / (1024 * 1024);
            phases[mode].push({
              push: { ...big.push, rate: big.push.mibPerSec, units: mib },
              pull: { ...big.pull, rate: big.pull.mibPerSec, units: mib },
            });
          } else {
            const ops = result as OpsResult;
            phases[mode].push({
              push: { ...ops.push, rate: ops.push.opsPerSec, units: ops.push.ops },
              pull: { ...ops.pull, rate: ops.pull.opsPerSec, units: ops.pull.ops },
            });
          }
        }
      }
      for (const phase of ["push", "pull"] as const) {
        const pick = (mode: Mode) => {
          const list = phases[mode].map((p) => p[phase]);
          return list[medianIndex(list.map((p) => p.rate))]!;
        };
        const cpuPerUnit = (mode: Mode): number | null => {
          const list = phases[mode].map((p) => p[phase]);
          if (list.some((p) => p.serverCpuSeconds === null)) return null;
          return median(list.map((p) => ((p.serverCpuSeconds as number) / p.units) * 1e6));
        };
        const pairedRatios = phases.authenticated.map(
          (p, i) => p[phase].rate / phases.anonymous[i]![phase].rate,
        );
        rows.push({
          workload,
          pairedRatios,
          pairedRatio: median(pairedRatios),
          cpuPerUnit: { anonymous: cpuPerUnit("anonymous"), authenticated: cpuPerUnit("authenticated") },
          phase,
          unit: workload === "big-blob" ? "MiB/s" : "ops/s",
          rate: { anonymous: pick("anonymous").rate, authenticated: pick("authenticated").rate },
          rounds: {
            anonymous: phases.anonymous.map((p) => p[phase].rate),
            authenticated: phases.authenticated.map((p) => p[phase].rate),
          },
          serverCpuSeconds: {
            anonymous: pick("anonymous").serverCpuSeconds,
            authenticated: pick("authenticated").serverCpuSeconds,
          },
        });
      }
    }
    return {
      config,
      rounds,
      rows,
      tokenRequests: clients.get("authenticated")!.tokenRequests,
      load: loadavg()[0]!,
    };
  } finally {
    for (const client of clients.values()) client.close();
    await Promise.allSettled([...targets.values()].map((t) => t.stop()));
  }
}

const LABELS: Record<Measured, string> = {
  "big-blob": "big blob",
  "small-blobs": "small blobs",
  manifests: "manifests",
};

/** The median paired ratio, whether it meets the goal (within 5 %), and the rounds' spread. */
function ratioCell(row: AuthThroughputRow): string {
  const ratio = row.pairedRatio;
  const low = Math.min(...row.pairedRatios) * 100;
  const high = Math.max(...row.pairedRatios) * 100;
  return `${(ratio * 100).toFixed(1)} % ${ratio >= 0.95 ? "✓" : "✗"} (${low.toFixed(0)}–${high.toFixed(0)})`;
}

export function renderAuthThroughputSection(r: AuthThroughputResult | { error: string } | undefined): string {
  const lines = ["", "### Authenticated against anonymous pull and push", ""];
  const goal =
    "Goal (issue 13): authenticated pull and push throughput within 5 % of anonymous on the same run (ratio ≥ 95 %).";
  if (r === undefined || "error" in r) {
    lines.push(
      `${goal} Not measured yet${r ? `: ${r.error}` : ""}.`,
      "",
      "| workload | anonymous | authenticated | authenticated / anonymous |",
      "|---|---:|---:|---:|",
      ...MEASURED.flatMap((w) =>
        (["push", "pull"] as const).map(
          (p) => `| ${LABELS[w]} ${p} | not measured yet | not measured yet | — |`,
        ),
      ),
      "",
    );
    return lines.join("\n");
  }
  const fmt = (x: number) => x.toLocaleString("en", { maximumFractionDigits: x >= 100 ? 0 : 1 });
  const cpu = (x: number | null) => (x === null ? "?" : x.toFixed(0));
  lines.push(
    `Two Portcullis servers of the same build on loopback, one in anonymous mode, one in accounts mode where a project robot (pull, push) speaks the Docker token flow as docker and podman do: the first request of a repository gets 401 with the Bearer challenge, the client fetches a token from \`/token\` with its Basic credentials once and sends it with every request until it expires (${r.tokenRequests} token request${r.tokenRequests === 1 ? "" : "s"} in the whole run). The registry part's workloads: a ${r.config.bigMiB.toLocaleString("en")} MiB blob (median of ${r.config.bigRounds} rounds), ${r.config.smallCount.toLocaleString("en")} small blobs and ${r.config.smallCount.toLocaleString("en")} manifests at concurrency ${r.config.concurrency} (${r.rounds} rounds, new inputs each round); in each round the two servers run back to back, taking turns going first, and the verdict is the median of the rounds' authenticated / anonymous ratios (their range in brackets): a slow stretch of the shared 2-core machine then lowers both figures of one round instead of one mode's median. The server's CPU per operation (per MiB for the big blob) is the median round's, from /proc. The accounts-mode server checks the robot behind the token on every request from principals it remembers until the accounts' stored revision moves (read at most once a second), and a token's signature once per token, so an authenticated request adds no database read. ${goal} Load average at the end: ${r.load.toFixed(1)}.`,
    "",
    "| workload | anonymous (median) | authenticated (median) | authenticated / anonymous (paired, median; range) | server CPU µs per op or MiB, anonymous / authenticated |",
    "|---|---:|---:|---:|---:|",
    ...r.rows.map(
      (row) =>
        `| ${LABELS[row.workload]} ${row.phase} (${row.unit}) | ${fmt(row.rate.anonymous)} | ${fmt(row.rate.authenticated)} | ${ratioCell(row)} | ${cpu(row.cpuPerUnit.anonymous)} / ${cpu(row.cpuPerUnit.authenticated)} |`,
    ),
    "",
  );
  return lines.join("\n");
}
