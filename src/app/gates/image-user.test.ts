import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import type { ConfigReads } from "./image-config.js";
import { readImageUser } from "./image-user.js";

const PLATFORM = { os: "linux", architecture: "amd64" };
const SUBJECT = { registry: "registry.test", repository: "team/app", digest: "" };

type TestEntry = { name: string; content: string };

/** A gzip tar layer of regular files (oci/image/testing is not public outside oci/). */
async function gzLayer(
  entries: readonly TestEntry[],
): Promise<{ bytes: Buffer; descriptor: { mediaType: string } }> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve) => packer.on("end", () => resolve()));
  for (const e of entries) packer.entry({ name: e.name, mode: 0o644 }, e.content);
  packer.finalize();
  await done;
  return {
    bytes: gzipSync(Buffer.concat(chunks)),
    descriptor: { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" },
  };
}

/** An index whose amd64 child has these layers, as ConfigReads over an in-memory registry. */
async function registryWith(
  layers: TestEntry[][],
): Promise<{ reads: ConfigReads; index: string; blobs: string[] }> {
  const store = new Map<string, { bytes: Buffer; mediaType: string }>();
  const put = (bytes: Buffer, mediaType: string) => {
    const digest = digestOf(bytes);
    store.set(digest, { bytes, mediaType });
    return { mediaType, digest, size: bytes.length };
  };
  const built = await Promise.all(layers.map((entries) => gzLayer(entries)));
  const layerDescriptors = built.map((l) => put(l.bytes, l.descriptor.mediaType));
  const config = put(Buffer.from("{}"), "application/vnd.oci.image.config.v1+json");
  const manifest = put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: layerDescriptors })),
    "application/vnd.oci.image.manifest.v1+json",
  );
  const index = put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, platform: PLATFORM }] })),
    "application/vnd.oci.image.index.v1+json",
  );
  const fetched: string[] = [];
  const reads: ConfigReads = {
    async manifest(_repository, digest) {
      const found = store.get(digest)!;
      return { bytes: found.bytes, mediaType: found.mediaType };
    },
    async blob(_repository, digest) {
      fetched.push(digest);
      return (async function* () {
        yield store.get(digest)!.bytes;
      })();
    },
  };
  return { reads, index: index.digest, blobs: fetched };
}

describe("readImageUser", () => {
  it("resolves the User through the platform image's final /etc/passwd, reading each layer once", async () => {
    const { reads, index, blobs } = await registryWith([
      [{ name: "etc/passwd", content: "svc:x:1000:1000::/:/bin/sh\n" }],
      [
        { name: "etc/passwd", content: "svc:x:0:0::/:/bin/sh\n" },
        { name: "etc/group", content: "ops:x:7:\n" },
      ],
    ]);
    const found = await readImageUser(reads, { ...SUBJECT, digest: index }, "svc:ops", {
      platform: PLATFORM,
    });
    expect(found).toEqual({ user: "svc:ops", uid: 0, gid: 7 });
    expect(blobs).toHaveLength(2);
  });

  it("says why a name does not resolve", async () => {
    const { reads, index } = await registryWith([[{ name: "etc/hostname", content: "x\n" }]]);
    expect(await readImageUser(reads, { ...SUBJECT, digest: index }, "svc", { platform: PLATFORM })).toEqual({
      user: "svc",
      unresolved: 'user "svc" cannot be resolved: the image has no /etc/passwd',
    });
  });

  it("throws, never answers, when a bound is reached or the walk is aborted", async () => {
    const { reads, index } = await registryWith([[], [], []]);
    const subject = { ...SUBJECT, digest: index };
    await expect(
      readImageUser(reads, subject, "svc", { platform: PLATFORM, limits: { maxLayers: 2 } }),
    ).rejects.toThrow(/cannot read the image's \/etc\/passwd: the image has 3 layers/);
    const aborted = AbortSignal.abort(new Error("deadline"));
    await expect(
      readImageUser(reads, subject, "svc", { platform: PLATFORM, signal: aborted }),
    ).rejects.toThrow();
  });
});
