/**
 * Registry servers for end-to-end tests: Portcullis itself (bin/portcullis.js serve) and, as a reference
 * implementation, CNCF Distribution (/usr/bin/docker-registry). Plus small process helpers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PORTCULLIS_BIN = join(REPO_ROOT, "bin", "portcullis.js");
export const DISTRIBUTION_BIN = process.env.DISTRIBUTION_BIN ?? "/usr/bin/docker-registry";

export type TargetName = "portcullis" | "distribution";

export interface RegistryServer {
  name: TargetName;
  /** Base URL, e.g. http://127.0.0.1:5000 */
  url: string;
  /** host:port, as used in image references (127.0.0.1:5000/repo:tag) */
  host: string;
  pid: number;
  dataDir: string;
  /** Stops the server (default SIGTERM; escalates to SIGKILL after 10 s) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL, as a crash, and waits for exit. Data is left in place. */
  kill(): Promise<void>;
  /** stdout + stderr captured so far. */
  output(): string;
  /** Stops the server if running and removes the temp dirs this helper created (never a caller's dataDir). */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Data directory; a fresh temp dir (removed by dispose()) when omitted. */
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  /** How long to wait for GET /v2/ to answer 200. Default 20 s. */
  readyTimeoutMs?: number;
  /** Listen on this port (e.g. to restart on the same address); a free one when omitted. */
  port?: number;
  /**
   * Distribution only: YAML lines added at the top level of its config (an `auth:` section). A
   * registry with auth answers GET /v2/ with 401, which then counts as ready.
   */
  distributionConfig?: string[];
}

/** A free TCP port on 127.0.0.1 (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

/** Whether an executable called `name` is on PATH (or, for a path, exists). */
export function hasCommand(name: string): boolean {
  if (name.includes("/")) return existsSync(name);
  const path = process.env.PATH ?? "";
  return path.split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, name)));
}

export interface RunOptions {
  cwd?: string;
  /** Merged over process.env. */
  env?: Record<string, string>;
  /** Written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Default 120 s; the process gets SIGKILL when it runs over. */
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

function truncate(text: string, max = 8000): string {
  return text.length <= max ? text : `${text.slice(0, max / 2)}\n...[truncated]...\n${text.slice(-max / 2)}`;
}

/** Runs a command to completion, collecting stdout/stderr; rejects with both on non-zero exit or timeout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      const commandLine = [cmd, ...args].join(" ");
      if (timedOut) {
        reject(
          new CommandError(
            `timed out after ${timeoutMs} ms: ${commandLine}\nstdout:\n${truncate(result.stdout)}\nstderr:\n${truncate(result.stderr)}`,
            result,
          ),
        );
      } else if (code !== 0 && !opts.allowFailure) {
        reject(
          new CommandError(
            `exit ${code ?? signal}: ${commandLine}\nstdout:\n${truncate(result.stdout)}\nstderr:\n${truncate(result.stderr)}`,
            result,
          ),
        );
      } else {
        resolveRun(result);
      }
    });
    child.stdin.on("error", () => {
      // the command may exit without reading stdin
    });
    child.stdin.end(opts.input ?? "");
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface SpawnSpec {
  name: TargetName;
  command: string;
  args: (host: string) => string[];
  env?: Record<string, string>;
  dataDir: string;
  beforeStart?: (host: string) => Promise<void>;
  tempDirs: string[];
  readyTimeoutMs: number;
  port?: number;
  /** Statuses of GET /v2/ that mean the server is up (200 unless told). */
  readyStatuses?: number[];
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", () => r()));
}

async function spawnServer(spec: SpawnSpec): Promise<RegistryServer> {
  const attempts = spec.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = spec.port ?? (await freePort());
    const host = `127.0.0.1:${port}`;
    const url = `http://${host}`;
    await spec.beforeStart?.(host);
    const child = spawn(spec.command, spec.args(host), {
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const capture = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.length > 1_000_000) output = output.slice(-500_000);
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    let spawnError: Error | undefined;
    child.once("error", (err) => {
      spawnError = err;
    });
    const exited = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;

    const deadline = Date.now() + spec.readyTimeoutMs;
    let ready = false;
    let lastProbe = "no response";
    while (Date.now() < deadline && !exited()) {
      try {
        const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        // 401: a server requiring authentication (accounts mode) is up too.
        if ((spec.readyStatuses ?? [200, 401]).includes(res.status)) {
          ready = true;
          break;
        }
        lastProbe = `HTTP ${res.status}`;
      } catch (err) {
        lastProbe =
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
      await sleep(100);
    }

    if (ready && child.pid !== undefined) {
      const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
        if (exited()) return;
        const done = waitForExit(child);
        child.kill(signal);
        const escalate = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await done;
        clearTimeout(escalate);
      };
      return {
        name: spec.name,
        url,
        host,
        pid: child.pid,
        dataDir: spec.dataDir,
        stop,
        kill: () => stop("SIGKILL"),
        output: () => output,
        dispose: async () => {
          await stop();
          for (const dir of spec.tempDirs) await rm(dir, { recursive: true, force: true });
        },
      };
    }

    if (!exited()) {
      const done = waitForExit(child);
      child.kill("SIGKILL");
      await done;
    }
    const why = spawnError
      ? `failed to spawn: ${spawnError.message}`
      : child.exitCode !== null || child.signalCode !== null
        ? `exited early (code ${child.exitCode}, signal ${child.signalCode})`
        : `not ready within ${spec.readyTimeoutMs} ms (last probe of ${url}/v2/: ${lastProbe})`;
    lastError = new Error(
      `${spec.name} did not start: ${why}\ncommand: ${spec.command} ${spec.args(host).join(" ")}\noutput:\n${truncate(output)}`,
    );
    // Another process may have grabbed the port between freePort() and listen(): retry on a new port.
    if (!/address already in use|EADDRINUSE/i.test(output)) break;
  }
  for (const dir of spec.tempDirs) await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error(`${spec.name} did not start`);
}

async function resolveDataDir(
  prefix: string,
  dataDir: string | undefined,
  tempDirs: string[],
): Promise<string> {
  if (dataDir !== undefined) return isAbsolute(dataDir) ? dataDir : resolve(dataDir);
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Starts `node bin/portcullis.js serve --listen <host> --data <dataDir> ...args` and waits for GET /v2/ → 200 (or 401). */
export async function startPortcullis(opts: StartOptions = {}): Promise<RegistryServer> {
  const tempDirs: string[] = [];
  const dataDir = await resolveDataDir("portcullis-data-", opts.dataDir, tempDirs);
  try {
    return await spawnServer({
      name: "portcullis",
      command: process.execPath,
      args: (host) => [PORTCULLIS_BIN, "serve", "--listen", host, "--data", dataDir, ...(opts.args ?? [])],
      env: { PORTCULLIS_LOG_LEVEL: "warn", ...opts.env },
      dataDir,
      tempDirs,
      readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
    });
  } catch (err) {
    if (!existsSync(join(REPO_ROOT, "dist", "cli", "index.js")) && err instanceof Error) {
      err.message += `\n(hint: ${join(REPO_ROOT, "dist/cli/index.js")} does not exist; run \`npm run build\`)`;
    }
    throw err;
  }
}

/** Starts CNCF Distribution (docker-registry serve <config>) with filesystem storage and deletes enabled. */
export async function startDistribution(opts: StartOptions = {}): Promise<RegistryServer> {
  const tempDirs: string[] = [];
  const dataDir = await resolveDataDir("distribution-data-", opts.dataDir, tempDirs);
  const configDir = await mkdtemp(join(tmpdir(), "distribution-config-"));
  tempDirs.push(configDir);
  const configPath = join(configDir, "config.yml");
  return spawnServer({
    name: "distribution",
    command: DISTRIBUTION_BIN,
    args: () => ["serve", configPath, ...(opts.args ?? [])],
    env: opts.env,
    dataDir,
    tempDirs,
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.distributionConfig ? { readyStatuses: [200, 401] } : {}),
    beforeStart: async (host) => {
      const config = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${JSON.stringify(dataDir)}`,
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        `  addr: ${JSON.stringify(host)}`,
        ...(opts.distributionConfig ?? []),
        "",
      ].join("\n");
      await writeFile(configPath, config);
    },
  });
}

/** Starts the named target. */
export function startTarget(name: TargetName, opts: StartOptions = {}): Promise<RegistryServer> {
  return name === "portcullis" ? startPortcullis(opts) : startDistribution(opts);
}

/** Targets from PORTCULLIS_E2E_TARGETS (comma list; default "portcullis"). Unknown names throw. */
export function e2eTargets(): TargetName[] {
  const raw = process.env.PORTCULLIS_E2E_TARGETS ?? "portcullis";
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const name of names) {
    if (name !== "portcullis" && name !== "distribution") {
      throw new Error(
        `PORTCULLIS_E2E_TARGETS: unknown target ${JSON.stringify(name)} (portcullis, distribution)`,
      );
    }
  }
  return names as TargetName[];
}

/** A temp dir, registered for removal. */
export async function tempDir(prefix: string, registry: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  registry.push(dir);
  return dir;
}
