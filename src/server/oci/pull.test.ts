import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  errorCode,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  pushBlob,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../testing.js";

/** OCI Distribution Spec 1.1 "Pulling manifests" and "Pulling blobs", over HTTP, on every database. */
describe.each(testDatabases())("pull (%s)", (database) => {
  let server: TestServer;
  let url: string;
  const repo = "pull/image";
  let manifest: Buffer;
  let manifestDigest: string;
  const blob = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
  let blobDigest: string;

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
    blobDigest = await pushBlob(url, repo, blob);
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const configDigest = await pushBlob(url, repo, config);
    // Odd whitespace and key order: the registry must serve these exact bytes back.
    manifest = Buffer.from(
      `{\n  "layers" : [ {"size": ${blob.length}, "digest": "${blobDigest}", "mediaType": "${OCI_LAYER}"} ],\n` +
        `\t"config": {"digest":"${configDigest}","mediaType":"${OCI_CONFIG}","size":${config.length}},` +
        `  "mediaType":"${OCI_MANIFEST}",   "schemaVersion": 2 }\n\n`,
    );
    manifestDigest = digestOf(manifest);
    const res = await putManifest(url, repo, "v1", manifest, OCI_MANIFEST);
    expect(res.status).toBe(201);
  });
  afterAll(() => server.close());

  describe.each(["v1", "digest"])("manifest by %s", (kind) => {
    const reference = () => (kind === "v1" ? "v1" : manifestDigest);

    it("GET returns the exact bytes with type, length and digest", async () => {
      const res = await fetch(`${url}/v2/${repo}/manifests/${reference()}`, {
        headers: { Accept: OCI_MANIFEST },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(OCI_MANIFEST);
      expect(res.headers.get("content-length")).toBe(String(manifest.length));
      expect(res.headers.get("docker-content-digest")).toBe(manifestDigest);
      expect(Buffer.from(await res.arrayBuffer()).equals(manifest)).toBe(true);
    });

    it("HEAD returns the same headers and no body", async () => {
      const res = await fetch(`${url}/v2/${repo}/manifests/${reference()}`, { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(OCI_MANIFEST);
      expect(res.headers.get("content-length")).toBe(String(manifest.length));
      expect(res.headers.get("docker-content-digest")).toBe(manifestDigest);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });
  });

  it("an unknown manifest is 404 MANIFEST_UNKNOWN, by tag and by digest", async () => {
    for (const reference of ["nope", digestOf("nothing")]) {
      const res = await fetch(`${url}/v2/${repo}/manifests/${reference}`);
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("MANIFEST_UNKNOWN");
      const head = await fetch(`${url}/v2/${repo}/manifests/${reference}`, { method: "HEAD" });
      expect(head.status).toBe(404);
    }
  });

  it("GET blob returns its bytes, length and digest", async () => {
    const res = await fetch(`${url}/v2/${repo}/blobs/${blobDigest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("100");
    expect(res.headers.get("docker-content-digest")).toBe(blobDigest);
    expect(Buffer.from(await res.arrayBuffer()).equals(blob)).toBe(true);
  });

  it("HEAD blob returns its length and digest without a body", async () => {
    const res = await fetch(`${url}/v2/${repo}/blobs/${blobDigest}`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("100");
    expect(res.headers.get("docker-content-digest")).toBe(blobDigest);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("an unknown blob is 404 BLOB_UNKNOWN (GET) and 404 (HEAD)", async () => {
    const res = await fetch(`${url}/v2/${repo}/blobs/${digestOf("absent")}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("BLOB_UNKNOWN");
    const head = await fetch(`${url}/v2/${repo}/blobs/${digestOf("absent")}`, { method: "HEAD" });
    expect(head.status).toBe(404);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("a blob pushed to another repository is not served here", async () => {
    const res = await fetch(`${url}/v2/pull/other/blobs/${blobDigest}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("BLOB_UNKNOWN");
  });

  describe("Range requests", () => {
    const cases: Array<[string, number, number]> = [
      ["bytes=10-19", 10, 19],
      ["bytes=0-0", 0, 0],
      ["bytes=90-", 90, 99],
      ["bytes=-10", 90, 99],
      ["bytes=-500", 0, 99],
      ["bytes=95-1000", 95, 99],
    ];
    it.each(cases)("%s is 206 with Content-Range", async (range, start, end) => {
      const res = await fetch(`${url}/v2/${repo}/blobs/${blobDigest}`, { headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/100`);
      expect(res.headers.get("content-length")).toBe(String(end - start + 1));
      expect(Buffer.from(await res.arrayBuffer()).equals(blob.subarray(start, end + 1))).toBe(true);
    });

    it("HEAD with a range reports the partial length", async () => {
      const res = await fetch(`${url}/v2/${repo}/blobs/${blobDigest}`, {
        method: "HEAD",
        headers: { Range: "bytes=-10" },
      });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe("bytes 90-99/100");
      expect(res.headers.get("content-length")).toBe("10");
    });

    it.each(["bytes=100-", "bytes=500-600", "bytes=-0", "bytes=20-10", "bytes=0-1,5-6", "pages=1-2"])(
      "%s is 416 with Content-Range bytes */size",
      async (range) => {
        const res = await fetch(`${url}/v2/${repo}/blobs/${blobDigest}`, { headers: { Range: range } });
        expect(res.status).toBe(416);
        expect(res.headers.get("content-range")).toBe("bytes */100");
        await res.arrayBuffer();
      },
    );
  });

  it("serves multi-MiB blobs and ranges that cross the 1 MiB read buffers exactly", async () => {
    const large = randomBytes(3 * 1024 * 1024 + 12_345);
    const digest = await pushBlob(url, repo, large);
    const whole = Buffer.from(await (await fetch(`${url}/v2/${repo}/blobs/${digest}`)).arrayBuffer());
    expect(whole.equals(large)).toBe(true);
    for (const [start, end] of [
      [1000, 2_500_000],
      [1024 * 1024 - 1, 1024 * 1024],
      [large.length - 5, large.length - 1],
    ] as const) {
      const res = await fetch(`${url}/v2/${repo}/blobs/${digest}`, {
        headers: { Range: `bytes=${start}-${end}` },
      });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${large.length}`);
      expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
      expect(Buffer.from(await res.arrayBuffer()).equals(large.subarray(start, end + 1))).toBe(true);
    }
  });

  it("survives clients that hang up mid-download, and keeps serving", async () => {
    const large = randomBytes(8 * 1024 * 1024);
    const digest = await pushBlob(url, repo, large);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(`${url}/v2/${repo}/blobs/${digest}`, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        req.on("error", (err) =>
          (err as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(err),
        );
      });
    }
    const res = await fetch(`${url}/v2/${repo}/blobs/${digest}`);
    expect(digestOf(Buffer.from(await res.arrayBuffer()))).toBe(digest);
  });

  it("the empty blob is served with length 0", async () => {
    const empty = await pushBlob(url, repo, Buffer.alloc(0));
    const res = await fetch(`${url}/v2/${repo}/blobs/${empty}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});
