import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  errorCode,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  type PushedImage,
  pushBlob,
  pushImage,
  putManifest,
  rawErrorCode,
  rawRequest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../testing.js";

const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
const OCI_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
const MAX = 4 * 1024 * 1024;

/** OCI Distribution Spec 1.1 "Pushing manifests", over HTTP, on every database. */
describe.each(testDatabases())("manifests (%s)", (database) => {
  let server: TestServer;
  let url: string;
  const repo = "manifests/app";
  let image: PushedImage;

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
    image = await pushImage(url, repo, { tag: "base" });
  });
  afterAll(() => server.close());

  /** PUT, then GET by digest and by tag: the exact bytes under the pushed Content-Type. */
  async function roundTrip(body: Buffer, contentType: string, tag: string): Promise<string> {
    const digest = digestOf(body);
    const put = await putManifest(url, repo, tag, body, contentType);
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    expect(put.headers.get("location")).toBe(`/v2/${repo}/manifests/${digest}`);
    for (const reference of [tag, digest]) {
      const res = await fetch(`${url}/v2/${repo}/manifests/${reference}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(contentType);
      expect(res.headers.get("docker-content-digest")).toBe(digest);
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    }
    return digest;
  }

  async function expectNoTag(tag: string): Promise<void> {
    const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, { method: "HEAD" });
    expect(res.status).toBe(404);
  }

  const layer = () => ({
    mediaType: OCI_LAYER,
    digest: image.layers[0]!.digest,
    size: image.layers[0]!.size,
  });
  const config = () => ({ mediaType: OCI_CONFIG, ...image.config });

  it("an OCI image manifest is stored byte for byte", async () => {
    const body = Buffer.from(
      `  {"schemaVersion":2,\r\n"layers":[${JSON.stringify(layer())}],  "config" :${JSON.stringify(config())},` +
        `"mediaType":"${OCI_MANIFEST}","annotations":{"z":"1","a":"2"}}  \n`,
    );
    await roundTrip(body, OCI_MANIFEST, "oci-image");
  });

  it("an OCI index is stored byte for byte", async () => {
    const child = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };
    const body = Buffer.from(
      `{"manifests": [\n  ${JSON.stringify({ ...child, platform: { os: "linux", architecture: "arm64" } })}\n],` +
        `\n"mediaType": "${OCI_INDEX}", "schemaVersion": 2}`,
    );
    await roundTrip(body, OCI_INDEX, "oci-index");
  });

  it("negotiates on Accept: a client that names formats but not the stored one gets 404, never converted bytes", async () => {
    const child = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }));
    expect((await putManifest(url, repo, "negotiated", body, OCI_INDEX)).status).toBe(201);
    const get = (accept: string | undefined, method = "GET") =>
      fetch(`${url}/v2/${repo}/manifests/negotiated`, {
        method,
        headers: accept === undefined ? {} : { Accept: accept },
      });
    // A client that reads only Docker schema 2 asked for an OCI index: unknown to it, on GET and HEAD.
    for (const method of ["GET", "HEAD"]) {
      const refused = await get(`${DOCKER_MANIFEST}, ${DOCKER_LIST}`, method);
      expect(refused.status).toBe(404);
      if (method === "GET") {
        expect(await errorCode(refused)).toBe("MANIFEST_UNKNOWN");
      }
    }
    // q=0 means "not acceptable" (RFC 9110).
    expect((await get(`${OCI_INDEX};q=0, ${OCI_MANIFEST}`)).status).toBe(404);
    // Named among others, by a wildcard, without Accept, or with no manifest format named: served as stored.
    for (const accept of [
      `${DOCKER_MANIFEST}, ${OCI_INDEX};q=0.5`,
      "*/*",
      "application/*",
      undefined,
      "application/json",
    ]) {
      const res = await get(accept);
      expect(res.status, String(accept)).toBe(200);
      expect(res.headers.get("content-type")).toBe(OCI_INDEX);
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    }
  });

  it("a read or delete of a reference that cannot exist is 404 MANIFEST_UNKNOWN (OCI conformance)", async () => {
    for (const method of ["GET", "HEAD", "DELETE"]) {
      const res = await fetch(`${url}/v2/${repo}/manifests/.INVALID_MANIFEST_NAME`, { method });
      expect(res.status, method).toBe(404);
      if (method !== "HEAD") expect(await errorCode(res)).toBe("MANIFEST_UNKNOWN");
    }
  });

  it("a Docker schema 2 manifest and a manifest list are stored byte for byte", async () => {
    const cfg = Buffer.from('{"architecture":"amd64","os":"linux","docker":true}');
    const cfgDigest = await pushBlob(url, repo, cfg);
    const docker = Buffer.from(
      `{\n   "schemaVersion": 2,\n   "mediaType": "${DOCKER_MANIFEST}",\n   "config": {"mediaType": "${DOCKER_CONFIG}",` +
        ` "size": ${cfg.length}, "digest": "${cfgDigest}"},\n   "layers": [{"mediaType": "${DOCKER_LAYER}",` +
        ` "size": ${image.layers[0]!.size}, "digest": "${image.layers[0]!.digest}"}]\n}`,
    );
    const dockerDigest = await roundTrip(docker, DOCKER_MANIFEST, "docker-image");
    const list = Buffer.from(
      `{"schemaVersion":2,"mediaType":"${DOCKER_LIST}","manifests":[{"mediaType":"${DOCKER_MANIFEST}",` +
        `"size":${docker.length},"digest":"${dockerDigest}","platform":{"architecture":"amd64","os":"linux"}}]}`,
    );
    await roundTrip(list, DOCKER_LIST, "docker-list");
  });

  it("a manifest without a mediaType field is served with the Content-Type it was pushed with", async () => {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, config: config(), layers: [layer()] }));
    await roundTrip(body, OCI_MANIFEST, "no-media-type");
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length }],
      }),
    );
    await roundTrip(index, OCI_INDEX, "no-media-type-index");
  });

  it("a missing blob is 400 MANIFEST_BLOB_UNKNOWN", async () => {
    const missing = { mediaType: OCI_LAYER, digest: digestOf(randomBytes(10)), size: 10 };
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: config(),
      layers: [missing],
    });
    const res = await fetch(`${url}/v2/${repo}/manifests/missing-blob`, {
      method: "PUT",
      headers: { "Content-Type": OCI_MANIFEST },
      body,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
    await expectNoTag("missing-blob");
  });

  it("a blob held only by another repository is MANIFEST_BLOB_UNKNOWN", async () => {
    const elsewhere = Buffer.from(randomBytes(32));
    const digest = await pushBlob(url, "manifests/elsewhere", elsewhere);
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: config(),
      layers: [{ mediaType: OCI_LAYER, digest, size: elsewhere.length }],
    });
    const res = await fetch(`${url}/v2/${repo}/manifests/other-repo-blob`, {
      method: "PUT",
      headers: { "Content-Type": OCI_MANIFEST },
      body,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
  });

  it("an index with a missing child manifest is MANIFEST_BLOB_UNKNOWN", async () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: digestOf(randomBytes(8)), size: 100 }],
    });
    const res = await fetch(`${url}/v2/${repo}/manifests/missing-child`, {
      method: "PUT",
      headers: { "Content-Type": OCI_INDEX },
      body,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
    await expectNoTag("missing-child");
  });

  it("a descriptor whose size is not its blob's is 400 MANIFEST_INVALID naming it (issue 11, item 8)", async () => {
    // The report: a config descriptor saying `size: 5` for a 90-byte blob was stored (201) and every
    // pull then failed in the client.
    const configData = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux" }).padEnd(90, " "));
    const configDigest = await pushBlob(url, repo, configData);
    const cases = [
      {
        tag: "short-config",
        body: { config: { mediaType: OCI_CONFIG, digest: configDigest, size: 5 }, layers: [layer()] },
        detail: { descriptor: "config", digest: configDigest, size: 5, actualSize: 90 },
      },
      {
        tag: "long-layer",
        body: { config: config(), layers: [{ ...layer(), size: layer().size + 1 }] },
        detail: {
          descriptor: "layers[0]",
          digest: layer().digest,
          size: layer().size + 1,
          actualSize: layer().size,
        },
      },
      {
        tag: "wrong-subject",
        body: {
          config: config(),
          layers: [layer()],
          subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: 1 },
        },
        detail: { descriptor: "subject", digest: image.digest, size: 1, actualSize: image.manifest.length },
      },
    ];
    for (const { tag, body, detail } of cases) {
      const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
        method: "PUT",
        headers: { "Content-Type": OCI_MANIFEST },
        body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, ...body }),
      });
      expect(res.status, tag).toBe(400);
      const error = (
        (await res.json()) as { errors: Array<{ code: string; message: string; detail: unknown }> }
      ).errors[0]!;
      expect(error.code, tag).toBe("MANIFEST_INVALID");
      expect(error.detail, tag).toEqual(detail);
      expect(error.message, tag).toContain(
        `${detail.descriptor} (${detail.digest}) declares size ${detail.size}`,
      );
      await expectNoTag(tag);
    }
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length - 1 }],
      }),
    );
    const res = await fetch(`${url}/v2/${repo}/manifests/short-child`, {
      method: "PUT",
      headers: { "Content-Type": OCI_INDEX },
      body: index,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_INVALID");
    await expectNoTag("short-child");
  });

  it("a subject that is not in the registry is allowed", async () => {
    const subject = { mediaType: OCI_MANIFEST, digest: digestOf(randomBytes(8)), size: 123 };
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: config(),
        layers: [layer()],
        subject,
      }),
    );
    const res = await putManifest(url, repo, digestOf(body), body, OCI_MANIFEST);
    expect(res.status).toBe(201);
    expect(res.headers.get("oci-subject")).toBe(subject.digest);
  });

  it("non-distributable and foreign layers may be missing", async () => {
    const oci = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: config(),
        layers: [
          layer(),
          {
            mediaType: OCI_NONDISTRIBUTABLE,
            digest: digestOf(randomBytes(8)),
            size: 1000,
            urls: ["https://example.com/layer"],
          },
        ],
      }),
    );
    await roundTrip(oci, OCI_MANIFEST, "nondistributable");
    const cfg = Buffer.from('{"os":"windows","architecture":"amd64"}');
    const cfgDigest = await pushBlob(url, repo, cfg);
    const docker = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, size: cfg.length, digest: cfgDigest },
        layers: [{ mediaType: DOCKER_FOREIGN, size: 5000, digest: digestOf(randomBytes(8)) }],
      }),
    );
    await roundTrip(docker, DOCKER_MANIFEST, "foreign");
  });

  /** An OCI image manifest padded with an annotation to exactly `size` bytes. */
  function padded(size: number): Buffer {
    const doc = (pad: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: config(),
        layers: [layer()],
        annotations: { pad },
      });
    const body = Buffer.from(doc("x".repeat(size - Buffer.byteLength(doc("")))));
    expect(body.length).toBe(size);
    return body;
  }

  it("a manifest of exactly 4 MiB is accepted", async () => {
    await roundTrip(padded(MAX), OCI_MANIFEST, "four-mib");
  });

  it("a manifest of 4 MiB + 1 is 413, with and without Content-Length", async () => {
    const body = padded(MAX + 1);
    const res = await fetch(`${url}/v2/${repo}/manifests/too-big`, {
      method: "PUT",
      headers: { "Content-Type": OCI_MANIFEST },
      body,
    });
    expect(res.status).toBe(413);
    await res.arrayBuffer();
    const chunked = await rawRequest(url, {
      method: "PUT",
      path: `/v2/${repo}/manifests/too-big`,
      headers: { "Content-Type": OCI_MANIFEST, "Transfer-Encoding": "chunked" },
      chunks: [body.subarray(0, MAX / 2), body.subarray(MAX / 2)],
    });
    expect(chunked?.status).toBe(413);
    expect(rawErrorCode(chunked)).toBeDefined();
    await expectNoTag("too-big");
    // The server still answers on a new connection afterwards.
    expect((await fetch(`${url}/v2/`)).status).toBe(200);
  });

  it("PUT by digest with ?tag= creates every tag and answers OCI-Tag", async () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: config(),
        layers: [layer()],
        n: 1,
      }),
    );
    const digest = digestOf(body);
    const res = await fetch(`${url}/v2/${repo}/manifests/${digest}?tag=tag-a&tag=tag-b`, {
      method: "PUT",
      headers: { "Content-Type": OCI_MANIFEST },
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    const tags = (res.headers.get("oci-tag") ?? "").split(",").map((t) => t.trim());
    expect(tags.sort()).toEqual(["tag-a", "tag-b"]);
    for (const tag of ["tag-a", "tag-b"]) {
      const get = await fetch(`${url}/v2/${repo}/manifests/${tag}`, { method: "HEAD" });
      expect(get.status).toBe(200);
      expect(get.headers.get("docker-content-digest")).toBe(digest);
    }
  });

  it("a manifest can be pushed and pulled by its sha512 digest", async () => {
    const digest = digestOf(image.manifest, "sha512");
    const put = await putManifest(url, repo, digest, image.manifest, OCI_MANIFEST);
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    const res = await fetch(`${url}/v2/${repo}/manifests/${digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    expect(Buffer.from(await res.arrayBuffer()).equals(image.manifest)).toBe(true);
  });

  it("PUT by a digest the content does not hash to is 400 DIGEST_INVALID", async () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: config(),
      layers: [layer()],
      annotations: { unique: "digest-mismatch" },
    });
    const wrong = digestOf(`${body} `);
    const res = await fetch(`${url}/v2/${repo}/manifests/${wrong}`, {
      method: "PUT",
      headers: { "Content-Type": OCI_MANIFEST },
      body,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("DIGEST_INVALID");
    for (const digest of [wrong, digestOf(body)]) {
      expect((await fetch(`${url}/v2/${repo}/manifests/${digest}`, { method: "HEAD" })).status).toBe(404);
    }
  });

  it.each([
    ["invalid JSON", "{not json", OCI_MANIFEST],
    ["a JSON array", "[]", OCI_MANIFEST],
    ["schemaVersion 1", '{"schemaVersion":1,"fsLayers":[]}', "application/json"],
    ["no config", `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","layers":[]}`, OCI_MANIFEST],
    [
      "a mediaType that contradicts the Content-Type",
      `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[]}`,
      OCI_MANIFEST,
    ],
  ])("%s is 400 MANIFEST_INVALID", async (_name, body, contentType) => {
    const res = await fetch(`${url}/v2/${repo}/manifests/malformed`, {
      method: "PUT",
      headers: { "Content-Type": contentType },
      body,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_INVALID");
    await expectNoTag("malformed");
  });

  it("pushing again moves a tag; the old manifest stays reachable by digest", async () => {
    const first = await pushImage(url, repo, { tag: "moving" });
    const second = await pushImage(url, repo, { tag: "moving" });
    const res = await fetch(`${url}/v2/${repo}/manifests/moving`, { method: "HEAD" });
    expect(res.headers.get("docker-content-digest")).toBe(second.digest);
    expect((await fetch(`${url}/v2/${repo}/manifests/${first.digest}`, { method: "HEAD" })).status).toBe(200);
  });
});
