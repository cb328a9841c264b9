/**
 * Several `serve` replicas (the built CLI) on one PostgreSQL database and one blob store, behind HAProxy
 * (Debian's /usr/sbin/haproxy): round-robin, no sticky sessions, each request balanced on its own
 * (`http-server-close`), a replica marked down by its /healthz within a fraction of a second and a
 * request whose connection is refused sent to another (`redispatch`). The blob store is a parameter: a
 * shared local folder today (the replicas run on one machine); an S3 bucket drops in through `env`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { s3TestDriver, s3TestSettings } from "../../src/storage/testing.js";
import { unavailable } from "../support/requirements.js";
import { freePort, type RegistryServer, startPortcullis } from "../support/targets.js";

export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? "/usr/sbin/haproxy";

/** Where the replicas keep blobs: one folder they all mount, plus whatever settings a driver needs. */
export interface ReplicaStorage {
  /** The `--data` folder every replica is given (blobs live there with the local driver). */
  readonly dataDir: string;
  /** Extra environment (`PORTCULLIS_STORAGE_DRIVER=s3` and its settings, once that driver exists). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A blob store the replica tests run on, with what removes it afterwards. */
export interface StorageCase {
  readonly label: string;
  /** Undefined when the case cannot run here (locally without S3; CI fails instead, see `unavailable`). */
  readonly open: (() => Promise<ReplicaStorage & { cleanup(): Promise<void> }>) | undefined;
}

/**
 * The stores every replica test runs on: one folder the replicas share (one machine), and an S3 bucket
 * (PORTCULLIS_TEST_S3, which CI sets: Ceph RGW), the shape of a real deployment. Each S3 run gets a key
 * prefix of its own, deleted afterwards; `--data` then holds only the keys every replica must share.
 */
export function storageCases(): StorageCase[] {
  const s3 = s3TestSettings();
  const skipS3 = unavailable("an S3 server (PORTCULLIS_TEST_S3)", s3 !== undefined);
  return [
    {
      label: "a shared folder",
      open: async () => {
        const dataDir = await mkdtemp(join(tmpdir(), "portcullis-replicas-"));
        return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
      },
    },
    {
      label: "S3",
      open:
        skipS3 || !s3
          ? undefined
          : async () => {
              const { prefix, cleanup: dropPrefix } = await s3TestDriver(s3);
              const dataDir = await mkdtemp(join(tmpdir(), "portcullis-replicas-s3-"));
              return {
                dataDir,
                env: {
                  PORTCULLIS_STORAGE_DRIVER: "s3",
                  PORTCULLIS_STORAGE_S3_ENDPOINT: s3.endpoint ?? "",
                  PORTCULLIS_STORAGE_S3_REGION: s3.region,
                  PORTCULLIS_STORAGE_S3_BUCKET: s3.bucket,
                  PORTCULLIS_STORAGE_S3_PREFIX: prefix,
                  PORTCULLIS_STORAGE_S3_ACCESS_KEY_ID: s3.credentials?.accessKeyId ?? "",
                  PORTCULLIS_STORAGE_S3_SECRET_ACCESS_KEY: s3.credentials?.secretAccessKey ?? "",
                  PORTCULLIS_STORAGE_S3_FORCE_PATH_STYLE: "true",
                },
                cleanup: async () => {
                  await dropPrefix();
                  await rm(dataDir, { recursive: true, force: true });
                },
              };
            },
    },
  ];
}

export interface ReplicaSetOptions {
  /** PostgreSQL server URL; a fresh database is created on it and dropped by `close()`. */
  readonly postgres: string;
  readonly replicas?: number;
  /** The blob store; a fresh shared temp folder when omitted. */
  readonly storage?: ReplicaStorage;
  /** Extra environment for every replica. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ReplicaSet {
  /** The load balancer's base URL and host:port (what clients use). */
  readonly url: string;
  readonly host: string;
  /** The replicas, by index; a restarted one replaces its entry. */
  readonly replicas: RegistryServer[];
  /** The replicas' database URL (for `portcullis gc` and direct checks). */
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** The environment a `portcullis` command needs to work on this deployment. */
  readonly env: Readonly<Record<string, string>>;
  /** Starts replica `i` again on its port (after `kill()`), and waits until HAProxy routes to it. */
  restart(i: number): Promise<RegistryServer>;
  /** Resolves once HAProxy sees every running replica up (requests reach each of them). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startReplicaSet(options: ReplicaSetOptions): Promise<ReplicaSet> {
  const count = options.replicas ?? 3;
  const database = `t_replicas_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: options.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(options.postgres);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const ownDir = options.storage ? undefined : await mkdtemp(join(tmpdir(), "portcullis-replicas-"));
  const dataDir = options.storage?.dataDir ?? ownDir!;
  const configDir = await mkdtemp(join(tmpdir(), "portcullis-haproxy-"));
  const env: Record<string, string> = {
    PORTCULLIS_DATABASE_URL: databaseUrl,
    ...options.storage?.env,
    ...options.env,
  };
  let haproxy: ChildProcess | undefined;
  const replicas: RegistryServer[] = [];
  const close = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((r) => haproxy!.once("exit", r));
      haproxy.kill("SIGTERM");
      await exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await rm(configDir, { recursive: true, force: true });
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
  };
  try {
    // All start together: the migration lock makes them wait for each other.
    replicas.push(
      ...(await Promise.all(Array.from({ length: count }, () => startPortcullis({ dataDir, env })))),
    );
    const port = await freePort();
    const config = haproxyConfig(
      port,
      replicas.map((r) => r.host),
    );
    const file = join(configDir, "haproxy.cfg");
    await writeFile(file, config);
    let output = "";
    haproxy = spawn(HAPROXY_BIN, ["-f", file, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    haproxy.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const host = `127.0.0.1:${port}`;
    const set: ReplicaSet = {
      url: `http://${host}`,
      host,
      replicas,
      databaseUrl,
      dataDir,
      env,
      restart: async (i) => {
        const old = replicas[i]!;
        const port = Number(old.host.split(":")[1]);
        replicas[i] = await startPortcullis({ dataDir, env, port });
        await set.settled();
        return replicas[i]!;
      },
      settled: async () => {
        // Every replica answers through the balancer: HAProxy names the server of each answer.
        const deadline = Date.now() + 20_000;
        const seen = new Set<string>();
        while (seen.size < count) {
          if (haproxy!.exitCode !== null) throw new Error(`haproxy exited:\n${output}`);
          if (Date.now() > deadline)
            throw new Error(`the load balancer did not settle (saw ${[...seen]}):\n${output}`);
          try {
            const res = await fetch(`http://${host}/healthz`, { signal: AbortSignal.timeout(2000) });
            await res.arrayBuffer();
            const server = res.headers.get("x-replica");
            if (res.status === 200 && server) seen.add(server);
          } catch {
            // Not listening yet.
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      close,
    };
    await set.settled();
    return set;
  } catch (err) {
    await close();
    throw err;
  }
}

function haproxyConfig(port: number, servers: readonly string[]): string {
  return [
    "global",
    "  maxconn 512",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 120s",
    "  timeout server 120s",
    // A refused connection (a replica just killed, not yet marked down) goes to another server.
    "  retries 3",
    "  option redispatch 1",
    // Each request is balanced on its own: a client's keep-alive connection is no sticky session.
    "  option http-server-close",
    "frontend registry",
    `  bind 127.0.0.1:${port}`,
    "  default_backend replicas",
    "backend replicas",
    "  balance roundrobin",
    // Which replica answered (the harness waits until it has heard from each).
    "  http-response set-header X-Replica %[srv_name]",
    "  option httpchk GET /healthz",
    "  http-check expect status 200",
    ...servers.map((s, i) => `  server r${i} ${s} check inter 200ms fall 1 rise 1`),
    "",
  ].join("\n");
}
