/**
 * Three `serve` replicas on one PostgreSQL database and one blob store behind HAProxy (issue 16,
 * "Replicas"): the same blob pushed through every replica at once, a replica killed by SIGKILL in the
 * middle of an upload that the client finishes through the balancer, garbage collection run on every
 * replica while pushes go through all three, and skopeo copying through the balancer. After each, the
 * crash-safety invariants: everything acknowledged is served, with its digest, by every replica, and
 * nothing served is corrupt. Needs `npm run build` (the replicas are the built CLI).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeImageLayout } from "../support/oci-layout.js";
import { seededRandom } from "../support/random.js";
import { unavailable } from "../support/requirements.js";
import { isolatedSkopeo } from "../support/skopeo.js";
import { hasCommand, PORTCULLIS_BIN } from "../support/targets.js";
import { HAPROXY_BIN, type ReplicaSet, startReplicaSet, storageCases } from "./harness.js";

const postgres = process.env.PORTCULLIS_TEST_POSTGRES;
const random = seededRandom("replicas");
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function bytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) out.writeUInt32LE(Math.floor(random() * 2 ** 32) >>> 0, Math.min(i, n - 4));
  return out;
}

/** What the clients were told was stored: every one must be served, intact, by every replica. */
interface Acknowledged {
  readonly blobs: Map<string, { repository: string; size: number }>;
  readonly manifests: Map<string, { repository: string; reference: string }>;
}

async function pushBlob(base: string, repository: string, data: Buffer): Promise<number> {
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  await start.arrayBuffer();
  if (start.status !== 202) return start.status;
  const location = start.headers.get("location")!;
  const put = await fetch(
    `${new URL(location, base)}${location.includes("?") ? "&" : "?"}digest=${sha256(data)}`,
    {
      method: "PUT",
      body: data,
      headers: { "content-type": "application/octet-stream" },
    },
  );
  await put.arrayBuffer();
  return put.status;
}

async function pushImage(base: string, repository: string, tag: string, acked: Acknowledged): Promise<void> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", n: random() }));
  const layer = bytes(2048 + Math.floor(random() * 4096));
  for (const blob of [config, layer]) {
    const status = await pushBlob(base, repository, blob);
    expect(status).toBe(201);
    acked.blobs.set(sha256(blob), { repository, size: blob.length });
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
  const put = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    body: manifest,
    headers: { "content-type": MANIFEST_TYPE },
  });
  await put.arrayBuffer();
  expect(put.status).toBe(201);
  acked.manifests.set(sha256(manifest), { repository, reference: tag });
}

/** Every acknowledged blob and manifest, from every replica directly: present, and hashing to its digest. */
async function expectAllServed(set: ReplicaSet, acked: Acknowledged): Promise<void> {
  for (const replica of set.replicas) {
    for (const [digest, { repository, size }] of acked.blobs) {
      const res = await fetch(`${replica.url}/v2/${repository}/blobs/${digest}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect({ replica: replica.host, digest, status: res.status }).toEqual({
        replica: replica.host,
        digest,
        status: 200,
      });
      expect(body.length).toBe(size);
      expect(sha256(body)).toBe(digest);
    }
    for (const [digest, { repository, reference }] of acked.manifests) {
      for (const ref of [digest, reference]) {
        const res = await fetch(`${replica.url}/v2/${repository}/manifests/${ref}`, {
          headers: { accept: MANIFEST_TYPE },
        });
        const body = Buffer.from(await res.arrayBuffer());
        expect({ replica: replica.host, ref, status: res.status }).toEqual({
          replica: replica.host,
          ref,
          status: 200,
        });
        // A tag may have moved to a newer acknowledged push; the bytes always match the digest served.
        expect(sha256(body)).toBe(res.headers.get("docker-content-digest"));
        if (ref === digest) expect(sha256(body)).toBe(digest);
      }
    }
  }
}

function runCli(
  args: string[],
  env: Readonly<Record<string, string>>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PORTCULLIS_BIN, ...args], {
      env: { ...process.env, PORTCULLIS_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, output }));
  });
}

const needs =
  unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined) ||
  unavailable(`HAProxy (${HAPROXY_BIN})`, hasCommand(HAPROXY_BIN));

describe.each(storageCases())("three replicas behind HAProxy, blobs in $label", ({ open }) => {
  let set: ReplicaSet;
  let storage: Awaited<ReturnType<NonNullable<typeof open>>> | undefined;
  const acked: Acknowledged = { blobs: new Map(), manifests: new Map() };
  if (needs || !open) {
    it.skip("needs PostgreSQL, HAProxy and this blob store", () => {});
    return;
  }

  beforeAll(async () => {
    storage = await open();
    set = await startReplicaSet({
      postgres: postgres!,
      replicas: 3,
      storage,
      env: { PORTCULLIS_REGISTRY_GC_INTERVAL: "0s" },
    });
  }, 90_000);

  afterAll(async () => {
    await set?.close();
    await storage?.cleanup();
  }, 60_000);

  it("stores one blob pushed through every replica at once", async () => {
    const blob = bytes(700_000);
    const bases = [set.url, ...set.replicas.map((r) => r.url)];
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => pushBlob(bases[i % bases.length]!, `same/blob${i % 2}`, blob)),
    );
    expect(statuses).toEqual(Array(12).fill(201));
    acked.blobs.set(sha256(blob), { repository: "same/blob0", size: blob.length });
    await expectAllServed(set, acked);
  });

  it("finishes through the balancer an upload whose replica was killed in the middle of it", async () => {
    const whole = bytes(3_000_000);
    const victim = set.replicas[0]!;
    const start = await fetch(`${victim.url}/v2/killed/app/blobs/uploads/`, { method: "POST" });
    await start.arrayBuffer();
    expect(start.status).toBe(202);
    const location = start.headers.get("location")!;
    const first = whole.subarray(0, 1_000_000);
    const chunk = await fetch(`${victim.url}${location}`, {
      method: "PATCH",
      body: first,
      headers: { "content-type": "application/octet-stream", "content-range": `0-${first.length - 1}` },
    });
    await chunk.arrayBuffer();
    expect(chunk.status).toBe(202);
    // The next chunk is streaming into the victim when it dies: a slice is sent, then SIGKILL.
    const rest = whole.subarray(first.length);
    let sent!: () => void;
    const handedOver = new Promise<void>((r) => {
      sent = r;
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(rest.subarray(0, 500_000));
      },
      // Asked for more: the slice has gone to the socket. The stream stays open, the request unfinished.
      pull() {
        sent();
        return new Promise<void>(() => {});
      },
    });
    const streaming = fetch(`${victim.url}${location}`, {
      method: "PATCH",
      body: stream,
      duplex: "half",
      headers: { "content-type": "application/octet-stream" },
    } as RequestInit).catch((err: unknown) => err);
    await handedOver;
    await victim.kill();
    expect(await streaming).toBeInstanceOf(Error);

    // The client asks the balancer where the upload stands and sends the rest from there.
    const status = await fetch(`${set.url}${location}`);
    await status.arrayBuffer();
    expect(status.status).toBe(204);
    const range = status.headers.get("range")!;
    const offset = Number(range.split("-")[1]) + 1;
    expect(offset).toBeGreaterThanOrEqual(first.length);
    const done = await fetch(
      `${set.url}${location}${location.includes("?") ? "&" : "?"}digest=${sha256(whole)}`,
      {
        method: "PUT",
        body: whole.subarray(offset),
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `${offset}-${whole.length - 1}`,
        },
      },
    );
    await done.arrayBuffer();
    expect(done.status).toBe(201);
    acked.blobs.set(sha256(whole), { repository: "killed/app", size: whole.length });

    await set.restart(0);
    await expectAllServed(set, acked);
  }, 60_000);

  it("keeps every acknowledged push while garbage collection runs on every replica", async () => {
    const pushes = (async () => {
      for (let i = 0; i < 12; i++) await pushImage(set.url, `gc/app${i % 3}`, `v${i}`, acked);
    })();
    // `portcullis gc` over the shared database and store, once per replica, while the pushes run. One
    // collector at a time (an advisory lock): a run that finds another one going exits 1 at once and
    // says so; the grace period keeps what is being pushed.
    const collections = Promise.all(
      set.replicas.map(() => runCli(["gc", "--data", set.dataDir, "-o", "json"], set.env)),
    );
    const [, results] = await Promise.all([pushes, collections]);
    for (const result of results) {
      if (result.code !== 0) {
        expect(result.code, result.output).toBe(1);
        expect(result.output).toContain("another garbage collection is running");
      }
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    await expectAllServed(set, acked);
  }, 120_000);

  it.skipIf(unavailable("skopeo", hasCommand("skopeo")))(
    "copies an image with skopeo through the balancer",
    async () => {
      const work = await mkdtemp(join(tmpdir(), "portcullis-replicas-skopeo-"));
      try {
        const layout = join(work, "layout");
        const image = await writeImageLayout(layout, { tag: "v1", layerSizes: [64 * 1024, 900 * 1024] });
        const skopeo = await isolatedSkopeo(work);
        await skopeo.copy(`oci:${layout}:v1`, `docker://${set.host}/skopeo/app:v1`);
        await skopeo.copy(`docker://${set.host}/skopeo/app:v1`, `oci:${join(work, "out")}:v1`);
        acked.manifests.set(image.digest, { repository: "skopeo/app", reference: "v1" });
        for (const digest of [image.configDigest, ...image.layerDigests]) {
          const res = await fetch(`${set.replicas[0]!.url}/v2/skopeo/app/blobs/${digest}`, {
            method: "HEAD",
          });
          acked.blobs.set(digest, {
            repository: "skopeo/app",
            size: Number(res.headers.get("content-length")),
          });
        }
        await expectAllServed(set, acked);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
