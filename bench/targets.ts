/**
 * The registries under test: each is spawned on a free loopback port with a fresh temp data directory,
 * polled on `GET /v2/` until ready, sampled for resident memory while workloads run, and torn down at the end.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type TargetName = "portcullis" | "distribution";

export const TARGET_NAMES: readonly TargetName[] = ["portcullis", "distribution"];

export const TARGET_LABELS: Record<TargetName, string> = {
  portcullis: "Portcullis",
  distribution: "Distribution",
};

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_BYTES = 16 * 1024;
const RSS_INTERVAL_MS = 50;

export interface RunningTarget {
  readonly name: TargetName;
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  readonly version: string | null;
  /** Set once the process has exited (unexpectedly, or because `stop()` was called). */
  exited(): string | null;
  /** Last lines the server wrote to stdout/stderr. */
  output(): string;
  stop(): Promise<void>;
}

export type StartOutcome =
  | { readonly ok: true; readonly target: RunningTarget }
  | { readonly ok: false; readonly status: "failed to start" | "not installed"; readonly reason: string };

/** Everything that must be undone on exit, including SIGINT: live children and temp dirs. */
const cleanups = new Set<{ sync: () => void; async: () => Promise<void> }>();

export async function cleanupAll(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map((c) => c.async()));
}

/** Last-resort synchronous cleanup for `process.on("exit")`. */
export function cleanupAllSync(): void {
  for (const c of cleanups) c.sync();
  cleanups.clear();
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      srv.close(() => resolvePort(addr.port));
    });
  });
}

function lastBytes(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}

/** Picks the most telling line of a failed server's output for the report. */
export function summarizeFailure(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const telling = lines.find((l) => /error|cannot|failed|unknown|invalid|fatal/i.test(l));
  return (telling ?? lines[lines.length - 1] ?? "").slice(0, 300);
}

function probe(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = http.get(`${url}/v2/`, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolveStatus(0));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface SpawnSpec {
  readonly name: TargetName;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly port: number;
  readonly version: string | null;
  /** What `GET /v2/` answers once the server is up: 200, or 401 when it asks for credentials. */
  readonly readyStatus?: number;
}

async function launch(spec: SpawnSpec): Promise<StartOutcome> {
  const url = `http://127.0.0.1:${spec.port}`;
  let output = "";
  let exitInfo: string | null = null;
  let child: ChildProcess;
  const removeDir = (): void => rmSync(spec.dir, { recursive: true, force: true });
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    removeDir();
    return { ok: false, status: "failed to start", reason: err instanceof Error ? err.message : String(err) };
  }
  const collect = (chunk: Buffer): void => {
    output = lastBytes(output + chunk.toString("utf8"), OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exitedPromise = new Promise<void>((done) => {
    child.on("error", (err) => {
      exitInfo ??= `spawn error: ${err.message}`;
      done();
    });
    child.on("exit", (code, signal) => {
      exitInfo ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
      done();
    });
  });

  let stopping: Promise<void> | undefined;
  const entry = {
    sync: (): void => {
      if (exitInfo === null) child.kill("SIGKILL");
      removeDir();
    },
    async: (): Promise<void> => stop(),
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      cleanups.delete(entry);
      if (exitInfo === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exitedPromise;
        clearTimeout(timer);
      }
      removeDir();
    })();
    return stopping;
  };
  cleanups.add(entry);

  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastStatus = 0;
  while (performance.now() < deadline) {
    if (exitInfo !== null) break;
    lastStatus = await probe(url, 2_000);
    if (lastStatus === (spec.readyStatus ?? 200)) break;
    await sleep(READY_POLL_MS);
  }
  if (lastStatus !== (spec.readyStatus ?? 200) || exitInfo !== null || child.pid === undefined) {
    // Give a crashing process a moment to flush its error before we read the output.
    await Promise.race([exitedPromise, sleep(200)]);
    const why =
      exitInfo !== null
        ? `${exitInfo}${output ? `: ${summarizeFailure(output)}` : ""}`
        : `GET /v2/ ${lastStatus === 0 ? "did not answer" : `returned ${lastStatus}`} within ${READY_TIMEOUT_MS / 1000} s` +
          (output ? ` (${summarizeFailure(output)})` : "");
    await stop();
    return { ok: false, status: "failed to start", reason: why };
  }
  const pid = child.pid;
  return {
    ok: true,
    target: {
      name: spec.name,
      url,
      pid,
      dir: spec.dir,
      version: spec.version,
      exited: () => exitInfo,
      output: () => output,
      stop,
    },
  };
}

export function distributionVersion(): string | null {
  if (!existsSync(DISTRIBUTION_BIN)) return null;
  try {
    const out = execFileSync(DISTRIBUTION_BIN, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
    // "/usr/bin/docker-registry github.com/docker/distribution 2.8.2+ds1"
    return out.startsWith(DISTRIBUTION_BIN) ? out.slice(DISTRIBUTION_BIN.length).trim() : out;
  } catch {
    return null;
  }
}

export function portcullisVersion(): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version?: string };
    let commit = "";
    try {
      commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }).trim();
      const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bin"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }).trim();
      if (dirty) commit += "+dirty";
    } catch {
      // not a git checkout
    }
    return `${pkg.version ?? "unknown"}${commit ? ` (${commit})` : ""}`;
  } catch {
    return null;
  }
}

export async function startDistribution(): Promise<StartOutcome> {
  if (!existsSync(DISTRIBUTION_BIN)) {
    return {
      ok: false,
      status: "not installed",
      reason: `${DISTRIBUTION_BIN} not found (apt-get install docker-registry)`,
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-distribution-"));
  const port = await freePort();
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  return launch({
    name: "distribution",
    command: DISTRIBUTION_BIN,
    args: ["serve", config],
    cwd: dir,
    env: { ...process.env },
    dir,
    port,
    version: distributionVersion(),
  });
}

/**
 * Starts `portcullis serve` on a fresh data directory. With `adminPassword`, in accounts mode, after
 * `admin init` has made the administrator `admin` with that password (as the README's team setup does).
 */
export async function startPortcullis(options: { adminPassword?: string } = {}): Promise<StartOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-portcullis-"));
  const port = await freePort();
  const bin = join(REPO_ROOT, "bin", "portcullis.js");
  // Scan on push is off: Distribution does not scan, and the registry figures measure the registry.
  // The scanner has its own benchmark (bench/scan.ts).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORTCULLIS_LOG_LEVEL: "warn",
    PORTCULLIS_SCAN_ON_PUSH: "false",
  };
  if (options.adminPassword !== undefined) {
    env.PORTCULLIS_AUTH_MODE = "accounts";
    try {
      execFileSync(bin, ["admin", "init", "--data", join(dir, "data")], {
        cwd: REPO_ROOT,
        env: { ...env, PORTCULLIS_ADMIN_PASSWORD: options.adminPassword },
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 60_000,
      });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      return {
        ok: false,
        status: "failed to start",
        reason: `admin init: ${stderr || (err as Error).message}`,
      };
    }
  }
  const outcome = await launch({
    name: "portcullis",
    // Run as users run it (`npx portcullis`, or the file itself), so its shebang's V8 flags apply.
    command: bin,
    args: ["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "data")],
    cwd: REPO_ROOT,
    env,
    dir,
    port,
    version: portcullisVersion(),
    ...(options.adminPassword !== undefined ? { readyStatus: 401 } : {}),
  });
  if (!outcome.ok && !existsSync(join(REPO_ROOT, "dist", "cli", "index.js"))) {
    return { ...outcome, reason: `dist/cli/index.js is missing (run \`npm run build\`); ${outcome.reason}` };
  }
  return outcome;
}

export function startTarget(name: TargetName): Promise<StartOutcome> {
  return name === "portcullis" ? startPortcullis() : startDistribution();
}

/** The pid and all its descendants (in case a server forks workers), via /proc/<pid>/task/<tid>/children. */
function processTree(root: number): number[] {
  const seen = new Set<number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/)) {
          if (c) queue.push(Number(c));
        }
      } catch {
        // thread went away
      }
    }
  }
  return [...seen];
}

/** Resident set size in bytes of the process tree rooted at `pid`, or null if it no longer exists. */
export function readRss(pid: number): number | null {
  let total = 0;
  let found = false;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) {
        total += Number(m[1]) * 1024;
        found = true;
      }
    } catch {
      // process exited between listing and reading
    }
  }
  return found ? total : null;
}

let clockTicks: number | undefined;

/** User + system CPU seconds consumed so far by the process tree rooted at `pid` (live processes only). */
export function readCpuSeconds(pid: number): number | null {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  let ticks = 0;
  let found = false;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // process exited
    }
  }
  return found ? ticks / clockTicks : null;
}

export interface RssSummary {
  readonly peakMiB: number | null;
  readonly samples: number;
}

/** Samples VmRSS every 50 ms between start() and stop(); reports the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private samples = 0;

  constructor(private readonly pid: number) {}

  private sample(): void {
    const rss = readRss(this.pid);
    if (rss === null) return;
    this.samples++;
    if (rss > this.peak) this.peak = rss;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_INTERVAL_MS);
    return this;
  }

  stop(): RssSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return { peakMiB: this.samples > 0 ? this.peak / 1024 ** 2 : null, samples: this.samples };
  }
}
