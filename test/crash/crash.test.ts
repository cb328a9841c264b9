/**
 * Storage that never lies, proven with real processes killed by SIGKILL: a server killed in the middle
 * of an upload, of manifest pushes, of a mixed workload, and `portcullis gc` killed in the middle of a
 * collection. After every restart the registry must serve only bytes that hash to their digest, no tag
 * may point at a missing manifest and no manifest may reference a missing blob.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../support/random.js";
import { freePort, PORTCULLIS_BIN, type RegistryServer, startPortcullis } from "../support/targets.js";

/** Every random pick of this file, from one seed (test/support/random.ts). */
const random = seededRandom("crash");

const MiB = 1024 * 1024;
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(
  items: Iterable<T>,
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const lane = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP, one connection per request (a pooled connection would outlive the server it belonged to).

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function call(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (options.body) headers["Content-Length"] = String(options.body.length);
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** GET a blob, hashing it as it streams (blobs here go up to 200 MiB). */
function fetchBlobDigest(url: string): Promise<{ status: number; size: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "GET", agent: false }, (res) => {
      const hash = createHash("sha256");
      let size = 0;
      res.on("data", (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, size, digest: `sha256:${hash.digest("hex")}` }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function describeReply(reply: Reply): string {
  return `${reply.status} ${reply.body.toString("utf8").slice(0, 300)}`;
}

function blobUrl(base: string, repository: string, digest: string): string {
  return `${base}/v2/${repository}/blobs/${digest}`;
}

async function pushBlob(base: string, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const reply = await call("POST", `${base}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    headers: { "Content-Type": "application/octet-stream" },
    body: bytes,
  });
  if (reply.status !== 201) throw new Error(`monolithic push of ${digest}: ${describeReply(reply)}`);
  return digest;
}

async function pushBlobChunked(base: string, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const started = await call("POST", `${base}/v2/${repository}/blobs/uploads/`);
  if (started.status !== 202) throw new Error(`upload start: ${describeReply(started)}`);
  let location = new URL(String(started.headers.location), base);
  const half = Math.floor(bytes.length / 2);
  const patched = await call("PATCH", location.href, {
    headers: { "Content-Type": "application/octet-stream", "Content-Range": `0-${half - 1}` },
    body: bytes.subarray(0, half),
  });
  if (patched.status !== 202) throw new Error(`upload chunk: ${describeReply(patched)}`);
  location = new URL(String(patched.headers.location), base);
  location.searchParams.set("digest", digest);
  const done = await call("PUT", location.href, {
    headers: { "Content-Type": "application/octet-stream" },
    body: bytes.subarray(half),
  });
  if (done.status !== 201) throw new Error(`upload close: ${describeReply(done)}`);
  return digest;
}

function imageManifest(config: Uint8Array, layers: readonly Uint8Array[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: sha256(l),
        size: l.length,
      })),
    }),
  );
}

function putManifest(base: string, repository: string, reference: string, manifest: Buffer): Promise<Reply> {
  return call("PUT", `${base}/v2/${repository}/manifests/${reference}`, {
    headers: { "Content-Type": MANIFEST_TYPE },
    body: manifest,
  });
}

function configBlob(label: string): Buffer {
  return Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", label, nonce: randomBytes(8).toString("hex") }),
  );
}

// ---------------------------------------------------------------------------------------------
// Invariants.

interface KnownBlob {
  readonly repository: string;
  readonly digest: string;
  readonly size: number;
}

/**
 * Checks what a client can see and what the metadata holds:
 *  - every tag of every repository resolves to a manifest, whose blobs are served with the right digest;
 *  - every manifest in the database has its blobs served, with the right digest;
 *  - every blob a client ever pushed is either unknown (404) or served exactly (never other bytes),
 *    and HEAD and GET agree.
 * Returns how many blobs were served.
 */
async function checkInvariants(
  base: string,
  dataDir: string,
  known: Iterable<KnownBlob> = [],
): Promise<number> {
  const problems: string[] = [];
  const served = new Map<string, string>();
  const verify = async (repository: string, digest: string, why: string, size?: number) => {
    const key = `${repository}@${digest}`;
    if (served.has(key)) {
      const previous = served.get(key);
      if (previous !== "ok") problems.push(`${why}: ${previous}`);
      return;
    }
    const got = await fetchBlobDigest(blobUrl(base, repository, digest));
    let verdict = "ok";
    if (got.status !== 200) verdict = `${key} answered ${got.status}`;
    else if (got.digest !== digest) verdict = `${key} served bytes hashing to ${got.digest}`;
    else if (size !== undefined && got.size !== size) verdict = `${key} served ${got.size} of ${size} bytes`;
    served.set(key, verdict);
    if (verdict !== "ok") problems.push(`${why}: ${verdict}`);
  };

  const catalog = await call("GET", `${base}/v2/_catalog`);
  expect(catalog.status).toBe(200);
  const repositories = (JSON.parse(catalog.body.toString("utf8")) as { repositories: string[] }).repositories;
  for (const repository of repositories) {
    const list = await call("GET", `${base}/v2/${repository}/tags/list`);
    if (list.status !== 200) {
      problems.push(`tags of ${repository}: ${describeReply(list)}`);
      continue;
    }
    const tags = (JSON.parse(list.body.toString("utf8")) as { tags: string[] | null }).tags ?? [];
    for (const tag of tags) {
      const manifest = await call("GET", `${base}/v2/${repository}/manifests/${tag}`, {
        headers: { Accept: MANIFEST_TYPE },
      });
      if (manifest.status !== 200) {
        problems.push(`tag ${repository}:${tag} does not resolve: ${describeReply(manifest)}`);
        continue;
      }
      const doc = JSON.parse(manifest.body.toString("utf8")) as {
        config: { digest: string; size: number };
        layers: Array<{ digest: string; size: number }>;
      };
      for (const d of [doc.config, ...doc.layers])
        await verify(repository, d.digest, `tag ${repository}:${tag}`, d.size);
    }
  }

  const db = new SqliteDatabase(join(dataDir, "portcullis.db"), { readonly: true, fileMustExist: true });
  let refs: Array<{ repository: string; manifest: string; child: string }>;
  try {
    refs = db
      .prepare(
        `select p.name as repository, r.manifest_digest as manifest, r.child_digest as child
           from manifest_refs r join repositories p on p.id = r.repository_id where r.kind = 'blob'`,
      )
      .all() as typeof refs;
  } finally {
    db.close();
  }
  await inParallel(refs, 8, (ref) =>
    verify(ref.repository, ref.child, `manifest ${ref.repository}@${ref.manifest}`),
  );

  await inParallel(known, 8, async (blob) => {
    const head = await call("HEAD", blobUrl(base, blob.repository, blob.digest));
    const got = await fetchBlobDigest(blobUrl(base, blob.repository, blob.digest));
    const key = `${blob.repository}@${blob.digest}`;
    if (got.status === 200 && (got.digest !== blob.digest || got.size !== blob.size)) {
      problems.push(`${key} served ${got.size} bytes hashing to ${got.digest}`);
    }
    if (got.status !== 200 && got.status !== 404) problems.push(`${key}: GET answered ${got.status}`);
    if (head.status !== got.status) problems.push(`${key}: HEAD answered ${head.status}, GET ${got.status}`);
  });
  expect(problems).toEqual([]);
  return [...served.values()].length;
}

/** Files under a directory, recursively (names only). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

// ---------------------------------------------------------------------------------------------

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

async function dataDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "portcullis-crash-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<RegistryServer> {
  const server = await startPortcullis({
    dataDir,
    port,
    env: { PORTCULLIS_REGISTRY_GC_INTERVAL: "0s", ...env },
  });
  cleanup.push(() => server.kill());
  return server;
}

/** `portcullis gc`, SIGKILLed after `killAfterMs` unless it finished first. */
/**
 * Runs `portcullis gc`. With `kill`, SIGKILLs it `afterMs` after `started()` first holds (polled
 * every 5 ms): the kill lands at a point of the collection's own work, whatever the process start-up
 * costs on this machine.
 */
async function runGc(
  dataDir: string,
  kill?: { readonly started: () => boolean; readonly afterMs: number },
): Promise<{ killed: boolean; code: number | null; stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [PORTCULLIS_BIN, "gc", "--data", dataDir, "--grace", "0s", "-o", "json"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORTCULLIS_LOG_LEVEL: "warn" } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  const poll =
    kill === undefined
      ? undefined
      : setInterval(() => {
          if (timer !== undefined || child.exitCode !== null || !kill.started()) return;
          timer = setTimeout(() => {
            killed = child.exitCode === null && child.kill("SIGKILL");
          }, kill.afterMs);
        }, 5);
  const hardStop = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await exited;
  clearInterval(poll);
  clearTimeout(timer);
  clearTimeout(hardStop);
  return { killed, code, stdout, stderr };
}

describe("crash consistency (SIGKILL)", () => {
  it("resumes or forgets an upload killed mid-stream, and never serves it before it is complete", async () => {
    const dataDir = await dataDirectory();
    const port = await freePort();
    let server = await start(dataDir, port);
    const repository = "crash/upload";

    // 200 MiB of generated content: a random MiB, each copy stamped with its index.
    const total = 200;
    const acknowledged = 64;
    const base = randomBytes(MiB);
    const chunk = (i: number) => {
      const c = Buffer.from(base);
      c.writeUInt32BE(i, 0);
      return c;
    };
    const whole = createHash("sha256");
    for (let i = 0; i < total; i++) whole.update(chunk(i));
    const digest = `sha256:${whole.digest("hex")}`;

    const started = await call("POST", `${server.url}/v2/${repository}/blobs/uploads/`);
    expect(started.status).toBe(202);
    const location = new URL(String(started.headers.location), server.url).pathname;
    // The first 64 MiB are acknowledged...
    const first = await call("PATCH", `${server.url}${location}`, {
      headers: { "Content-Type": "application/octet-stream", "Content-Range": `0-${acknowledged * MiB - 1}` },
      body: Buffer.concat(Array.from({ length: acknowledged }, (_, i) => chunk(i))),
    });
    expect(first.status, describeReply(first)).toBe(202);
    expect(first.headers.range).toBe(`0-${acknowledged * MiB - 1}`);

    // A second upload, whose client will close it at its acknowledged 8 MiB after the crash.
    const short = Buffer.concat(Array.from({ length: 8 }, (_, i) => chunk(1000 + i)));
    const shortStarted = await call("POST", `${server.url}/v2/${repository}/blobs/uploads/`);
    const shortLocation = new URL(String(shortStarted.headers.location), server.url).pathname;
    const shortFirst = await call("PATCH", `${server.url}${shortLocation}`, {
      headers: { "Content-Type": "application/octet-stream" },
      body: short,
    });
    expect(shortFirst.status).toBe(202);

    // ...then the rest of both streams, and the server dies some 70 MiB into the big one.
    const stream = (path: string) => {
      const request = http.request(`${server.url}${path}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" },
        agent: false,
      });
      const outcome = new Promise<string>((resolve) => {
        request.on("response", (res) => resolve(`response ${res.statusCode}`));
        request.on("error", (err) => resolve(`error ${err.message}`));
      });
      return { request, outcome };
    };
    const big = stream(location);
    const small = stream(shortLocation);
    for (let i = acknowledged; i < acknowledged + 70; i++) {
      if (!big.request.write(chunk(i))) await new Promise((r) => big.request.once("drain", r));
      if (i < acknowledged + 20 && !small.request.write(chunk(2000 + i))) {
        await new Promise((r) => small.request.once("drain", r));
      }
    }
    await sleep(100);
    await server.kill();
    expect(await big.outcome).toMatch(/^error/);
    expect(await small.outcome).toMatch(/^error/);

    server = await start(dataDir, port);
    // Never served before it is complete.
    expect((await call("HEAD", blobUrl(server.url, repository, digest))).status).toBe(404);
    const status = await call("GET", `${server.url}${location}`);
    let resumeFrom: number;
    let target: string;
    if (status.status === 404) {
      expect(JSON.parse(status.body.toString("utf8")).errors[0].code).toBe("BLOB_UPLOAD_UNKNOWN");
      const again = await call("POST", `${server.url}/v2/${repository}/blobs/uploads/`);
      expect(again.status).toBe(202);
      target = new URL(String(again.headers.location), server.url).pathname;
      resumeFrom = 0;
    } else {
      expect(status.status, describeReply(status)).toBe(204);
      // What was acknowledged survived the crash; nothing past it counts.
      expect(status.headers.range).toBe(`0-${acknowledged * MiB - 1}`);
      target = location;
      resumeFrom = acknowledged;
    }

    // Resume from the reported offset with a streamed chunk, then close without a body.
    const resume = http.request(`${server.url}${target}`, {
      method: "PATCH",
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Range": `${resumeFrom * MiB}-${total * MiB - 1}`,
        "Content-Length": String((total - resumeFrom) * MiB),
      },
      agent: false,
    });
    const resumed = new Promise<number>((resolve, reject) => {
      resume.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      resume.on("error", reject);
    });
    for (let i = resumeFrom; i < total; i++) {
      if (!resume.write(chunk(i))) await new Promise((r) => resume.once("drain", r));
    }
    resume.end();
    expect(await resumed).toBe(202);
    expect((await call("HEAD", blobUrl(server.url, repository, digest))).status).toBe(404);
    const closed = await call("PUT", `${server.url}${target}?digest=${digest}`);
    expect(closed.status, describeReply(closed)).toBe(201);

    // Closing the second upload at what the server acknowledged stores exactly those bytes, not what
    // the killed chunk left behind them.
    const shortDigest = sha256(short);
    const shortStatus = await call("GET", `${server.url}${shortLocation}`);
    if (shortStatus.status === 204) {
      expect(shortStatus.headers.range).toBe(`0-${short.length - 1}`);
      const shortClosed = await call("PUT", `${server.url}${shortLocation}?digest=${shortDigest}`);
      expect(shortClosed.status, describeReply(shortClosed)).toBe(201);
      const shortGot = await fetchBlobDigest(blobUrl(server.url, repository, shortDigest));
      expect(shortGot).toEqual({ status: 200, size: short.length, digest: shortDigest });
    } else {
      expect(shortStatus.status).toBe(404);
    }

    const head = await call("HEAD", blobUrl(server.url, repository, digest));
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(total * MiB));
    const got = await fetchBlobDigest(blobUrl(server.url, repository, digest));
    expect(got).toEqual({ status: 200, size: total * MiB, digest });
    await server.kill();
  }, 60_000);

  it("keeps tags and manifests consistent when killed among parallel manifest pushes", async () => {
    const dataDir = await dataDirectory();
    const port = await freePort();
    let server = await start(dataDir, port);
    const repository = "crash/manifests";
    const shared = randomBytes(64 * 1024);
    await pushBlob(server.url, repository, shared);
    const images: Array<{ tag: string; manifest: Buffer; digest: string }> = [];
    for (let i = 0; i < 60; i++) {
      const config = configBlob(`m${i}`);
      const layer = randomBytes(1024 + i);
      await pushBlob(server.url, repository, config);
      await pushBlob(server.url, repository, layer);
      const manifest = imageManifest(config, [shared, layer]);
      images.push({ tag: `v${i}`, manifest, digest: sha256(manifest) });
    }

    const acknowledged = new Set<string>();
    let answered = 0;
    let killing: Promise<void> | undefined;
    const pushes = images.map((image, i) =>
      putManifest(
        server.url,
        repository,
        `${image.tag}${i % 3 === 0 ? `?tag=extra-${i}` : ""}`,
        image.manifest,
      ).then(
        (reply) => {
          if (reply.status === 201) acknowledged.add(image.digest);
          answered += 1;
          if (answered === 15) killing = server.kill();
        },
        () => {},
      ),
    );
    await Promise.all(pushes);
    await (killing ?? server.kill());
    expect(acknowledged.size).toBeGreaterThanOrEqual(15);

    server = await start(dataDir, port);
    await checkInvariants(server.url, dataDir);
    // Every acknowledged push survived, under every tag it carried.
    for (const [i, image] of images.entries()) {
      if (!acknowledged.has(image.digest)) continue;
      const byTag = await call("GET", `${server.url}/v2/${repository}/manifests/${image.tag}`, {
        headers: { Accept: MANIFEST_TYPE },
      });
      expect(byTag.status, `tag ${image.tag}`).toBe(200);
      expect(byTag.headers["docker-content-digest"]).toBe(image.digest);
      if (i % 3 === 0) {
        expect((await call("HEAD", `${server.url}/v2/${repository}/manifests/extra-${i}`)).status).toBe(200);
      }
    }
    // The ones lost in the crash can simply be pushed again.
    for (const image of images) {
      if (acknowledged.has(image.digest)) continue;
      const reply = await putManifest(server.url, repository, image.tag, image.manifest);
      expect(reply.status, describeReply(reply)).toBe(201);
    }
    await checkInvariants(server.url, dataDir);
    await server.kill();
  }, 60_000);

  it("survives `portcullis gc` killed mid-collection, then a full run cleans the rest", async () => {
    const dataDir = await dataDirectory();
    const port = await freePort();
    let server = await start(dataDir, port);
    const known: KnownBlob[] = [];
    const referenced = new Set<string>();

    // Referenced images, in two repositories that share a layer.
    const sharedLayer = randomBytes(32 * 1024);
    for (let i = 0; i < 8; i++) {
      const repository = `keep/r${i % 2}`;
      const config = configBlob(`k${i}`);
      const layer = randomBytes(4096 + i);
      for (const blob of [config, layer, sharedLayer]) {
        const digest = await pushBlob(server.url, repository, blob);
        known.push({ repository, digest, size: blob.length });
        referenced.add(digest);
      }
      const reply = await putManifest(
        server.url,
        repository,
        `v${i}`,
        imageManifest(config, [layer, sharedLayer]),
      );
      expect(reply.status, describeReply(reply)).toBe(201);
    }
    // Garbage: many blobs no manifest references, one of them also linked where it is referenced.
    await inParallel(
      Array.from({ length: 600 }, (_, i) => i),
      8,
      async (i) => {
        const repository = `junk/r${i % 3}`;
        const blob = randomBytes(512 + Math.floor(random() * 4096));
        const digest = await (i % 5 === 0 ? pushBlobChunked : pushBlob)(server.url, repository, blob);
        known.push({ repository, digest, size: blob.length });
      },
    );
    await pushBlob(server.url, "junk/r0", sharedLayer);
    known.push({ repository: "junk/r0", digest: sha256(sharedLayer), size: sharedLayer.length });
    // An upload in progress: not expired, so it stays.
    const open = await call("POST", `${server.url}/v2/junk/r0/blobs/uploads/`);
    const openLocation = new URL(String(open.headers.location), server.url).pathname;
    expect((await call("PATCH", `${server.url}${openLocation}`, { body: randomBytes(1000) })).status).toBe(
      202,
    );

    // Kill collections at growing delays after each has begun removing rows (so the machine's
    // start-up time does not decide where the kill lands), checking after each one, until a run
    // finishes on its own. Progress is read from the database: links and blob rows left.
    const remaining = () => {
      const db = new SqliteDatabase(join(dataDir, "portcullis.db"), { readonly: true });
      try {
        const count = (table: string) =>
          (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
        return count("blobs") + count("repository_blobs");
      } finally {
        db.close();
      }
    };
    const kills: string[] = [];
    let partial = 0;
    let delay = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const before = remaining();
      const run = await runGc(dataDir, { started: () => remaining() < before, afterMs: delay });
      const after = remaining();
      kills.push(`${run.killed ? `killed@${delay}` : `exit ${run.code}`}: ${before} -> ${after}`);
      if (run.killed && after < before) partial += 1;
      // A sample of what was pushed (checking all of it after each kill would take too long).
      await checkInvariants(server.url, dataDir, [...known].sort(() => random() - 0.5).slice(0, 60));
      for (const digest of referenced) {
        const repository = known.find(
          (k) => k.digest === digest && k.repository.startsWith("keep/"),
        )!.repository;
        const got = await fetchBlobDigest(blobUrl(server.url, repository, digest));
        expect(got.status, `${repository}@${digest} after ${kills.at(-1)}`).toBe(200);
        expect(got.digest).toBe(digest);
      }
      if (!run.killed) {
        expect(run.code, run.stderr).toBe(0);
        break;
      }
      delay += 20;
    }
    // At least one collection was killed part-way through its work.
    expect(partial, kills.join(", ")).toBeGreaterThan(0);

    // The server dies too; after a restart everything still holds, and a full collection finishes.
    await server.kill();
    server = await start(dataDir, port);
    await checkInvariants(server.url, dataDir, known);
    const full = await runGc(dataDir);
    expect(full.code, full.stderr).toBe(0);
    await checkInvariants(server.url, dataDir);
    const wrong: string[] = [];
    await inParallel(known, 8, async (blob) => {
      const status = (await call("HEAD", blobUrl(server.url, blob.repository, blob.digest))).status;
      if (status !== (blob.repository.startsWith("keep/") ? 200 : 404))
        wrong.push(`${blob.repository}@${blob.digest}: ${status}`);
    });
    expect(wrong).toEqual([]);
    // Only the referenced blobs are left: as rows and as files.
    const blobFiles = await filesUnder(join(dataDir, "storage", "blobs"));
    expect(blobFiles.length).toBe(referenced.size);
    const db = new SqliteDatabase(join(dataDir, "portcullis.db"), { readonly: true });
    const rows = db.prepare("select count(*) as n from blobs").get() as { n: number };
    db.close();
    expect(rows.n).toBe(referenced.size);
    // The open upload survived every collection and can still be finished.
    expect((await call("GET", `${server.url}${openLocation}`)).status).toBe(204);
    // Nothing is left for another run.
    const again = await runGc(dataDir);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      linksRemoved: 0,
      blobsDeleted: 0,
      orphanFilesDeleted: 0,
    });
    await server.kill();
  }, 60_000);

  it("holds its invariants through repeated kills during a mixed push workload with online GC", async () => {
    const dataDir = await dataDirectory();
    const port = await freePort();
    // Online collection every 100 ms with a short grace period: GC races the pushes too.
    const env = { PORTCULLIS_REGISTRY_GC_INTERVAL: "100ms", PORTCULLIS_REGISTRY_GC_GRACE_PERIOD: "600ms" };
    const quiet = { ...env, PORTCULLIS_REGISTRY_GC_INTERVAL: "0s" };
    const known = new Map<string, KnownBlob>();
    const pool = Array.from({ length: 8 }, () => randomBytes(8192));
    const acknowledged = new Map<string, { repository: string; digest: string }>();
    const maybeDeleted = new Set<string>();
    const unexpected: string[] = [];
    let pushedTotal = 0;

    let server = await start(dataDir, port, env);
    for (let round = 0; round < 5; round++) {
      const url = server.url;
      let alive = true;
      const worker = async (w: number) => {
        let n = 0;
        while (alive) {
          n += 1;
          const repository = `mixed/w${w % 3}`;
          try {
            const config = configBlob(`r${round}w${w}n${n}`);
            const layers = [pick(pool), randomBytes(1024 + Math.floor(random() * 64 * 1024))];
            for (const blob of [config, ...layers]) {
              const digest = await (random() < 0.3 ? pushBlobChunked : pushBlob)(url, repository, blob);
              known.set(`${repository}@${digest}`, { repository, digest, size: blob.length });
            }
            const manifest = imageManifest(config, layers);
            const reply = await putManifest(url, repository, `w${w}-${n % 4}`, manifest);
            if (reply.status === 201) {
              pushedTotal += 1;
              const digest = sha256(manifest);
              acknowledged.set(`${repository}@${digest}`, { repository, digest });
              if (random() < 0.15) {
                maybeDeleted.add(`${repository}@${digest}`);
                await call("DELETE", `${url}/v2/${repository}/manifests/${digest}`);
              }
            } else if (reply.status !== 400) {
              // 400 MANIFEST_BLOB_UNKNOWN is allowed: GC may unlink blobs of a push slower than the grace period.
              unexpected.push(`manifest put: ${describeReply(reply)}`);
            }
          } catch (err) {
            if (alive) unexpected.push(`round ${round}: ${(err as Error).message}`);
          }
        }
      };
      const workers = Array.from({ length: 4 }, (_, w) => worker(w));
      await sleep(400 + random() * 800);
      alive = false;
      await server.kill();
      await Promise.all(workers);

      // Check with no collector running: it would legitimately unlink unreferenced blobs between the
      // check's HEAD and GET of the same blob.
      server = await start(dataDir, port, quiet);
      // Everything pushed in this round, and a sample of the earlier ones.
      const all = [...known.values()];
      const sample = all.filter((_, i) => i >= all.length - 100 || random() < 0.1);
      await checkInvariants(server.url, dataDir, sample);
      for (const [key, manifest] of acknowledged) {
        if (maybeDeleted.has(key)) continue;
        const reply = await call(
          "HEAD",
          `${server.url}/v2/${manifest.repository}/manifests/${manifest.digest}`,
        );
        expect(reply.status, `acknowledged manifest ${key} after round ${round}`).toBe(200);
      }
      await server.kill();
      server = await start(dataDir, port, env);
    }
    expect(unexpected).toEqual([]);
    expect(pushedTotal).toBeGreaterThan(5);

    // Finally a full collection with the server up, and the invariants once more (collector off).
    await server.kill();
    server = await start(dataDir, port, quiet);
    const full = await runGc(dataDir);
    expect(full.code, full.stderr).toBe(0);
    await checkInvariants(server.url, dataDir, known.values());
    await server.kill();
  }, 60_000);
});
