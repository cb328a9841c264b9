/**
 * Replicas (issue 16): push and pull throughput through HAProxy with one, two and three `serve`
 * replicas (the built CLI) on one PostgreSQL database and one shared data folder, and the database
 * statements (round trips) each request costs, read from every replica's /metrics. On a 2-core machine
 * the replicas share the cores with PostgreSQL, HAProxy and the client: it will not scale here, and the
 * section says so; the round trips per request are what lets the scaling be computed for a larger one.
 * PORTCULLIS_BENCH_POSTGRES (a server URL) is required; BENCH_REPLICAS_IMAGES (default 200) images of
 * a config and a 64 KiB layer each, BENCH_REPLICAS_CONCURRENCY (default 8) clients.
 */
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import { type ReplicaSet, startReplicaSet } from "../test/replicas/harness.js";

const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
const LAYER_BYTES = 64 * 1024;

export interface ReplicaRun {
  readonly replicas: number;
  readonly push: {
    readonly imagesPerSecond: number;
    readonly requestsPerSecond: number;
    readonly mibPerSecond: number;
  };
  readonly pull: {
    readonly imagesPerSecond: number;
    readonly requestsPerSecond: number;
    readonly mibPerSecond: number;
  };
  /** Database statements per HTTP request, over every replica. */
  readonly statementsPerPushRequest: number;
  readonly statementsPerPullRequest: number;
}

export interface ReplicasBenchResult {
  readonly images: number;
  readonly concurrency: number;
  readonly cpus: number;
  /** 1-minute load average before and after: other work on a shared machine moves these figures. */
  readonly loadAverage: readonly [number, number];
  readonly runs: ReplicaRun[];
}

const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function statements(set: ReplicaSet): Promise<number> {
  let total = 0;
  for (const replica of set.replicas) {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    const line = /^portcullis_database_statements_total (\d+(?:\.\d+)?)/m.exec(text);
    if (!line) throw new Error(`${replica.host}/metrics has no portcullis_database_statements_total`);
    total += Number(line[1]);
  }
  return total;
}

async function ok(res: Response, expected: number, what: string): Promise<number> {
  const body = await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`${what}: HTTP ${res.status}`);
  return body.byteLength;
}

async function pushOne(base: string, repo: string, i: number): Promise<{ requests: number; bytes: number }> {
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", i, salt: randomBytes(8).toString("hex") }),
  );
  const layer = randomBytes(LAYER_BYTES);
  let requests = 0;
  for (const blob of [config, layer]) {
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    await ok(start, 202, "upload start");
    const location = start.headers.get("location")!;
    const put = await fetch(
      `${new URL(location, base)}${location.includes("?") ? "&" : "?"}digest=${sha256(blob)}`,
      {
        method: "PUT",
        body: blob,
        headers: { "content-type": "application/octet-stream" },
      },
    );
    await ok(put, 201, "upload");
    requests += 2;
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  await ok(
    await fetch(`${base}/v2/${repo}/manifests/t${i}`, {
      method: "PUT",
      body: manifest,
      headers: { "content-type": MANIFEST_TYPE },
    }),
    201,
    "manifest",
  );
  return { requests: requests + 1, bytes: config.length + layer.length + manifest.length };
}

async function pullOne(base: string, repo: string, i: number): Promise<{ requests: number; bytes: number }> {
  const res = await fetch(`${base}/v2/${repo}/manifests/t${i}`, { headers: { accept: MANIFEST_TYPE } });
  const manifest = JSON.parse(Buffer.from(await res.arrayBuffer()).toString("utf8")) as {
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  if (res.status !== 200) throw new Error(`pull manifest: HTTP ${res.status}`);
  let bytes = 0;
  for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    bytes += await ok(await fetch(`${base}/v2/${repo}/blobs/${digest}`), 200, "pull blob");
  }
  return { requests: 1 + 1 + manifest.layers.length, bytes };
}

/** Runs `work(i)` for i in 0..n-1, `width` at a time; returns the seconds taken and the sums. */
async function lanes(
  n: number,
  width: number,
  work: (i: number) => Promise<{ requests: number; bytes: number }>,
): Promise<{ seconds: number; requests: number; bytes: number }> {
  let next = 0;
  let requests = 0;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) {
        const done = await work(i);
        requests += done.requests;
        bytes += done.bytes;
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, requests, bytes };
}

export async function benchReplicas(
  log: (line: string) => void,
): Promise<ReplicasBenchResult | { error: string }> {
  const postgres = process.env.PORTCULLIS_BENCH_POSTGRES;
  if (!postgres) return { error: "PORTCULLIS_BENCH_POSTGRES is not set (a PostgreSQL server URL)" };
  const images = Number(process.env.BENCH_REPLICAS_IMAGES ?? 200);
  const concurrency = Number(process.env.BENCH_REPLICAS_CONCURRENCY ?? 8);
  const runs: ReplicaRun[] = [];
  const loadBefore = os.loadavg()[0]!;
  for (const count of [1, 2, 3]) {
    log(`replicas: ${count} replica(s) behind HAProxy…`);
    const set = await startReplicaSet({
      postgres,
      replicas: count,
      env: { PORTCULLIS_REGISTRY_GC_INTERVAL: "0s", PORTCULLIS_LOG_LEVEL: "warn" },
    });
    try {
      // A warm-up image per lane: connections, prepared plans, the repository rows.
      await lanes(concurrency, concurrency, (i) => pushOne(set.url, `warm/app${i}`, i));
      const before = await statements(set);
      const push = await lanes(images, concurrency, (i) => pushOne(set.url, `bench/app${i % 8}`, i));
      const between = await statements(set);
      const pull = await lanes(images, concurrency, (i) => pullOne(set.url, `bench/app${i % 8}`, i));
      const after = await statements(set);
      const rate = (r: { seconds: number; requests: number; bytes: number }) => ({
        imagesPerSecond: images / r.seconds,
        requestsPerSecond: r.requests / r.seconds,
        mibPerSecond: r.bytes / 1024 ** 2 / r.seconds,
      });
      const run: ReplicaRun = {
        replicas: count,
        push: rate(push),
        pull: rate(pull),
        statementsPerPushRequest: (between - before) / push.requests,
        statementsPerPullRequest: (after - between) / pull.requests,
      };
      log(
        `replicas: ${count}: push ${run.push.imagesPerSecond.toFixed(1)} images/s, pull ${run.pull.imagesPerSecond.toFixed(1)} images/s, ` +
          `${run.statementsPerPushRequest.toFixed(2)} / ${run.statementsPerPullRequest.toFixed(2)} statements per push / pull request`,
      );
      runs.push(run);
    } finally {
      await set.close();
    }
  }
  return {
    images,
    concurrency,
    cpus: os.availableParallelism(),
    loadAverage: [loadBefore, os.loadavg()[0]!],
    runs,
  };
}

export function renderReplicasSection(result: ReplicasBenchResult | { error: string }): string {
  if ("error" in result) return `\n## Replicas\n\nNot measured: ${result.error}\n`;
  const f = (n: number, d = 1) => n.toFixed(d);
  const rows = result.runs.map(
    (r) =>
      `| ${r.replicas} | ${f(r.push.imagesPerSecond)} | ${f(r.push.requestsPerSecond)} | ${f(r.push.mibPerSecond)} | ${f(r.pull.imagesPerSecond)} | ${f(r.pull.requestsPerSecond)} | ${f(r.pull.mibPerSecond)} | ${f(r.statementsPerPushRequest, 2)} | ${f(r.statementsPerPullRequest, 2)} |`,
  );
  return [
    "",
    "## Replicas",
    "",
    `${result.images} images (a config and a ${LAYER_BYTES / 1024} KiB layer each) pushed, then pulled, by ${result.concurrency} clients through HAProxy (round-robin) to 1, 2 and 3 \`serve\` replicas on one PostgreSQL and one data folder, all on this ${result.cpus}-CPU machine with the client. A push is 5 requests (two uploads of POST + PUT, one manifest), a pull 3 (manifest, config, layer). Statements are every replica's \`portcullis_database_statements_total\` (BEGIN and COMMIT included) divided by the requests: the database round trips per request.`,
    "",
    "| replicas | push images/s | push req/s | push MiB/s | pull images/s | pull req/s | pull MiB/s | statements / push request | statements / pull request |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `Here the replicas, PostgreSQL, HAProxy and the client share ${result.cpus} CPUs, so more replicas cannot be faster: the figures show the cost of the hop and of sharing, not the scaling (1-minute load average ${f(result.loadAverage[0], 1)} before, ${f(result.loadAverage[1], 1)} after: other work on the machine moved them too). docs/scaling.md computes the scaling from the statements per request.`,
    "",
  ].join("\n");
}
