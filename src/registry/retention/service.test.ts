import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { type Actor, EventBus, type RegistryEvent } from "../events.js";
import { Registry } from "../registry.js";
import { parseRetentionPolicy } from "./policy.js";

const actor: Actor = { subject: "alice", kind: "user" };
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

describe.each(databaseTestTargets())("retention and pull times in the registry ($name)", (target) => {
  let database: Database;
  let registry: Registry;
  let now: number;
  let events: RegistryEvent[];
  const repo = "team/app";

  function open(deletion = true) {
    const bus = new EventBus();
    bus.on("*", (event) => void events.push(event));
    registry = new Registry({
      database,
      store: new MemoryDriver(),
      events: bus,
      now: () => now,
      options: { deletion },
    });
  }

  beforeEach(async () => {
    database = await target.open();
    now = 1_000_000_000_000;
    events = [];
    open();
  });
  afterEach(async () => database.close());

  async function image(seed: string, tag?: string): Promise<{ digest: string; size: number }> {
    const config = json({ architecture: "amd64", os: "linux", seed });
    await registry.uploads.putMonolithic(repo, digestOf(config), bytes(config));
    const manifest = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: digestOf(config),
        size: config.length,
      },
      layers: [],
    });
    const put = await registry.manifests.put(
      repo,
      tag ?? digestOf(manifest),
      manifest,
      OCI_MANIFEST,
      [],
      actor,
    );
    return { digest: put.digest, size: manifest.length };
  }

  async function pulledAt(digest: string): Promise<number | null> {
    const row = await database.db
      .selectFrom("manifests")
      .select("last_pulled_at")
      .where("digest", "=", digest)
      .executeTakeFirstOrThrow();
    return row.last_pulled_at === null ? null : Number(row.last_pulled_at);
  }

  it("writes a manifest's pull time at most once a minute, only when flushed, and never backwards", async () => {
    const a = await image("a", "v1");
    await registry.manifests.get(repo, "v1", actor);
    expect(await pulledAt(a.digest)).toBeNull();
    await registry.flushPulls();
    expect(await pulledAt(a.digest)).toBe(now);
    const first = now;
    now += 30_000;
    await registry.manifests.get(repo, "v1", actor);
    await registry.manifests.get(repo, a.digest, actor);
    await registry.flushPulls();
    expect(await pulledAt(a.digest)).toBe(first);
    now += 31_000;
    await registry.manifests.get(repo, "v1", actor);
    await registry.flushPulls();
    expect(await pulledAt(a.digest)).toBe(now);
    // A lookup that is not a pull (HEAD, the gates' own reads) records nothing.
    const later = now;
    now += 120_000;
    await registry.manifests.get(repo, "v1", actor, false);
    await registry.flushPulls();
    expect(await pulledAt(a.digest)).toBe(later);
  });

  it("deletes an index with its untagged children, keeps children a kept index lists, and fires events", async () => {
    const c1 = await image("c1");
    const c2 = await image("c2");
    const index = (children: Array<{ digest: string; size: number }>) =>
      json({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map((c) => ({
          mediaType: OCI_MANIFEST,
          ...c,
          platform: { os: "linux", architecture: "amd64" },
        })),
      });
    const old = await registry.manifests.put(repo, "old", index([c1, c2]), OCI_INDEX, [], actor);
    now += 86_400_000;
    await registry.manifests.put(repo, "new", index([c2]), OCI_INDEX, [], actor);
    const policy = parseRetentionPolicy({ rules: [{ keep: "latestPushed", count: 1 }] });
    events = [];
    const run = await registry.retention.run("team", policy, { dryRun: false, actor });
    expect(run.failed).toEqual([]);
    expect(run.deleted.map((d) => [d.relation, d.digest])).toEqual([
      ["artifact", old.digest],
      ["child", c1.digest],
    ]);
    await expect(registry.manifests.get(repo, c1.digest, actor)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
    expect((await registry.manifests.get(repo, c2.digest, actor)).digest).toBe(c2.digest);
    expect((await registry.manifests.get(repo, "new", actor)).mediaType).toBe(OCI_INDEX);
    expect(events.filter((e) => e.type === "manifest.deleted").map((e) => e.digest)).toEqual([
      old.digest,
      c1.digest,
    ]);
    expect(events).toContainEqual({
      type: "tag.changed",
      repository: repo,
      tag: "old",
      from: old.digest,
      to: null,
      actor,
    });
  });

  it("leaves an artifact and what belongs to it in place when the registry refuses to delete it", async () => {
    await image("a", "v1");
    now += 1000;
    await image("b", "v2");
    open(false);
    const policy = parseRetentionPolicy({ rules: [{ keep: "latestPushed", count: 1 }] });
    const run = await registry.retention.run("team", policy, { dryRun: false, actor });
    expect(run.deleted).toEqual([]);
    expect(run.failed).toHaveLength(1);
    expect(run.failed[0]!.reason).toContain("deletion is disabled");
    expect((await registry.manifests.get(repo, "v1", actor)).size).toBeGreaterThan(0);
  });

  it("leaves an artifact whose tags changed between the plan and its deletion", async () => {
    const a = await image("a", "v1");
    now += 1000;
    await image("b", "v2");
    const policy = parseRetentionPolicy({ rules: [{ keep: "latestPushed", count: 1 }] });
    const plan = await registry.retention.plan("team", policy);
    expect(plan.artifacts.find((x) => x.digest === a.digest)?.action).toBe("delete");
    // A tag pushed onto it after a plan was made (the run plans anew, so move it under a fresh plan).
    const original = registry.retention.plan.bind(registry.retention);
    registry.retention.plan = async (project, rules) => {
      const made = await original(project, rules);
      const content = (await registry.manifests.get(repo, a.digest, actor, false)).content;
      await registry.manifests.put(repo, "pinned", content, OCI_MANIFEST, [], actor);
      return made;
    };
    const run = await registry.retention.run("team", policy, { dryRun: false, actor });
    expect(run.deleted).toEqual([]);
    expect(run.failed[0]!.reason).toContain("tags changed since the plan (now: pinned, v1)");
    expect((await registry.manifests.get(repo, "pinned", actor)).digest).toBe(a.digest);
  });
});
