import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../core/index.js";
import { type Database, MemoryDriver } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import type { Actor } from "./events.js";
import { Registry } from "./registry.js";
import type { ProjectStorageRules } from "./rules.js";

const actor: Actor = { subject: "alice", kind: "user" };

async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

/** What the ledger should say, computed from scratch: distinct linked blobs and manifests per project. */
async function recomputed(database: Database, project: string): Promise<number> {
  const inProject = (column: string) =>
    sql<boolean>`(${sql.ref(column)} = ${project} or ${sql.ref(column)} like ${`${project}/%`})`;
  const blobs = await database.db
    .selectFrom("blobs as b")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("b.size"), eb.lit(0)).as("total"))
    .where("b.digest", "in", (eb) =>
      eb
        .selectFrom("repository_blobs as rb")
        .innerJoin("repositories as r", "r.id", "rb.repository_id")
        .select("rb.digest")
        .where(inProject("r.name")),
    )
    .executeTakeFirstOrThrow();
  const manifests = await database.db
    .selectFrom((eb) =>
      eb
        .selectFrom("manifests as m")
        .innerJoin("repositories as r", "r.id", "m.repository_id")
        .select(["m.digest", (e) => e.fn.max("m.size").as("size")])
        .where(inProject("r.name"))
        .groupBy("m.digest")
        .as("d"),
    )
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("d.size"), eb.lit(0)).as("total"))
    .executeTakeFirstOrThrow();
  return Number(blobs.total) + Number(manifests.total);
}

describe.each(databaseTestTargets())("project storage rules ($name)", (target) => {
  let database: Database;
  let registry: Registry;
  let rules: Record<string, ProjectStorageRules>;

  beforeEach(async () => {
    database = await target.open();
    rules = {};
    registry = new Registry({
      database,
      store: new MemoryDriver(),
      rules: { forRepository: (repository) => rules[repository.split("/")[0]!] ?? {} },
      // Links are collectable at once (GC frees usage in these tests without waiting).
      options: { gcGracePeriodMs: 0 },
    });
  });

  afterEach(async () => {
    await database.close();
  });

  async function blob(repository: string, content: string) {
    const data = Buffer.from(content);
    return registry.uploads.putMonolithic(repository, digestOf(data), bytes(data));
  }

  /** An image manifest over a config and one layer (pushed first); distinct per `name`. */
  async function image(repository: string, name: string, layerText = `layer of ${name}`) {
    const config = await blob(repository, JSON.stringify({ architecture: "amd64", os: "linux", name }));
    const layer = await blob(repository, layerText);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
      }),
    );
    return { manifest, digest: digestOf(manifest), config, layer };
  }

  describe("immutable tags", () => {
    beforeEach(() => {
      rules.team = { immutableTags: ["v*", "app:stable"] };
    });

    it("refuses moving an immutable tag, accepts the same digest again, leaves other tags mutable", async () => {
      const a = await image("team/app", "a");
      const b = await image("team/app", "b");
      await registry.manifests.put("team/app", "v1", a.manifest, undefined, [], actor);
      // The same digest again (a retried push) is fine.
      await registry.manifests.put("team/app", "v1", a.manifest, undefined, [], actor);
      await expect(
        registry.manifests.put("team/app", "v1", b.manifest, undefined, [], actor),
      ).rejects.toMatchObject({
        code: "DENIED",
        message: expect.stringMatching(/tag v1 of team\/app is immutable \(rule "v\*" of project team\)/),
      });
      // Through ?tag= as well, and nothing of the refused push stays (not even its other tag).
      await expect(
        registry.manifests.put("team/app", b.digest, b.manifest, undefined, ["latest", "v1"], actor),
      ).rejects.toMatchObject({ code: "DENIED" });
      await expect(registry.manifests.get("team/app", "latest", actor, false)).rejects.toMatchObject({
        code: "MANIFEST_UNKNOWN",
      });
      expect((await registry.manifests.get("team/app", "v1", actor, false)).digest).toBe(a.digest);
      // `latest` matches no rule: it moves freely.
      await registry.manifests.put("team/app", "latest", a.manifest, undefined, [], actor);
      await registry.manifests.put("team/app", "latest", b.manifest, undefined, [], actor);
      expect((await registry.manifests.get("team/app", "latest", actor, false)).digest).toBe(b.digest);
    });

    it("applies a REPOSITORY:TAG rule to that repository only", async () => {
      const a = await image("team/app", "a");
      const b = await image("team/app", "b");
      await registry.manifests.put("team/app", "stable", a.manifest, undefined, [], actor);
      await expect(
        registry.manifests.put("team/app", "stable", b.manifest, undefined, [], actor),
      ).rejects.toMatchObject({
        code: "DENIED",
      });
      const c = await image("team/web", "c");
      const d = await image("team/web", "d");
      await registry.manifests.put("team/web", "stable", c.manifest, undefined, [], actor);
      await registry.manifests.put("team/web", "stable", d.manifest, undefined, [], actor);
      // Another project has no rules at all.
      const e = await image("other/app", "e");
      const f = await image("other/app", "f");
      await registry.manifests.put("other/app", "v1", e.manifest, undefined, [], actor);
      await registry.manifests.put("other/app", "v1", f.manifest, undefined, [], actor);
    });

    it("refuses deleting an immutable tag and a manifest that carries one; others delete", async () => {
      const a = await image("team/app", "a");
      const b = await image("team/app", "b");
      await registry.manifests.put("team/app", "v1", a.manifest, undefined, [], actor);
      await registry.manifests.put("team/app", "dev", b.manifest, undefined, [], actor);
      await expect(registry.manifests.delete("team/app", "v1", actor)).rejects.toMatchObject({
        code: "DENIED",
        message: expect.stringMatching(/cannot be deleted/),
      });
      await expect(registry.manifests.delete("team/app", a.digest, actor)).rejects.toMatchObject({
        code: "DENIED",
        message: expect.stringMatching(/deleted with its manifest/),
      });
      expect((await registry.manifests.get("team/app", a.digest, actor, false)).digest).toBe(a.digest);
      expect((await registry.manifests.get("team/app", "v1", actor, false)).digest).toBe(a.digest);
      await registry.manifests.delete("team/app", "dev", actor);
      await registry.manifests.delete("team/app", b.digest, actor);
    });

    it("sets a new immutable tag once when two pushes race for it", async () => {
      const a = await image("team/app", "a");
      const b = await image("team/app", "b");
      const results = await Promise.allSettled([
        registry.manifests.put("team/app", "v9", a.manifest, undefined, [], actor),
        registry.manifests.put("team/app", "v9", b.manifest, undefined, [], actor),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: "DENIED" });
      const winner = results[0]!.status === "fulfilled" ? a.digest : b.digest;
      expect((await registry.manifests.get("team/app", "v9", actor, false)).digest).toBe(winner);
    });
  });

  describe("quota", () => {
    it("counts distinct blobs and manifests once per project, whichever repositories hold them", async () => {
      const shared = "a base layer both images share";
      const a = await image("team/app", "a", shared);
      const b = await image("team/web", "b", shared);
      await registry.manifests.put("team/app", "v1", a.manifest, undefined, [], actor);
      await registry.manifests.put("team/web", "v1", b.manifest, undefined, [], actor);
      // The same manifest in a second repository of the project adds nothing either.
      await blob("team/web", JSON.stringify({ architecture: "amd64", os: "linux", name: "a" }));
      await registry.manifests.put("team/web", "copy", a.manifest, undefined, [], actor);
      const expected = a.config.size + b.config.size + a.layer.size + a.manifest.length + b.manifest.length;
      expect(await registry.projectUsage("team")).toBe(expected);
      expect(await recomputed(database, "team")).toBe(expected);
      // Another project pays for its own copy.
      await blob("other/app", shared);
      expect(await registry.projectUsage("other")).toBe(Buffer.from(shared).length);
      expect(await registry.projectUsage("nobody")).toBe(0);
    });

    it("accepts pushes under the quota and refuses the one that would go over, naming usage and quota", async () => {
      rules.team = { quotaBytes: 100 };
      await blob("team/app", "x".repeat(60));
      await expect(blob("team/app", "y".repeat(50))).rejects.toMatchObject({
        code: "DENIED",
        message: "quota exceeded: project team uses 60 B of its 100 B quota; this push adds 50 B",
      });
      // Nothing of the refused blob stays: not linked, not counted.
      await expect(
        registry.blobs.stat("team/app", digestOf(Buffer.from("y".repeat(50)))),
      ).rejects.toMatchObject({
        code: "BLOB_UNKNOWN",
      });
      expect(await registry.projectUsage("team")).toBe(60);
      // A blob the project holds adds nothing (another repository of the project, same bytes).
      await blob("team/web", "x".repeat(60));
      await blob("team/app", "z".repeat(40));
      expect(await registry.projectUsage("team")).toBe(100);
      // Full: a new upload is refused before any byte is sent, and a mount of new content too.
      await expect(registry.uploads.start("team/app")).rejects.toMatchObject({ code: "DENIED" });
      const elsewhere = await blob("other/app", "w".repeat(10));
      await expect(
        registry.blobs.mount("team/app", elsewhere.digest, "other/app", actor),
      ).rejects.toMatchObject({
        code: "DENIED",
      });
      // A manifest is content too: its bytes count.
      rules.team = { quotaBytes: 150 };
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: digestOf(Buffer.from("x".repeat(60))),
            size: 60,
          },
          layers: [],
        }),
      );
      expect(manifest.length).toBeGreaterThan(50);
      await expect(
        registry.manifests.put("team/app", "v1", manifest, undefined, [], actor),
      ).rejects.toMatchObject({
        code: "DENIED",
        message: expect.stringMatching(
          /^quota exceeded: project team uses 100 B of its 150 B quota; this push adds \d+ B$/,
        ),
      });
      expect(await recomputed(database, "team")).toBe(100);
    });

    it("refuses a chunked upload over the quota at its close and discards it", async () => {
      rules.team = { quotaBytes: 10 };
      const data = Buffer.from("more than ten bytes");
      const upload = await registry.uploads.start("team/app");
      await registry.uploads.append("team/app", upload.id, bytes(data));
      await expect(registry.uploads.complete("team/app", upload.id, digestOf(data))).rejects.toMatchObject({
        code: "DENIED",
      });
      await expect(registry.uploads.status("team/app", upload.id)).rejects.toMatchObject({
        code: "BLOB_UPLOAD_UNKNOWN",
      });
      expect(await registry.projectUsage("team")).toBe(0);
    });

    it("lets only as many racing pushes through as fit: usage never passes the quota", async () => {
      rules.team = { quotaBytes: 100 };
      const results = await Promise.allSettled(
        ["a", "b", "c", "d"].map((c, i) => blob(`team/repo${i}`, c.repeat(40))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
      expect(await registry.projectUsage("team")).toBe(80);
      expect(await recomputed(database, "team")).toBe(80);
    });

    it("frees usage when manifests and blobs are deleted and garbage collected", async () => {
      const a = await image("team/app", "a");
      await registry.manifests.put("team/app", "v1", a.manifest, undefined, [], actor);
      const full = a.config.size + a.layer.size + a.manifest.length;
      expect(await registry.projectUsage("team")).toBe(full);
      await registry.manifests.delete("team/app", a.digest, actor);
      expect(await registry.projectUsage("team")).toBe(a.config.size + a.layer.size);
      await registry.blobs.delete("team/app", a.config.digest, actor);
      expect(await registry.projectUsage("team")).toBe(a.layer.size);
      const report = await registry.collectGarbage({ gracePeriodMs: -1 });
      expect(report.linksRemoved).toBe(1);
      expect(await registry.projectUsage("team")).toBe(0);
      expect(await recomputed(database, "team")).toBe(0);
      // Room again under a quota the deleted image filled.
      rules.team = { quotaBytes: full };
      const again = await image("team/app", "a");
      await registry.manifests.put("team/app", "v1", again.manifest, undefined, [], actor);
      expect(await registry.projectUsage("team")).toBe(full);
    });
  });
});
