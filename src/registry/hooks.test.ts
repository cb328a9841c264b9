import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../core/index.js";
import { type Database, MemoryDriver } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { type Actor, EventBus, type RegistryEvent } from "./events.js";
import type { RegistryHooks } from "./hooks.js";
import { Registry } from "./registry.js";

const actor: Actor = { subject: "alice", kind: "user" };

async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

describe.each(databaseTestTargets())("registry events and gate hooks ($name)", (target) => {
  let database: Database;
  let events: RegistryEvent[];
  let hooks: RegistryHooks;
  let registry: Registry;

  beforeEach(async () => {
    database = await target.open();
    events = [];
    hooks = {};
    const bus = new EventBus();
    bus.on("*", (event) => {
      events.push(event);
    });
    // Hooks are read through this object at call time, so each test can install its own.
    const dynamicHooks: RegistryHooks = {
      beforeManifestPut: (context) => hooks.beforeManifestPut?.(context) ?? { allow: true },
      beforeManifestGet: (context) => hooks.beforeManifestGet?.(context) ?? { allow: true },
    };
    registry = new Registry({ database, store: new MemoryDriver(), events: bus, hooks: dynamicHooks });
  });

  afterEach(async () => {
    await database.close();
  });

  async function pushImage(repository: string, tag: string) {
    const config = Buffer.from(
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
    );
    const configDigest = digestOf(config);
    await registry.uploads.putMonolithic(repository, configDigest, bytes(config));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: configDigest,
          size: config.length,
        },
        layers: [],
      }),
    );
    return {
      manifest,
      result: await registry.manifests.put(repository, tag, manifest, undefined, [], actor),
    };
  }

  it("emits typed events for pushes, pulls, tag changes and deletions", async () => {
    const { result } = await pushImage("team/app", "v1");
    await registry.manifests.get("team/app", "v1", actor);
    await registry.manifests.delete("team/app", result.digest, actor);
    expect(events.map((e) => e.type)).toEqual([
      "manifest.pushed",
      "tag.changed",
      "manifest.pulled",
      "manifest.deleted",
      "tag.changed",
    ]);
    expect(events[0]).toMatchObject({ repository: "team/app", digest: result.digest, tags: ["v1"], actor });
    expect(events[1]).toMatchObject({ tag: "v1", from: null, to: result.digest });
    expect(events[4]).toMatchObject({ tag: "v1", from: result.digest, to: null });
  });

  it("lets a put hook veto a manifest with its reason, storing nothing", async () => {
    hooks.beforeManifestPut = (context) =>
      context.repository.startsWith("prod/")
        ? { allow: false, reason: "unsigned images may not enter prod" }
        : { allow: true };
    await expect(pushImage("prod/app", "v1")).rejects.toMatchObject({
      code: "DENIED",
      message: "unsigned images may not enter prod",
    });
    await expect(registry.manifests.get("prod/app", "v1", actor)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
    expect(events.filter((e) => e.type === "manifest.pushed")).toEqual([]);
    await expect(pushImage("dev/app", "v1")).resolves.toBeDefined();
  });

  it("lets a get hook veto a pull, while HEAD-style reads (no pull) are not gated", async () => {
    const { result } = await pushImage("team/app", "v1");
    hooks.beforeManifestGet = (context) => ({ allow: false, reason: `blocked ${context.digest}` });
    await expect(registry.manifests.get("team/app", "v1", actor)).rejects.toMatchObject({
      code: "DENIED",
      message: `blocked ${result.digest}`,
    });
    await expect(registry.manifests.get("team/app", "v1", actor, false)).resolves.toMatchObject({
      digest: result.digest,
    });
    expect(events.filter((e) => e.type === "manifest.pulled")).toEqual([]);
  });

  it("keeps serving when a listener throws", async () => {
    const errors: unknown[] = [];
    const bus = new EventBus((err) => errors.push(err));
    bus.on("manifest.pushed", () => {
      throw new Error("listener broke");
    });
    registry = new Registry({ database, store: new MemoryDriver(), events: bus });
    await expect(pushImage("team/app", "v1")).resolves.toBeDefined();
    expect(errors).toHaveLength(1);
  });

  it("lists the indexes of a repository that name an image (manifests.parents)", async () => {
    const { manifest, result } = await pushImage("team/app", "amd64");
    const indexOf = (annotation: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: result.digest,
              size: manifest.length,
              platform: { architecture: "amd64", os: "linux" },
            },
          ],
          annotations: { note: annotation },
        }),
      );
    const first = await registry.manifests.put("team/app", "multi", indexOf("a"), undefined, [], actor);
    const second = await registry.manifests.put("team/app", "multi2", indexOf("b"), undefined, [], actor);
    expect((await registry.manifests.parents("team/app", result.digest)).sort()).toEqual(
      [first.digest, second.digest].sort(),
    );
    expect(await registry.manifests.parents("team/app", first.digest)).toEqual([]);
    expect(await registry.manifests.parents("team/none", result.digest)).toEqual([]);
    await registry.manifests.delete("team/app", first.digest, actor);
    expect(await registry.manifests.parents("team/app", result.digest)).toEqual([second.digest]);
  });
});
