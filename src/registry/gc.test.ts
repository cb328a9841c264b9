import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../test/support/random.js";
import { parseDigest } from "../core/index.js";
import {
  type Database,
  type FileInfo,
  type FileWriter,
  LocalDriver,
  openDatabase,
  type RandomAccessFile,
  type StorageDriver,
} from "../storage/index.js";
import { type DatabaseTestTarget, databaseTestTargets } from "../storage/testing.js";
import type { RegistryOptions } from "./context.js";
import { RegistryError } from "./errors.js";
import { SYSTEM_ACTOR } from "./events.js";
import { blobPath, uploadPath } from "./paths.js";
import { Registry } from "./registry.js";

/** Every random pick of this file, from one seed (test/support/random.ts). */
const random = seededRandom("registry/gc");

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GRACE = HOUR;
const UPLOAD_EXPIRY = 24 * HOUR;
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function* body(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly bytes: Uint8Array;
}

function blobOf(bytes: Uint8Array): Blob {
  return { digest: sha256(bytes), size: bytes.length, bytes };
}

function randomBlob(size = 64 + Math.floor(random() * 4096)): Blob {
  return blobOf(randomBytes(size));
}

function imageManifest(config: Blob, layers: readonly Blob[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: config.digest,
        size: config.size,
      },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: l.digest,
        size: l.size,
      })),
    }),
  );
}

/** A storage driver that delegates to another one, with hooks around `delete` and `move`. */
class HookedDriver implements StorageDriver {
  readonly name = "hooked";
  beforeDelete: ((path: string) => Promise<void>) | undefined;
  afterMove: ((from: string, to: string) => Promise<void>) | undefined;

  constructor(private readonly inner: StorageDriver) {}

  get(path: string): Promise<Buffer> {
    return this.inner.get(path);
  }
  put(path: string, data: Uint8Array): Promise<void> {
    return this.inner.put(path, data);
  }
  reader(path: string, range?: { offset?: number; length?: number }) {
    return this.inner.reader(path, range);
  }
  writer(path: string, options?: { append?: boolean; offset?: number }): Promise<FileWriter> {
    return this.inner.writer(path, options);
  }
  stat(path: string): Promise<FileInfo> {
    return this.inner.stat(path);
  }
  list(path: string): Promise<string[]> {
    return this.inner.list(path);
  }
  async move(from: string, to: string): Promise<void> {
    await this.inner.move(from, to);
    await this.afterMove?.(from, to);
  }
  async delete(path: string): Promise<void> {
    await this.beforeDelete?.(path);
    await this.inner.delete(path);
  }
  walk(path: string): AsyncIterable<FileInfo> {
    return this.inner.walk(path);
  }
  open(path: string): Promise<RandomAccessFile> {
    return this.inner.open(path);
  }
  cleanTemp(maxAgeMs: number): Promise<number> {
    return this.inner.cleanTemp?.(maxAgeMs) ?? Promise.resolve(0);
  }
}

interface Harness {
  readonly database: Database;
  readonly root: string;
  readonly local: LocalDriver;
  readonly store: HookedDriver;
  registry: Registry;
  clock: number;
}

async function openHarness(target: DatabaseTestTarget): Promise<Harness> {
  const database = await target.open();
  const root = await mkdtemp(join(tmpdir(), "portcullis-gc-"));
  const local = new LocalDriver(root, { fsync: false });
  const store = new HookedDriver(local);
  const harness: Harness = {
    database,
    root,
    local,
    store,
    clock: Date.now(),
    registry: undefined as unknown as Registry,
  };
  harness.registry = makeRegistry(harness, { gcGracePeriodMs: GRACE, uploadExpiryMs: UPLOAD_EXPIRY });
  return harness;
}

function makeRegistry(h: Harness, options: Partial<RegistryOptions>, realClock = false): Registry {
  return new Registry({
    database: h.database,
    store: h.store,
    options,
    now: realClock ? Date.now : () => h.clock,
  });
}

async function pushBlob(registry: Registry, repository: string, blob: Blob): Promise<void> {
  await registry.uploads.putMonolithic(repository, blob.digest, body(blob.bytes));
}

async function pushImage(
  registry: Registry,
  repository: string,
  tag: string,
  layers: readonly Blob[],
  config: Blob = blobOf(
    Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", id: randomUUID() })),
  ),
): Promise<{ digest: string; blobs: Blob[] }> {
  for (const blob of [config, ...layers]) await pushBlob(registry, repository, blob);
  const result = await registry.manifests.put(
    repository,
    tag,
    imageManifest(config, layers),
    MANIFEST_TYPE,
    [],
    SYSTEM_ACTOR,
  );
  return { digest: result.digest, blobs: [config, ...layers] };
}

/** Reads a blob through the registry and returns the digest of what came back. */
async function readBlobDigest(registry: Registry, repository: string, digest: string): Promise<string> {
  const info = await registry.blobs.stat(repository, digest);
  const hash = createHash(parseDigest(digest).algorithm);
  await registry.blobs.copy(info, undefined, async (chunk) => {
    hash.update(chunk);
  });
  return `${parseDigest(digest).algorithm}:${hash.digest("hex")}`;
}

/** A second connection pool to the harness's database (PostgreSQL); the same one for in-memory SQLite. */
async function openSameDatabase(h: Harness, target: DatabaseTestTarget): Promise<Database> {
  const url = process.env.PORTCULLIS_TEST_POSTGRES;
  if (target.name !== "postgres" || !url) return h.database;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(h.database.db);
  return openDatabase(url, { schema: rows[0]!.schema, poolSize: 2, migrate: false });
}

async function blobRow(h: Harness, digest: string) {
  return h.database.db.selectFrom("blobs").selectAll().where("digest", "=", digest).executeTakeFirst();
}

async function fileExists(h: Harness, path: string): Promise<boolean> {
  return h.local.stat(path).then(
    () => true,
    () => false,
  );
}

async function blobFileExists(h: Harness, digest: string): Promise<boolean> {
  return fileExists(h, blobPath(parseDigest(digest)));
}

/** Writes a file straight into the store's directory, with the given modification time. */
async function writeRaw(h: Harness, path: string, bytes: Uint8Array, mtime: number): Promise<void> {
  const full = join(h.root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, bytes);
  await utimes(full, mtime / 1000, mtime / 1000);
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    if (err instanceof RegistryError) return err.code;
    throw err;
  }
}

/** Every manifest in the database: its blobs must be served, and hash to their digests; every tag resolves. */
async function checkInvariants(
  h: Harness,
  registry: Registry,
): Promise<{ manifests: number; blobs: number }> {
  const rows = await h.database.db
    .selectFrom("manifest_refs as r")
    .innerJoin("repositories as p", "p.id", "r.repository_id")
    .select(["p.name", "r.manifest_digest", "r.child_digest"])
    .where("r.kind", "=", "blob")
    .execute();
  const broken: string[] = [];
  for (const row of rows) {
    try {
      const actual = await readBlobDigest(registry, row.name, row.child_digest);
      if (actual !== row.child_digest)
        broken.push(`${row.name}@${row.manifest_digest}: ${row.child_digest} hashes to ${actual}`);
    } catch (err) {
      broken.push(
        `${row.name}@${row.manifest_digest}: ${row.child_digest} unreadable: ${(err as Error).message}`,
      );
    }
  }
  const tags = await h.database.db
    .selectFrom("tags as t")
    .innerJoin("repositories as p", "p.id", "t.repository_id")
    .select(["p.name", "t.name as tag"])
    .execute();
  for (const tag of tags) {
    const code = await errorCode(registry.manifests.get(tag.name, tag.tag, SYSTEM_ACTOR, false));
    if (code !== undefined) broken.push(`tag ${tag.name}:${tag.tag} does not resolve (${code})`);
  }
  expect(broken).toEqual([]);
  const manifests = await h.database.db.selectFrom("manifests").select("digest").execute();
  return { manifests: manifests.length, blobs: rows.length };
}

for (const target of databaseTestTargets()) {
  describe(`Registry.collectGarbage (${target.name})`, () => {
    let h: Harness;

    beforeEach(async () => {
      h = await openHarness(target);
    });

    afterEach(async () => {
      await h.database.close();
      await rm(h.root, { recursive: true, force: true });
    });

    it("deletes unreferenced blobs past the grace period (row and file), keeps referenced and young ones", async () => {
      const image = await pushImage(h.registry, "app", "v1", [randomBlob(), randomBlob()]);
      const old = randomBlob(1000);
      await pushBlob(h.registry, "app", old);
      h.clock += 2 * HOUR;
      const young = randomBlob(2000);
      await pushBlob(h.registry, "app", young);

      const report = await h.registry.collectGarbage();
      expect(report).toMatchObject({
        dryRun: false,
        uploadsExpired: 0,
        linksRemoved: 1,
        blobsDeleted: 1,
        bytesFreed: 1000,
        orphanFilesDeleted: 0,
      });
      expect(await blobRow(h, old.digest)).toBeUndefined();
      expect(await blobFileExists(h, old.digest)).toBe(false);
      expect(await errorCode(h.registry.blobs.stat("app", old.digest))).toBe("BLOB_UNKNOWN");
      for (const blob of [...image.blobs, young]) {
        expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
      }

      // Nothing left to collect: a second run is a no-op.
      h.clock += 2 * HOUR;
      const again = await h.registry.collectGarbage();
      expect(again).toMatchObject({ linksRemoved: 1, blobsDeleted: 1, bytesFreed: young.size });
      for (const blob of image.blobs)
        expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
      const third = await h.registry.collectGarbage();
      expect(third).toMatchObject({ uploadsExpired: 0, linksRemoved: 0, blobsDeleted: 0, bytesFreed: 0 });
    });

    it("keeps a blob that a manifest in another repository references", async () => {
      const shared = randomBlob(3000);
      await pushBlob(h.registry, "a", shared);
      await pushImage(h.registry, "b", "v1", [shared]);
      h.clock += 2 * HOUR;

      const report = await h.registry.collectGarbage();
      // The link in `a` goes (nothing there references it), the bytes stay for `b`.
      expect(report).toMatchObject({ linksRemoved: 1, blobsDeleted: 0, bytesFreed: 0 });
      expect(await errorCode(h.registry.blobs.stat("a", shared.digest))).toBe("BLOB_UNKNOWN");
      expect(await readBlobDigest(h.registry, "b", shared.digest)).toBe(shared.digest);
      expect(await blobRow(h, shared.digest)).toBeDefined();
    });

    it("makes a deleted manifest's blobs collectable once past the grace period, sparing shared ones", async () => {
      const shared = randomBlob(500);
      const own = randomBlob(700);
      const config = blobOf(Buffer.from('{"architecture":"amd64","os":"linux"}'));
      const first = await pushImage(h.registry, "app", "v1", [shared, own], config);
      const second = await pushImage(h.registry, "app", "v2", [shared]);

      h.clock += 30 * MINUTE;
      await h.registry.manifests.delete("app", first.digest, SYSTEM_ACTOR);
      const early = await h.registry.collectGarbage();
      expect(early).toMatchObject({ linksRemoved: 0, blobsDeleted: 0 });
      expect(await readBlobDigest(h.registry, "app", own.digest)).toBe(own.digest);

      h.clock += HOUR;
      const report = await h.registry.collectGarbage();
      expect(report).toMatchObject({ linksRemoved: 2, blobsDeleted: 2, bytesFreed: own.size + config.size });
      for (const gone of [own, config]) {
        expect(await blobRow(h, gone.digest)).toBeUndefined();
        expect(await blobFileExists(h, gone.digest)).toBe(false);
      }
      for (const blob of second.blobs)
        expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
      await checkInvariants(h, h.registry);
    });

    it("removes expired uploads, row and file, and keeps live ones", async () => {
      const stale = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", stale.id, body(randomBytes(1000)));
      h.clock += 25 * HOUR;
      const live = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", live.id, body(randomBytes(10)));

      const report = await h.registry.collectGarbage();
      expect(report).toMatchObject({ uploadsExpired: 1, orphanFilesDeleted: 0 });
      expect(await errorCode(h.registry.uploads.status("app", stale.id))).toBe("BLOB_UPLOAD_UNKNOWN");
      expect(await fileExists(h, uploadPath(stale.id))).toBe(false);
      expect((await h.registry.uploads.status("app", live.id)).offset).toBe(10);
      expect(await fileExists(h, uploadPath(live.id))).toBe(true);
    });

    it("removes orphan files older than the grace period and keeps young ones", async () => {
      const kept = randomBlob();
      await pushImage(h.registry, "app", "v1", [kept]);
      const now = h.clock;
      const oldOrphan = randomBlob();
      const youngOrphan = randomBlob();
      await writeRaw(h, blobPath(parseDigest(oldOrphan.digest)), oldOrphan.bytes, now - 2 * HOUR);
      await writeRaw(h, blobPath(parseDigest(youngOrphan.digest)), youngOrphan.bytes, now - MINUTE);
      await writeRaw(h, "blobs/sha256/zz/not-a-digest", randomBytes(10), now - 2 * HOUR);
      await writeRaw(h, uploadPath(randomUUID()), randomBytes(10), now - 25 * HOUR);
      const youngUpload = uploadPath(randomUUID());
      await writeRaw(h, youngUpload, randomBytes(10), now - 2 * HOUR);
      // Leftovers of a driver put killed mid-way: old ones go, a put that may be running stays.
      await writeRaw(h, "_tmp/1234-old", randomBytes(10), now - 25 * HOUR);
      await writeRaw(h, "_tmp/1234-young", randomBytes(10), now - MINUTE);
      // A committed blob whose file is old stays: it has a row.
      await utimes(
        join(h.root, blobPath(parseDigest(kept.digest))),
        (now - 3 * HOUR) / 1000,
        (now - 3 * HOUR) / 1000,
      );

      const report = await h.registry.collectGarbage();
      expect(report).toMatchObject({ orphanFilesDeleted: 4, blobsDeleted: 0 });
      // (the driver refuses `_tmp` paths, so look at the folder itself)
      expect(await readdir(join(h.root, "_tmp"))).toEqual(["1234-young"]);
      expect(await blobFileExists(h, oldOrphan.digest)).toBe(false);
      expect(await blobFileExists(h, youngOrphan.digest)).toBe(true);
      expect(await fileExists(h, "blobs/sha256/zz/not-a-digest")).toBe(false);
      expect(await fileExists(h, youngUpload)).toBe(true);
      expect(await readBlobDigest(h.registry, "app", kept.digest)).toBe(kept.digest);
    });

    it("dry run deletes nothing and reports what a real run then deletes", async () => {
      await pushImage(h.registry, "app", "v1", [randomBlob(), randomBlob()]);
      const loose = [randomBlob(100), randomBlob(200), randomBlob(300)];
      for (const blob of loose) await pushBlob(h.registry, "app", blob);
      await pushBlob(h.registry, "other", loose[0]!);
      const stale = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", stale.id, body(randomBytes(100)));
      h.clock += 25 * HOUR;
      const orphan = randomBlob();
      await writeRaw(h, blobPath(parseDigest(orphan.digest)), orphan.bytes, h.clock - 2 * HOUR);
      const blobsBefore = await h.database.db.selectFrom("blobs").select("digest").execute();
      const linksBefore = await h.database.db.selectFrom("repository_blobs").select("digest").execute();

      const dry = await h.registry.collectGarbage({ dryRun: true });
      expect(dry).toMatchObject({
        dryRun: true,
        uploadsExpired: 1,
        linksRemoved: 4,
        blobsDeleted: 3,
        bytesFreed: 600,
        orphanFilesDeleted: 1,
      });
      expect(await h.database.db.selectFrom("blobs").select("digest").execute()).toHaveLength(
        blobsBefore.length,
      );
      expect(await h.database.db.selectFrom("repository_blobs").select("digest").execute()).toHaveLength(
        linksBefore.length,
      );
      for (const blob of loose)
        expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
      expect(await blobFileExists(h, orphan.digest)).toBe(true);
      expect((await h.registry.uploads.status("app", stale.id)).offset).toBe(100);

      const real = await h.registry.collectGarbage();
      const { durationMs: _a, dryRun: _b, ...dryCounts } = dry;
      const { durationMs: _c, dryRun: _d, ...realCounts } = real;
      expect(realCounts).toEqual(dryCounts);
      for (const blob of loose) expect(await blobFileExists(h, blob.digest)).toBe(false);
    });

    it("honours a grace period override", async () => {
      const blob = randomBlob(123);
      await pushBlob(h.registry, "app", blob);
      h.clock += 10 * MINUTE;
      expect(await h.registry.collectGarbage()).toMatchObject({ blobsDeleted: 0 });
      expect(await h.registry.collectGarbage({ gracePeriodMs: 5 * MINUTE })).toMatchObject({
        blobsDeleted: 1,
        bytesFreed: 123,
      });
    });

    it("does not delete the bytes of a blob committed while the orphan sweep looks at them", async () => {
      // The file is there without a row (a crash between move and commit) and old: an orphan.
      const blob = randomBlob(5000);
      await writeRaw(h, blobPath(parseDigest(blob.digest)), blob.bytes, h.clock - 2 * HOUR);
      // The same blob is pushed again just as the sweep decided the file has no row: the upload
      // finds the bytes already in place and keeps them.
      let push: Promise<void> | undefined;
      h.store.beforeDelete = async (path) => {
        if (path !== blobPath(parseDigest(blob.digest)) || push) return;
        push = pushBlob(h.registry, "app", blob);
        await sleep(100);
      };
      await h.registry.collectGarbage();
      await push;
      h.store.beforeDelete = undefined;
      expect(push).toBeDefined();
      expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
    });

    it("does not delete the bytes an upload is committing, even when their file is old", async () => {
      // A chunked upload whose last chunk arrived long ago: its file keeps that mtime when moved.
      const blob = randomBlob(5000);
      const upload = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", upload.id, body(blob.bytes));
      await utimes(
        join(h.root, uploadPath(upload.id)),
        (h.clock - 2 * HOUR) / 1000,
        (h.clock - 2 * HOUR) / 1000,
      );
      let gc: Promise<unknown> | undefined;
      h.store.afterMove = async (_from, to) => {
        if (to !== blobPath(parseDigest(blob.digest)) || gc) return;
        // The move happened, the commit has not: collect now, inside that window.
        gc = h.registry.collectGarbage();
        await sleep(150);
      };
      await h.registry.uploads.complete("app", upload.id, blob.digest);
      await gc;
      h.store.afterMove = undefined;
      expect(gc).toBeDefined();
      expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
    });

    it("never commits bytes past the acknowledged offset of an upload", async () => {
      const first = randomBytes(1000);
      const upload = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", upload.id, body(first));
      // A chunk that fails after reaching the file (its Content-Range announced fewer bytes).
      const failing = await errorCode(
        h.registry.uploads.append("app", upload.id, body(randomBytes(2 * 1024 * 1024)), {
          start: 1000,
          end: 1009,
        }),
      );
      expect(failing).toBe("BLOB_UPLOAD_INVALID");
      expect((await h.registry.uploads.status("app", upload.id)).offset).toBe(1000);
      const blob = blobOf(first);
      await h.registry.uploads.complete("app", upload.id, blob.digest);
      expect((await h.registry.blobs.stat("app", blob.digest)).size).toBe(1000);
      expect(await readBlobDigest(h.registry, "app", blob.digest)).toBe(blob.digest);
    });

    it("forgets an upload whose bytes are gone (a crash between the move and the commit)", async () => {
      const upload = await h.registry.uploads.start("app");
      await h.registry.uploads.append("app", upload.id, body(randomBytes(100)));
      await h.local.delete(uploadPath(upload.id));
      expect(await errorCode(h.registry.uploads.status("app", upload.id))).toBe("BLOB_UPLOAD_UNKNOWN");
      expect(await errorCode(h.registry.uploads.append("app", upload.id, body(randomBytes(10))))).toBe(
        "BLOB_UPLOAD_UNKNOWN",
      );
    });

    it("never leaves a tag pointing at a missing manifest when a push races a delete of the same manifest", async () => {
      const layer = randomBlob();
      const config = blobOf(Buffer.from('{"architecture":"amd64","os":"linux"}'));
      await pushBlob(h.registry, "app", layer);
      await pushBlob(h.registry, "app", config);
      const manifest = imageManifest(config, [layer]);
      const digest = (
        await h.registry.manifests.put("app", "base", manifest, MANIFEST_TYPE, [], SYSTEM_ACTOR)
      ).digest;
      for (let i = 0; i < 100; i++) {
        // The same manifest pushed again under a new tag while a client deletes it by digest: either
        // order is fine, a tag left pointing at nothing is not.
        await Promise.allSettled([
          h.registry.manifests.put("app", `t${i}`, manifest, MANIFEST_TYPE, [], SYSTEM_ACTOR),
          sleep(random() * 4).then(() => h.registry.manifests.delete("app", digest, SYSTEM_ACTOR)),
        ]);
        const dangling = await h.database.db
          .selectFrom("tags as t")
          .leftJoin("manifests as m", (join) =>
            join.onRef("m.repository_id", "=", "t.repository_id").onRef("m.digest", "=", "t.manifest_digest"),
          )
          .select("t.name")
          .where("m.digest", "is", null)
          .execute();
        expect(dangling, `after round ${i}`).toEqual([]);
        await h.registry.manifests.put("app", "base", manifest, MANIFEST_TYPE, [], SYSTEM_ACTOR);
      }
      await checkInvariants(h, h.registry);
    });

    it("never leaves a manifest pointing at a missing blob while GC runs beside concurrent pushes", async () => {
      const grace = 250;
      const options = { gcGracePeriodMs: grace, uploadExpiryMs: UPLOAD_EXPIRY };
      const registry = makeRegistry(h, options, true);
      // On PostgreSQL, collect through a connection pool of its own, as `portcullis gc` beside
      // `serve` does: the pushes' open transactions must not hold it back.
      const gcDatabase = await openSameDatabase(h, target);
      const collector = new Registry({ database: gcDatabase, store: h.store, options });
      // Slow storage: a commit stays open a while after moving the bytes in, widening the window in
      // which a collection sees the file but not yet its row. (SQLite runs one transaction at a time
      // in a process, so there a long window only stalls everything.)
      const stall = target.name === "sqlite" ? () => random() * 5 : () => 30 + random() * 100;
      h.store.afterMove = (_from, to) => (to.startsWith("blobs/") ? sleep(stall()) : Promise.resolve());
      const pool = Array.from({ length: 40 }, () => randomBlob(2048));
      const deadline = Date.now() + 3000;
      const unexpected: string[] = [];
      const outcomes = { pushed: 0, refused: 0, deleted: 0, gcRuns: 0, gcBlobs: 0 };

      const gcLoop = async () => {
        while (Date.now() < deadline) {
          try {
            const report = await collector.collectGarbage();
            outcomes.gcRuns += 1;
            outcomes.gcBlobs += report.blobsDeleted;
          } catch (err) {
            unexpected.push(`gc: ${(err as Error).stack ?? String(err)}`);
          }
          await sleep(random() * 20);
        }
      };

      /** Sends the bytes of a chunked upload; the returned function closes it (with a last chunk or not). */
      const beginChunked = async (repository: string, blob: Blob) => {
        const upload = await registry.uploads.start(repository);
        const half = Math.floor(blob.size / 2);
        await registry.uploads.append(repository, upload.id, body(blob.bytes.subarray(0, half)));
        const last = random() < 0.3;
        if (!last) await registry.uploads.append(repository, upload.id, body(blob.bytes.subarray(half)));
        return () =>
          registry.uploads.complete(
            repository,
            upload.id,
            blob.digest,
            last ? body(blob.bytes.subarray(half)) : undefined,
          );
      };

      const pusher = async (worker: number) => {
        let n = 0;
        while (Date.now() < deadline) {
          n += 1;
          const repository = `w${worker % 3}`;
          const layers = [pool[Math.floor(random() * pool.length)]!, randomBlob()];
          const config = blobOf(Buffer.from(JSON.stringify({ worker, n, id: randomUUID() })));
          try {
            const blobs = [config, ...layers];
            const chunked = blobs.filter(() => random() < 0.5);
            const closers = await Promise.all(chunked.map((blob) => beginChunked(repository, blob)));
            // Often longer than the grace period: closed without a last chunk, an upload's file is
            // then "old" when it is moved to its blob path.
            await sleep(random() * 2 * grace);
            await Promise.all([
              ...closers.map((close) => close()),
              ...blobs
                .filter((b) => !chunked.includes(b))
                .map((blob) => pushBlob(registry, repository, blob)),
            ]);
            // Sometimes the manifest comes too late: GC may have unlinked the blobs by then.
            if (random() < 0.1) await sleep(grace + random() * grace);
            const result = await registry.manifests.put(
              repository,
              `t${worker}-${n % 5}`,
              imageManifest(config, layers),
              MANIFEST_TYPE,
              [],
              SYSTEM_ACTOR,
            );
            outcomes.pushed += 1;
            if (random() < 0.2) {
              await registry.manifests.delete(repository, result.digest, SYSTEM_ACTOR);
              outcomes.deleted += 1;
            }
          } catch (err) {
            // A blob unlinked by GC before its manifest arrived (the push outlived the grace period),
            // or an upload expired under it: the client pushes again. Anything else is a bug.
            const code = err instanceof RegistryError ? err.code : undefined;
            if (code === "MANIFEST_BLOB_UNKNOWN" || code === "BLOB_UPLOAD_UNKNOWN") outcomes.refused += 1;
            else unexpected.push(`push: ${(err as Error).stack ?? String(err)}`);
          }
        }
      };

      try {
        await Promise.all([gcLoop(), ...Array.from({ length: 4 }, (_, i) => pusher(i))]);
      } finally {
        if (gcDatabase !== h.database) await gcDatabase.close();
      }
      expect(unexpected).toEqual([]);
      expect(outcomes.pushed).toBeGreaterThan(5);
      expect(outcomes.gcRuns).toBeGreaterThan(5);
      const after = await checkInvariants(h, registry);
      expect(after.manifests).toBeGreaterThan(0);

      // A last collection, once everything is past the grace period, keeps every referenced blob.
      await sleep(250);
      await registry.collectGarbage();
      await checkInvariants(h, registry);
    }, 20_000);
  });
}
