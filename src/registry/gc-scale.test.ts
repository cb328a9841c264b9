/**
 * Garbage collection in pages (registry/gc.ts): every step gives the same answer whatever the page size
 * (sizes that divide the counts exactly, and ones that do not), bulk deletes go a page at a time,
 * progress is reported, one collection runs at a time, and pages interleaved with pushes lose nothing.
 * The safety protocol itself (grace period, re-checks, orphan claims) is gc.test.ts's.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../test/support/random.js";
import { parseDigest } from "../core/index.js";
import { type Database, LocalDriver, openDatabase } from "../storage/index.js";
import { type DatabaseTestTarget, databaseTestTargets } from "../storage/testing.js";
import { RegistryError } from "./errors.js";
import { SYSTEM_ACTOR } from "./events.js";
import { blobPath, uploadPath } from "./paths.js";
import { Registry } from "./registry.js";

const random = seededRandom("registry/gc-scale");
const HOUR = 3_600_000;
const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

interface Blob {
  readonly digest: string;
  readonly bytes: Uint8Array;
}

const blobOf = (bytes: Uint8Array): Blob => ({
  digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
  bytes,
});
const randomBlob = (): Blob => blobOf(randomBytes(16 + Math.floor(random() * 256)));

async function* body(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** The local driver with a bulk delete that records its calls and can be held (to catch GC mid-run). */
class BulkDriver extends LocalDriver {
  readonly bulk: string[][] = [];
  hold: Promise<void> | undefined;
  onBulk: (() => void) | undefined;

  async deleteMany(paths: readonly string[]): Promise<void> {
    this.bulk.push([...paths]);
    this.onBulk?.();
    await this.hold;
    for (const path of paths) await this.delete(path).catch(() => {});
  }
}

interface Harness {
  readonly database: Database;
  readonly root: string;
  readonly store: BulkDriver;
  readonly registry: Registry;
  clock: number;
}

async function openHarness(target: DatabaseTestTarget, realClock = false): Promise<Harness> {
  const database = await target.open();
  const root = await mkdtemp(join(tmpdir(), "portcullis-gc-scale-"));
  const store = new BulkDriver(root, { fsync: false });
  const h = { database, root, store, clock: Date.now() } as Harness;
  const options = { gcGracePeriodMs: realClock ? 100 : HOUR, uploadExpiryMs: 24 * HOUR };
  (h as { registry: Registry }).registry = new Registry({
    database,
    store,
    options,
    now: realClock ? Date.now : () => h.clock,
  });
  return h;
}

async function pushImage(registry: Registry, repository: string, tag: string, layers: readonly Blob[]) {
  const config = blobOf(Buffer.from(JSON.stringify({ os: "linux", id: randomUUID() })));
  for (const blob of [config, ...layers])
    await registry.uploads.putMonolithic(repository, blob.digest, body(blob.bytes));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: config.digest,
        size: config.bytes.length,
      },
      layers: layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: l.digest,
        size: l.bytes.length,
      })),
    }),
  );
  const result = await registry.manifests.put(repository, tag, manifest, MANIFEST_TYPE, [], SYSTEM_ACTOR);
  return { digest: result.digest, blobs: [config, ...layers] };
}

async function writeOld(h: Harness, path: string, bytes: Uint8Array, age: number): Promise<void> {
  const full = join(h.root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, bytes);
  await utimes(full, (h.clock - age) / 1000, (h.clock - age) / 1000);
}

async function readable(registry: Registry, repository: string, blob: Blob): Promise<boolean> {
  try {
    const info = await registry.blobs.stat(repository, blob.digest);
    const hash = createHash("sha256");
    await registry.blobs.copy(info, undefined, async (chunk) => {
      hash.update(chunk);
    });
    return `sha256:${hash.digest("hex")}` === blob.digest;
  } catch {
    return false;
  }
}

/**
 * A store with something for every step: 6 kept images, 11 loose blobs over three repositories (one
 * linked in two: 12 links), 5 orphan blob files, 4 expired uploads and 3 upload files without a row.
 */
async function populate(h: Harness) {
  const kept = [];
  for (let i = 0; i < 6; i++) kept.push(await pushImage(h.registry, `app${i % 2}`, `v${i}`, [randomBlob()]));
  const loose = Array.from({ length: 11 }, randomBlob);
  for (const [i, blob] of loose.entries())
    await h.registry.uploads.putMonolithic(`loose${i % 3}`, blob.digest, body(blob.bytes));
  await h.registry.uploads.putMonolithic("loose-extra", loose[0]!.digest, body(loose[0]!.bytes));
  for (let i = 0; i < 4; i++) {
    const upload = await h.registry.uploads.start("app0");
    await h.registry.uploads.append("app0", upload.id, body(randomBytes(10)));
  }
  h.clock += 25 * HOUR;
  const orphans = Array.from({ length: 5 }, randomBlob);
  for (const orphan of orphans)
    await writeOld(h, blobPath(parseDigest(orphan.digest)), orphan.bytes, 2 * HOUR);
  for (let i = 0; i < 3; i++) await writeOld(h, uploadPath(randomUUID()), randomBytes(10), 25 * HOUR);
  return { kept, loose, orphans };
}

const EXPECTED = { uploadsExpired: 4, linksRemoved: 12, blobsDeleted: 11, orphanFilesDeleted: 8 };

for (const target of databaseTestTargets()) {
  describe(`paged garbage collection (${target.name})`, () => {
    let h: Harness;

    beforeEach(async () => {
      h = await openHarness(target);
    });

    afterEach(async () => {
      await h.database.close();
      await rm(h.root, { recursive: true, force: true });
    });

    for (const batchSize of [1, 4, 11, 12, 500]) {
      it(`gives the same answer with pages of ${batchSize}`, async () => {
        const { kept, loose, orphans } = await populate(h);
        const dry = await h.registry.collectGarbage({ dryRun: true, batchSize });
        expect(dry).toMatchObject(EXPECTED);
        const real = await h.registry.collectGarbage({ batchSize });
        expect(real).toMatchObject(EXPECTED);
        expect(real.bytesFreed).toBe(loose.reduce((sum, b) => sum + b.bytes.length, 0));
        for (const image of kept)
          for (const blob of image.blobs)
            expect(
              (await readable(h.registry, "app0", blob)) || (await readable(h.registry, "app1", blob)),
            ).toBe(true);
        for (const blob of [...loose, ...orphans]) {
          const row = await h.database.db
            .selectFrom("blobs")
            .select("digest")
            .where("digest", "=", blob.digest)
            .executeTakeFirst();
          expect(row).toBeUndefined();
        }
        // Every bulk delete stayed within a page.
        expect(h.store.bulk.length).toBeGreaterThan(0);
        for (const call of h.store.bulk) expect(call.length).toBeLessThanOrEqual(batchSize);
        const deleted = new Set(h.store.bulk.flat());
        for (const blob of loose) expect(deleted.has(blobPath(parseDigest(blob.digest)))).toBe(true);
        // Nothing left.
        expect(await h.registry.collectGarbage({ batchSize })).toMatchObject({
          uploadsExpired: 0,
          linksRemoved: 0,
          blobsDeleted: 0,
          orphanFilesDeleted: 0,
        });
      });
    }

    it("reports progress every N items of a step", async () => {
      await populate(h);
      const lines: string[] = [];
      await h.registry.collectGarbage({
        batchSize: 2,
        progressEvery: 5,
        onProgress: (line) => lines.push(line),
      });
      expect(lines).toContain("blobs examined: 6…");
      expect(lines).toContain("blobs examined: 10…");
      expect(lines.filter((l) => /^blobs deleted: 11 \(\d+ bytes\)$/.test(l))).toHaveLength(1);
      expect(lines.at(-1)).toBe("orphan files deleted: 8");
    });

    it("runs one collection at a time, in this process and (PostgreSQL) across replicas", async () => {
      await populate(h);
      let reached!: () => void;
      const atBulk = new Promise<void>((resolve) => {
        reached = resolve;
      });
      let release!: () => void;
      h.store.hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      h.store.onBulk = reached;
      const first = h.registry.collectGarbage();
      await atBulk;
      const code = async (run: Promise<unknown>) =>
        run.then(
          () => "ok",
          (err: unknown) => (err instanceof RegistryError ? err.code : String(err)),
        );
      expect(await code(h.registry.collectGarbage())).toBe("GC_RUNNING");
      const url = process.env.PORTCULLIS_TEST_POSTGRES;
      if (target.name === "postgres" && url) {
        // Another replica: its own pool on the same schema.
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
          h.database.db,
        );
        const other = await openDatabase(url, { schema: rows[0]!.schema, poolSize: 2, migrate: false });
        try {
          const replica = new Registry({
            database: other,
            store: h.store,
            options: { gcGracePeriodMs: HOUR },
          });
          expect(await code(replica.collectGarbage())).toBe("GC_RUNNING");
          h.store.onBulk = undefined;
          release();
          expect(await first).toMatchObject(EXPECTED);
          // The lock went with the first run.
          expect(await code(replica.collectGarbage())).toBe("ok");
        } finally {
          await other.close();
        }
      } else {
        h.store.onBulk = undefined;
        release();
        expect(await first).toMatchObject(EXPECTED);
      }
      expect(await code(h.registry.collectGarbage())).toBe("ok");
    });
  });

  describe(`paged garbage collection beside pushes (${target.name})`, () => {
    it("loses no referenced blob while pages of 2 interleave with pushes and deletes", async () => {
      const h = await openHarness(target, true);
      try {
        const shared = Array.from({ length: 10 }, randomBlob);
        const deadline = Date.now() + 2000;
        const unexpected: string[] = [];
        let runs = 0;
        let pushes = 0;
        const gcLoop = async () => {
          while (Date.now() < deadline) {
            await h.registry
              .collectGarbage({ batchSize: 2 })
              .then(() => {
                runs += 1;
              })
              .catch((err: unknown) => unexpected.push(`gc: ${String(err)}`));
            await new Promise((r) => setTimeout(r, random() * 10));
          }
        };
        const pusher = async (worker: number) => {
          for (let n = 0; Date.now() < deadline; n++) {
            const layers = [shared[Math.floor(random() * shared.length)]!, randomBlob()];
            try {
              const image = await pushImage(h.registry, `w${worker}`, `t${n % 3}`, layers);
              pushes += 1;
              if (random() < 0.3) await h.registry.manifests.delete(`w${worker}`, image.digest, SYSTEM_ACTOR);
            } catch (err) {
              // A push slower than the grace period may find a blob unlinked: the client pushes again.
              if (!(err instanceof RegistryError && err.code === "MANIFEST_BLOB_UNKNOWN"))
                unexpected.push(`push: ${String(err)}`);
            }
          }
        };
        await Promise.all([gcLoop(), pusher(0), pusher(1), pusher(2)]);
        expect(unexpected).toEqual([]);
        expect(runs).toBeGreaterThan(2);
        expect(pushes).toBeGreaterThan(5);
        await new Promise((r) => setTimeout(r, 150));
        await h.registry.collectGarbage({ batchSize: 2 });
        // Every blob a surviving manifest names is served with its bytes.
        const refs = await h.database.db
          .selectFrom("manifest_refs as r")
          .innerJoin("repositories as p", "p.id", "r.repository_id")
          .select(["p.name", "r.child_digest"])
          .where("r.kind", "=", "blob")
          .execute();
        expect(refs.length).toBeGreaterThan(0);
        for (const ref of refs) {
          const bytes = await h.store.get(blobPath(parseDigest(ref.child_digest)));
          expect(blobOf(bytes).digest, `${ref.name} ${ref.child_digest}`).toBe(ref.child_digest);
          expect(await h.registry.blobs.stat(ref.name, ref.child_digest)).toBeDefined();
        }
      } finally {
        await h.database.close();
        await rm(h.root, { recursive: true, force: true });
      }
    }, 20_000);
  });
}
