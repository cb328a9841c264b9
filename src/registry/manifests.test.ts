import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../core/index.js";
import { type Database, MemoryDriver } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { type Actor, EventBus } from "./events.js";
import { Registry } from "./registry.js";

const actor: Actor = { subject: "alice", kind: "user" };
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Descriptor sizes (OCI image spec, descriptor.md: `size` "specifies the size, in bytes, of the raw
 * content"; distribution spec: a registry "MAY reject a manifest of any type uploaded ... if it
 * cannot be validated"): a manifest whose descriptor under-states or over-states the size of the
 * blob or manifest it names would be stored, and then break every client that pulls it (they read
 * `size` bytes and verify). Every descriptor that names content the repository holds is checked.
 */
describe.each(databaseTestTargets())("manifest descriptor sizes ($name)", (target) => {
  let database: Database;
  let registry: Registry;
  const repo = "sizes/app";
  let config: { digest: string; size: number };
  let layer: { digest: string; size: number };
  let image: { digest: string; size: number };

  beforeEach(async () => {
    database = await target.open();
    registry = new Registry({ database, store: new MemoryDriver(), events: new EventBus() });
    // A 90-byte config, as in the report (issue 11, item 8).
    const configBytes = Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }).padEnd(
        90,
        " ",
      ),
    );
    expect(configBytes.length).toBe(90);
    config = await registry.uploads.putMonolithic(repo, digestOf(configBytes), bytes(configBytes));
    const layerBytes = Buffer.from("a layer of twenty-six bytes".slice(0, 26));
    layer = await registry.uploads.putMonolithic(repo, digestOf(layerBytes), bytes(layerBytes));
    const manifest = imageManifest();
    const put = await registry.manifests.put(repo, "good", manifest, undefined, [], actor);
    image = { digest: put.digest, size: manifest.length };
  });

  afterEach(async () => {
    await database.close();
  });

  function imageManifest(
    overrides: { config?: number; layers?: number[]; subject?: { digest: string; size: number } } = {},
  ): Buffer {
    const layerSizes = overrides.layers ?? [layer.size];
    return json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: overrides.config ?? config.size },
      layers: layerSizes.map((size) => ({ mediaType: OCI_LAYER, digest: layer.digest, size })),
      ...(overrides.subject ? { subject: { mediaType: OCI_MANIFEST, ...overrides.subject } } : {}),
    });
  }

  async function expectRefused(content: Buffer, detail: Record<string, unknown>): Promise<void> {
    const err = await registry.manifests.put(repo, "bad", content, undefined, [], actor).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "MANIFEST_INVALID", detail });
    const message = (err as Error).message;
    expect(message).toContain(String(detail.descriptor));
    expect(message).toContain(String(detail.digest));
    expect(message).toContain(`size ${detail.size}`);
    expect(message).toContain(`${detail.actualSize} bytes`);
    // Nothing of the refused manifest was stored: no tag, no manifest row.
    await expect(registry.manifests.get(repo, "bad", actor, false)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
    await expect(registry.manifests.get(repo, digestOf(content), actor, false)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
  }

  it("refuses a config descriptor that under-states its blob (size 5 for 90 bytes)", async () => {
    await expectRefused(imageManifest({ config: 5 }), {
      descriptor: "config",
      digest: config.digest,
      size: 5,
      actualSize: 90,
    });
  });

  it("refuses it on a replica that did not receive the blob (sizes read from the database)", async () => {
    const replica = new Registry({ database, store: new MemoryDriver(), events: new EventBus() });
    await expect(
      replica.manifests.put(repo, "bad", imageManifest({ config: 5 }), undefined, [], actor),
    ).rejects.toMatchObject({
      code: "MANIFEST_INVALID",
      detail: { descriptor: "config", digest: config.digest, size: 5, actualSize: 90 },
    });
    await replica.manifests.put(repo, "good2", imageManifest(), undefined, [], actor);
  });

  it("refuses a config descriptor that over-states its blob", async () => {
    await expectRefused(imageManifest({ config: 91 }), {
      descriptor: "config",
      digest: config.digest,
      size: 91,
      actualSize: 90,
    });
  });

  it("refuses a wrong layer size, naming which layer, even when the same blob is listed right before", async () => {
    await expectRefused(imageManifest({ layers: [layer.size, 0] }), {
      descriptor: "layers[1]",
      digest: layer.digest,
      size: 0,
      actualSize: layer.size,
    });
  });

  it("refuses an index child whose size differs from the stored manifest", async () => {
    const index = json({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: image.digest, size: image.size },
        { mediaType: OCI_MANIFEST, digest: image.digest, size: image.size + 1 },
      ],
    });
    await expectRefused(index, {
      descriptor: "manifests[1]",
      digest: image.digest,
      size: image.size + 1,
      actualSize: image.size,
    });
  });

  it("refuses a subject whose size differs from the manifest the repository holds", async () => {
    await expectRefused(imageManifest({ subject: { digest: image.digest, size: 7 } }), {
      descriptor: "subject",
      digest: image.digest,
      size: 7,
      actualSize: image.size,
    });
  });

  it("accepts a subject that is not in the repository, whatever size it declares (OCI 1.1)", async () => {
    const subject = { digest: digestOf("elsewhere"), size: 7 };
    const put = await registry.manifests.put(repo, "ref", imageManifest({ subject }), undefined, [], actor);
    expect(put.subject).toBe(subject.digest);
  });

  it("accepts exact sizes everywhere, and still reports a missing blob as MANIFEST_BLOB_UNKNOWN", async () => {
    const index = json({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.size }],
    });
    await registry.manifests.put(repo, "index", index, undefined, [], actor);
    await registry.manifests.put(
      repo,
      "referrer",
      imageManifest({ subject: { digest: image.digest, size: image.size } }),
      undefined,
      [],
      actor,
    );
    const missing = digestOf("not pushed");
    const content = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: 5 },
      layers: [{ mediaType: OCI_LAYER, digest: missing, size: 10 }],
    });
    // Missing content is the more useful answer: the client should push it, not fix a size.
    await expect(
      registry.manifests.put(repo, "missing", content, undefined, [], actor),
    ).rejects.toMatchObject({ code: "MANIFEST_BLOB_UNKNOWN", detail: { digest: missing } });
  });
});
