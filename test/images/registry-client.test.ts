/**
 * The registry client and openImage against a real, listening Portcullis (src/server/testing.ts):
 * push and pull round trip, tags with pagination, referrers, mount, delete, errors.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/core/index.js";
import {
  ImageError,
  type OpenedManifestImage,
  openImage,
  RegistryClient,
  walkImage,
} from "../../src/oci/index.js";
import { buildImage } from "../../src/oci/sources/testing/build.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { freePort } from "../support/targets.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const SIG_TYPE = "application/vnd.example.signature";

let server: TestServer;
let client: RegistryClient;
let host: string;

async function pushBuilt(
  c: RegistryClient,
  repo: string,
  tag: string,
  image: Awaited<ReturnType<typeof buildImage>>,
) {
  await c.pushBlob(repo, { data: image.config });
  for (const layer of image.layers) {
    // Streamed upload: digest and size given, bytes opened on demand.
    await c.pushBlob(repo, {
      data: () => Readable.from([layer.bytes]),
      digest: layer.descriptor.digest,
      size: layer.descriptor.size,
    });
  }
  return c.putManifest(repo, tag, image.manifest, OCI_MANIFEST);
}

async function failure(promise: Promise<unknown>): Promise<ImageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

beforeAll(async () => {
  server = await startTestServer({ database: "sqlite" });
  host = new URL(server.url).host;
  client = new RegistryClient({ registry: host, timeoutMs: 10_000 });
});

afterAll(async () => {
  await server?.close();
});

describe("RegistryClient against Portcullis", () => {
  it("pushes an image and pulls it back, verified", async () => {
    const image = await buildImage([[{ name: "etc/os-release", content: "ID=pushed\n" }]]);
    expect(await pushBuilt(client, "round/trip", "v1", image)).toBe(image.digest);
    const fetched = await client.getManifest("round/trip", "v1");
    expect(fetched).toEqual({ bytes: image.manifest, mediaType: OCI_MANIFEST, digest: image.digest });
    expect(await client.headManifest("round/trip", "v1")).toEqual({
      mediaType: OCI_MANIFEST,
      digest: image.digest,
      size: image.manifest.length,
    });
    expect(await client.headManifest("round/trip", "nope")).toBeUndefined();
    expect(await client.blobExists("round/trip", image.configDigest)).toBe(true);
    expect(await client.blobExists("round/trip", digestOf("absent"))).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of await client.getBlob("round/trip", image.configDigest))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(image.config)).toBe(true);
  });

  it("opens and walks a registry image with openImage", async () => {
    const image = await buildImage([
      [{ name: "etc/os-release", content: "ID=registry\n" }],
      [
        { name: "etc/.wh.os-release", content: "" },
        { name: "x", content: "1" },
      ],
    ]);
    await pushBuilt(client, "open/me", "1", image);
    const opened = (await openImage(`${host}/open/me:1`)) as OpenedManifestImage;
    expect(opened.kind).toBe("image");
    expect(opened.reference).toBe(`${host}/open/me:1`);
    expect(opened.digest).toBe(image.digest);
    expect(opened.config.parsed.config?.User).toBe("app");
    const fs = await walkImage(opened);
    expect([...fs.paths()].map((f) => f.path)).toEqual(["/etc", "/x"]);
    const byDigest = (await openImage(`${host}/open/me@${image.digest}`)) as OpenedManifestImage;
    expect(byDigest.digest).toBe(image.digest);
  });

  it("mounts a blob across repositories and skips blobs already present", async () => {
    const data = Buffer.from("mount me");
    const digest = await client.pushBlob("mount/source", { data });
    expect(await client.pushBlob("mount/target", { data, mountFrom: "mount/source" })).toBe(digest);
    expect(await client.blobExists("mount/target", digest)).toBe(true);
    expect(await client.pushBlob("mount/target", { data })).toBe(digest);
  });

  it("lists tags across Link pages", async () => {
    const image = await buildImage([[{ name: "a", content: "tags" }]]);
    const names = ["a", "b", "c", "d", "e"];
    for (const tag of names) await pushBuilt(client, "many/tags", tag, image);
    expect(await client.listTags("many/tags", 2)).toEqual(names);
    expect(await client.listTags("many/tags")).toEqual(names);
  });

  it("finds referrers with and without an artifactType filter", async () => {
    const image = await buildImage([[{ name: "a", content: "subject" }]]);
    await pushBuilt(client, "with/refs", "v1", image);
    const empty = Buffer.from("{}");
    await client.pushBlob("with/refs", { data: empty });
    const referrer = (artifactType: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType,
          config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 },
          layers: [{ mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 }],
          subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length },
        }),
      );
    const sig = await client.putManifest(
      "with/refs",
      digestOf(referrer(SIG_TYPE)),
      referrer(SIG_TYPE),
      OCI_MANIFEST,
    );
    const sbom = await client.putManifest(
      "with/refs",
      digestOf(referrer("application/spdx+json")),
      referrer("application/spdx+json"),
      OCI_MANIFEST,
    );
    // Scan on push (on by default) pushes a CycloneDX SBOM back as a referrer of the image. Wait for it,
    // so what the listing holds does not depend on whether the scan beat this request (on Node 24 it
    // usually did, on Node 20 it did not).
    await server.platform.scanner?.idle();
    const all = await client.getReferrers("with/refs", image.digest);
    const scanned = all.filter((d) => d.artifactType === "application/vnd.cyclonedx+json");
    expect(scanned).toHaveLength(1);
    expect(all.map((d) => d.digest).sort()).toEqual([sig, sbom, scanned[0]!.digest].sort());
    expect((await client.getReferrers("with/refs", image.digest, SIG_TYPE)).map((d) => d.digest)).toEqual([
      sig,
    ]);
    expect(await client.getReferrers("with/refs", digestOf("nothing"))).toEqual([]);
  });

  it("deletes a manifest", async () => {
    const image = await buildImage([[{ name: "a", content: "delete me" }]]);
    await pushBuilt(client, "to/delete", "v1", image);
    await client.deleteManifest("to/delete", image.digest);
    expect((await failure(client.getManifest("to/delete", image.digest))).code).toBe("IMAGE_NOT_FOUND");
  });

  it("names repo:ref when an image is missing and the host when unreachable", async () => {
    const missing = await failure(client.getManifest("no/such", "tag"));
    expect(missing.code).toBe("IMAGE_NOT_FOUND");
    expect(missing.message).toContain(`${host}/no/such:tag`);
    const port = await freePort();
    const down = new RegistryClient({ registry: `127.0.0.1:${port}`, timeoutMs: 2000 });
    const err = await failure(down.getManifest("x", "y"));
    expect(err.code).toBe("REGISTRY_UNREACHABLE");
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });
});
