import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import pino from "pino";
import { pack } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import { InProcessQueue } from "../../jobs/index.js";
import { type Actor, EventBus, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { importOsv, openAdvisoryDatabase } from "../../vuln/index.js";
import { ScanOnPush } from "./scan-on-push.js";
import { ScanStore } from "./store.js";

const OSV = fileURLToPath(new URL("../../vuln/testdata/osv/", import.meta.url));
const actor: Actor = { subject: "alice", kind: "user" };

async function* once(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

async function layer(files: Record<string, string>): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve) => {
    packer.on("end", () => resolve());
  });
  for (const [name, content] of Object.entries(files)) packer.entry({ name, mode: 0o644 }, content);
  packer.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

describe.each(databaseTestTargets())("scan on push ($name)", (target) => {
  let database: Database;
  let registry: Registry;
  let queue: InProcessQueue;
  let scanner: ScanOnPush;
  let store: ScanStore;
  let dir: string;
  let advisories: string;
  let logs: Array<{ level: number; msg: string; err?: { stack?: string }; code?: string }>;

  beforeEach(async () => {
    logs = [];
    dir = await mkdtemp(join(tmpdir(), "portcullis-scan-on-push-"));
    advisories = join(dir, "advisories.db");
    database = await target.open();
    const events = new EventBus();
    registry = new Registry({ database, store: new MemoryDriver(), events });
    queue = new InProcessQueue();
    store = new ScanStore(database);
    scanner = new ScanOnPush({
      registry,
      store,
      queue,
      logger: pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line)) }),
      advisoryDatabasePath: advisories,
      concurrency: 1,
      toolVersion: "test",
    });
    events.on("manifest.pushed", scanner.onEvent);
  });

  afterEach(async () => {
    await queue.close();
    scanner.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function pushImage(repository: string, files: Record<string, string>): Promise<string> {
    const layerBytes = await layer(files);
    const config = Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
    );
    await registry.uploads.putMonolithic(repository, digestOf(layerBytes), once(layerBytes));
    await registry.uploads.putMonolithic(repository, digestOf(config), once(config));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: digestOf(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
            digest: digestOf(layerBytes),
            size: layerBytes.length,
          },
        ],
      }),
    );
    return (await registry.manifests.put(repository, "v1", manifest, undefined, [], actor)).digest;
  }

  const python = {
    "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA":
      "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n",
  };

  it("scans a pushed image, pushes its SBOM as a referrer and stores the report", async () => {
    const db = openAdvisoryDatabase(advisories, { create: true });
    await importOsv(db, join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
    db.close();
    const digest = await pushImage("team/app", python);
    await scanner.idle();
    const scan = await store.get(digest);
    expect(scan?.status).toBe("done");
    expect(scan?.report?.findings.map((f) => f.id)).toEqual(["CVE-2019-10906"]);
    expect(scan?.report?.summary.high).toBe(1);
    const referrers = await registry.discovery.referrers("team/app", digest, {});
    const sbom = referrers.items.find((r) => r.artifactType === "application/vnd.cyclonedx+json");
    expect(sbom?.digest).toBe(scan?.sbomDigest);
    // The SBOM referrer itself is an artifact: it is not scanned in turn.
    expect(await store.get(sbom!.digest)).toBeUndefined();
  });

  it("without an advisory database, stores the SBOM and an incomplete report that says why", async () => {
    const digest = await pushImage("team/app", python);
    await scanner.idle();
    const scan = await store.get(digest);
    expect(scan?.status).toBe("done");
    expect(scan?.report?.packages).toBe(1);
    expect(scan?.report?.warnings.join(" ")).toMatch(/no advisory database/);
    // Issue 11, item 10: not matched is not "no findings"; gates fail it unless allowIncomplete.
    expect(scan?.report?.complete).toBe(false);
    expect(scan?.report?.incomplete.map((r) => r.code)).toEqual(["ADVISORIES_MISSING"]);
    const db = openAdvisoryDatabase(advisories, { create: true });
    await importOsv(db, join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
    db.close();
    expect(await scanner.rematchIfChanged()).toBe(1);
    expect((await store.get(digest))?.report).toMatchObject({ complete: true, incomplete: [] });
  });

  it("stores a scan that hit a limit as incomplete, and it stays so when matched again", async () => {
    const db = openAdvisoryDatabase(advisories, { create: true });
    await importOsv(db, join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
    db.close();
    const ownQueue = new InProcessQueue();
    const limited = new ScanOnPush({
      registry,
      store,
      queue: ownQueue,
      logger: pino({ level: "silent" }),
      advisoryDatabasePath: advisories,
      concurrency: 1,
      toolVersion: "test",
      maxFileBytes: 16,
    });
    try {
      const digest = await pushImage("team/app", python);
      await scanner.idle();
      await limited.request("team/app", digest);
      await limited.idle();
      const report = (await store.get(digest))?.report;
      expect(report?.complete).toBe(false);
      expect(report?.incomplete[0]).toMatchObject({ code: "FILE_TOO_LARGE" });
      expect(report?.incomplete[0]?.message).toMatch(/METADATA is \d+ bytes, over the 16-byte limit/);
      // The SBOM it stored carries the reasons, so matching it again does not make it complete.
      await store.rematched(digest, report!, "another revision");
      expect(await limited.rematchIfChanged()).toBe(1);
      expect((await store.get(digest))?.report?.incomplete[0]).toMatchObject({ code: "FILE_TOO_LARGE" });
    } finally {
      await ownQueue.close();
      limited.close();
    }
  });

  // Issue 11, item 12: signatures, attestations, artifacts and indexes are not images.
  it("does not scan cosign signatures and attestations, artifacts or indexes, and logs no error", async () => {
    const image = await pushImage("team/app", python);
    await scanner.idle();
    const put = async (tag: string, manifest: Record<string, unknown>, blobs: Buffer[]) => {
      for (const blob of blobs) await registry.uploads.putMonolithic("team/app", digestOf(blob), once(blob));
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, ...manifest }));
      return (await registry.manifests.put("team/app", tag, bytes, undefined, [], actor)).digest;
    };
    const ociConfig = Buffer.from(
      JSON.stringify({ architecture: "", os: "", rootfs: { type: "layers", diff_ids: [] } }),
    );
    const descriptor = (mediaType: string, blob: Buffer) => ({
      mediaType,
      digest: digestOf(blob),
      size: blob.length,
    });
    const payload = Buffer.from(JSON.stringify({ critical: { image: { "docker-manifest-digest": image } } }));
    const envelope = Buffer.from(
      JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload: "", signatures: [] }),
    );
    const empty = Buffer.from("{}");
    const tagOf = (suffix: string) => `${image.replace(":", "-")}.${suffix}`;
    const skipped = [
      // cosign's tag scheme: an OCI image config over simple-signing or DSSE layers.
      await put(
        tagOf("sig"),
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: descriptor("application/vnd.oci.image.config.v1+json", ociConfig),
          layers: [descriptor("application/vnd.dev.cosign.simplesigning.v1+json", payload)],
        },
        [ociConfig, payload],
      ),
      await put(
        tagOf("att"),
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: descriptor("application/vnd.oci.image.config.v1+json", ociConfig),
          layers: [descriptor("application/vnd.dsse.envelope.v1+json", envelope)],
        },
        [ociConfig, envelope],
      ),
      // An SBOM pushed with the tag scheme (no subject): an artifact by its artifactType.
      await put(
        tagOf("sbom"),
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          artifactType: "application/spdx+json",
          config: descriptor("application/vnd.oci.empty.v1+json", empty),
          layers: [descriptor("application/spdx+json", payload)],
        },
        [empty, payload],
      ),
      await put(
        "index",
        {
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: image,
              size: (await registry.manifests.get("team/app", image, actor, false)).size,
              platform: { architecture: "amd64", os: "linux" },
            },
          ],
        },
        [],
      ),
    ];
    await scanner.idle();
    for (const digest of skipped) expect(await store.get(digest)).toBeUndefined();
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
    // The three artifacts are read and named at debug level; the index is known by its media type.
    expect(logs.filter((l) => l.msg === "not scanned: not an image")).toHaveLength(3);
  });

  it("re-matches stored SBOMs when the advisory database changes, without reading layers again", async () => {
    const digest = await pushImage("team/app", python);
    await scanner.idle();
    expect((await store.get(digest))?.report?.findings).toEqual([]);
    expect(await scanner.rematchIfChanged()).toBe(0);
    const db = openAdvisoryDatabase(advisories, { create: true });
    await importOsv(db, join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
    db.close();
    expect(await scanner.rematchIfChanged()).toBe(1);
    expect((await store.get(digest))?.report?.findings.map((f) => f.id)).toEqual(["CVE-2019-10906"]);
    // Nothing changed since: nothing to do.
    expect(await scanner.rematchIfChanged()).toBe(0);
  });

  it("resumes scans a crash left queued", async () => {
    const digest = await pushImage("team/app", python);
    await scanner.idle();
    await store.request(digest, "team/app", new Date());
    expect((await store.get(digest))?.status).toBe("queued");
    expect(await scanner.resume()).toBe(1);
    await scanner.idle();
    expect((await store.get(digest))?.status).toBe("done");
  });

  it("records a failure with its reason", async () => {
    const digest = await pushImage("team/app", python);
    await scanner.idle();
    // A layer blob vanishing from the store makes the next scan fail, and says so.
    const stored = await registry.manifests.get("team/app", digest, actor, false);
    const layerDigest = (JSON.parse(stored.content.toString()) as { layers: Array<{ digest: string }> })
      .layers[0]!.digest;
    await registry.blobs.delete("team/app", layerDigest, actor);
    await scanner.request("team/app", digest);
    await scanner.idle();
    const scan = await store.get(digest);
    expect(scan?.status).toBe("failed");
    expect(scan?.error).toMatch(/blob|not/i);
    // An expected, coded failure is logged once, as a warning without a stack trace.
    const failures = logs.filter((l) => l.msg === "image scan failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40 });
    expect(failures[0]?.code).toEqual(expect.any(String));
    expect(failures[0]?.err).toBeUndefined();
  });
});
