import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  digestOf,
  errorCode,
  OCI_MANIFEST,
  type PushedImage,
  pushImage,
  putManifest,
  type RawResponse,
  rawErrorCode,
  rawRequest,
  startTestServer,
  type TestServer,
  testDatabases,
  withQuery,
} from "../testing.js";

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/**
 * Bad input over HTTP: each request gets the specification's error, and storage is left as it was.
 * Paths go through `rawRequest` where fetch would normalise them (`..`) before sending.
 */
describe.each(testDatabases())("bad input (%s)", (database) => {
  let server: TestServer;
  let url: string;
  const repo = "bad/app";
  let image: PushedImage;

  beforeAll(async () => {
    server = await startTestServer({ database, captureLogs: true });
    url = server.url;
    image = await pushImage(url, repo, { tag: "v1" });
  });
  afterAll(() => server.close());

  const raw = (method: string, path: string, extra: Partial<Parameters<typeof rawRequest>[1]> = {}) =>
    rawRequest(url, { method, path, ...extra }) as Promise<RawResponse>;

  /**
   * Sends a request and hangs up mid-body, then waits until the server has finished with it: its
   * handler logs "client disconnected" once the upload code below it has given up (never a fixed
   * delay, after which the handler might still be running and the checks that follow pass by luck).
   */
  async function cutOff(method: string, path: string, extra: Partial<Parameters<typeof rawRequest>[1]>) {
    const gone = () => server.logs.filter((l) => l.msg === "client disconnected").length;
    const before = gone();
    const answer = await raw(method, path, { ...extra, abort: true });
    await vi.waitFor(() => expect(gone()).toBe(before + 1), { timeout: 10_000, interval: 10 });
    return answer;
  }

  async function startUpload(): Promise<string> {
    const res = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    expect(res.status).toBe(202);
    return new URL(res.headers.get("location")!, url).toString();
  }

  async function offset(location: string): Promise<string | null> {
    const res = await fetch(location);
    expect(res.status).toBe(204);
    return res.headers.get("range");
  }

  async function storedBlobs(): Promise<string[]> {
    return (await filesUnder(join(server.dataDir, "storage", "blobs")).catch(() => [])).map((f) =>
      relative(server.dataDir, f),
    );
  }

  const badNames = [
    ["uppercase", "UPPER/case"],
    ["dot-dot", "a/../b"],
    ["encoded traversal", "..%2F..%2Fetc"],
    ["too long", "a".repeat(256)],
    ["empty component", "a//b"],
    ["leading separator", "-a/b"],
    ["malformed escape", "a%zz/b"],
  ];
  describe.each(badNames)("an invalid name (%s) is 400 NAME_INVALID", (_label, name) => {
    it.each([
      ["GET", "tags/list"],
      ["GET", "manifests/latest"],
      ["PUT", "manifests/latest"],
      ["DELETE", "manifests/latest"],
      ["POST", "blobs/uploads/"],
      ["GET", `blobs/${digestOf("x")}`],
      ["GET", `referrers/${digestOf("x")}`],
      ["GET", `blobs/uploads/${randomUUID()}`],
    ])("%s %s", async (method, rest) => {
      const res = await raw(method, `/v2/${name}/${rest}`, {
        ...(method === "PUT" ? { headers: { "Content-Type": OCI_MANIFEST }, chunks: ["{}"] } : {}),
      });
      expect(res.status).toBe(400);
      expect(rawErrorCode(res)).toBe("NAME_INVALID");
    });
  });

  it("a name of exactly 255 characters is valid", async () => {
    const name = `${"a".repeat(127)}/${"b".repeat(127)}`;
    expect(name.length).toBe(255);
    await pushImage(url, name, { tag: "v1" });
    expect((await fetch(`${url}/v2/${name}/manifests/v1`, { method: "HEAD" })).status).toBe(200);
  });

  it.each([
    ["leading dash", "-bad"],
    ["leading dot", ".bad"],
    ["129 characters", "t".repeat(129)],
    ["a plus sign", "a+b"],
  ])("an invalid tag (%s) is 400 TAG_INVALID and stores nothing", async (_label, tag) => {
    const body = Buffer.from(
      JSON.stringify({ ...JSON.parse(image.manifest.toString()), annotations: { tag } }),
    );
    const res = await putManifest(url, repo, encodeURIComponent(tag), body, OCI_MANIFEST);
    expect(res.status).toBe(400);
    const viaQuery = await fetch(
      `${url}/v2/${repo}/manifests/${digestOf(body)}?tag=ok&tag=${encodeURIComponent(tag)}`,
      {
        method: "PUT",
        headers: { "Content-Type": OCI_MANIFEST },
        body,
      },
    );
    expect(viaQuery.status).toBe(400);
    expect(await errorCode(viaQuery)).toBe("TAG_INVALID");
    expect((await fetch(`${url}/v2/${repo}/manifests/${digestOf(body)}`, { method: "HEAD" })).status).toBe(
      404,
    );
    expect((await fetch(`${url}/v2/${repo}/manifests/ok`, { method: "HEAD" })).status).toBe(404);
    // A read of a reference that cannot exist is 404 (OCI conformance, "HEAD request to nonexistent
    // manifest should return 404" with `.INVALID_MANIFEST_NAME`); only writes say it is invalid.
    const get = await fetch(`${url}/v2/${repo}/manifests/${encodeURIComponent(tag)}`);
    expect(get.status).toBe(404);
    expect(await errorCode(get)).toBe("MANIFEST_UNKNOWN");
  });

  it.each([
    ["a random UUID", randomUUID()],
    ["a non-UUID", "not-an-upload"],
    ["an encoded traversal", "..%2F..%2Fx"],
    ["a dot-dot segment", ".."],
    ["an upper-case UUID", randomUUID().toUpperCase()],
  ])("an unknown upload id (%s) is 404 BLOB_UPLOAD_UNKNOWN", async (_label, id) => {
    for (const method of ["GET", "PATCH", "PUT", "DELETE"]) {
      const query = method === "PUT" ? `?digest=${digestOf("")}` : "";
      const res = await raw(method, `/v2/${repo}/blobs/uploads/${id}${query}`, {
        ...(method === "PATCH" ? { chunks: ["abc"], headers: { "Content-Length": 3 } } : {}),
      });
      expect(res.status).toBe(404);
      if (method !== "HEAD") expect(rawErrorCode(res)).toBe("BLOB_UPLOAD_UNKNOWN");
    }
  });

  it("a digest mismatch leaves no blob behind", async () => {
    const before = await storedBlobs();
    const data = randomBytes(4096);
    const wrong = digestOf(randomBytes(1));
    const res = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${wrong}`, {
      method: "POST",
      body: data,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("DIGEST_INVALID");
    for (const digest of [wrong, digestOf(data)]) {
      expect((await fetch(`${url}/v2/${repo}/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
    }
    expect(await storedBlobs()).toEqual(before);
  });

  it("a chunk that does not match its Content-Range, a gap or a malformed range changes nothing", async () => {
    const data = randomBytes(300);
    const location = await startUpload();
    const path = new URL(location).pathname;
    const patch = (body: Buffer, range: string) =>
      fetch(location, { method: "PATCH", headers: { "Content-Range": range }, body });
    expect((await patch(data.subarray(0, 100), "0-99")).status).toBe(202);

    const gap = await patch(data.subarray(150, 200), "150-199");
    expect(gap.status).toBe(416);
    await gap.arrayBuffer();
    const short = await patch(data.subarray(100, 150), "100-199");
    expect(short.status).toBe(400);
    expect(await errorCode(short)).toBe("BLOB_UPLOAD_INVALID");
    const long = await patch(data.subarray(100, 250), "100-199");
    expect(long.status).toBe(400);
    await long.arrayBuffer();
    for (const range of ["abc", "100-", "-100", "199-100", "bytes=1-2-3"]) {
      const res = await patch(data.subarray(100, 200), range);
      expect(res.status).toBe(416);
      await res.arrayBuffer();
    }
    expect(await offset(location)).toBe("0-99");

    // The upload carries on from the last acknowledged byte and yields exactly the pushed content.
    const chunked = await raw("PATCH", path, { chunks: [data.subarray(100, 200), data.subarray(200)] });
    expect(chunked.status).toBe(202);
    expect(chunked.headers.range).toBe("0-299");
    const put = await fetch(withQuery(url, location, { digest: digestOf(data) }), { method: "PUT" });
    expect(put.status).toBe(201);
    const got = await fetch(`${url}/v2/${repo}/blobs/${digestOf(data)}`);
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it("a PATCH cut off mid-body does not advance the offset; a full PUT then works", async () => {
    const data = randomBytes(1000);
    const location = await startUpload();
    const path = new URL(location).pathname;
    const cut = await cutOff("PATCH", path, {
      headers: { "Content-Length": 1000, "Content-Type": "application/octet-stream" },
      chunks: [data.subarray(0, 500)],
    });
    expect(cut).toBeUndefined();
    expect(await offset(location)).toBe("0-0");
    const put = await fetch(withQuery(url, location, { digest: digestOf(data) }), {
      method: "PUT",
      body: data,
    });
    expect(put.status).toBe(201);
    const got = await fetch(`${url}/v2/${repo}/blobs/${digestOf(data)}`);
    expect(got.headers.get("content-length")).toBe("1000");
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it("a PATCH cut off after good chunks: closing without a body commits only the acknowledged bytes", async () => {
    const good = randomBytes(100);
    const location = await startUpload();
    const path = new URL(location).pathname;
    expect((await fetch(location, { method: "PATCH", body: good })).status).toBe(202);
    await cutOff("PATCH", path, { headers: { "Content-Length": 1000 }, chunks: [randomBytes(500)] });
    expect(await offset(location)).toBe("0-99");
    const put = await fetch(withQuery(url, location, { digest: digestOf(good) }), { method: "PUT" });
    expect(put.status).toBe(201);
    const got = await raw("GET", `/v2/${repo}/blobs/${digestOf(good)}`);
    expect(got.headers["content-length"]).toBe("100");
    expect(got.body.equals(good)).toBe(true);
    const hex = digestOf(good).slice("sha256:".length);
    const onDisk = await readFile(join(server.dataDir, "storage", "blobs", "sha256", hex.slice(0, 2), hex));
    expect(onDisk.equals(good)).toBe(true);
  });

  it("a closing PUT or a single POST cut off mid-body stores nothing", async () => {
    const data = randomBytes(1000);
    const digest = digestOf(data);
    const location = await startUpload();
    const cutPut = await cutOff("PUT", `${new URL(location).pathname}?digest=${digest}`, {
      headers: { "Content-Length": 1000 },
      chunks: [data.subarray(0, 500)],
    });
    expect(cutPut).toBeUndefined();
    await cutOff("POST", `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      headers: { "Content-Length": 1000 },
      chunks: [data.subarray(0, 500)],
    });
    expect((await fetch(`${url}/v2/${repo}/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
    expect(await offset(location)).toBe("0-0");
    const put = await fetch(withQuery(url, location, { digest }), { method: "PUT", body: data });
    expect(put.status).toBe(201);
  });

  it("malformed, oversized and unknown-blob manifests leave no tag", async () => {
    const cases: Array<[Buffer, number, string]> = [
      [Buffer.from('{"schemaVersion": 2, "mediaType": '), 400, "MANIFEST_INVALID"],
      [Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), 413, ""],
      [
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf("?"), size: 1 },
            layers: [],
          }),
        ),
        400,
        "MANIFEST_BLOB_UNKNOWN",
      ],
    ];
    for (const [body, status, code] of cases) {
      const res = await fetch(`${url}/v2/${repo}/manifests/broken`, {
        method: "PUT",
        headers: { "Content-Type": OCI_MANIFEST },
        body,
      });
      expect(res.status).toBe(status);
      if (code) expect(await errorCode(res)).toBe(code);
      else await res.arrayBuffer();
      expect((await fetch(`${url}/v2/${repo}/manifests/broken`, { method: "HEAD" })).status).toBe(404);
    }
    const list = (await (await fetch(`${url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    expect(list.tags).toEqual(["v1"]);
  });

  it("path traversal in every position never touches files outside the data directory", async () => {
    const canary = join(server.root, "canary.txt");
    await writeFile(canary, "canary");
    const before = await filesUnder(server.root);
    const up = "..%2F..%2F..%2F..%2Fcanary.txt";
    const badDigest = `sha256:${up}`;
    const attempts: Array<[string, string, Partial<Parameters<typeof rawRequest>[1]>?]> = [
      ["POST", `/v2/${up}/blobs/uploads/`],
      ["GET", `/v2/${up}/tags/list`],
      ["DELETE", `/v2/${repo}/blobs/uploads/${up}`],
      ["PATCH", `/v2/${repo}/blobs/uploads/${up}`, { chunks: ["x"], headers: { "Content-Length": 1 } }],
      [
        "PUT",
        `/v2/${repo}/blobs/uploads/${up}?digest=${digestOf("x")}`,
        { chunks: ["x"], headers: { "Content-Length": 1 } },
      ],
      ["GET", `/v2/${repo}/blobs/${badDigest}`],
      ["DELETE", `/v2/${repo}/blobs/${badDigest}`],
      ["GET", `/v2/${repo}/manifests/${up}`],
      ["DELETE", `/v2/${repo}/manifests/${badDigest}`],
      ["PUT", `/v2/${repo}/manifests/${badDigest}`, { chunks: [image.manifest] }],
      ["GET", `/v2/${repo}/referrers/${badDigest}`],
      [
        "POST",
        `/v2/${repo}/blobs/uploads/?digest=${badDigest}`,
        { chunks: ["x"], headers: { "Content-Length": 1 } },
      ],
      ["POST", `/v2/${repo}/blobs/uploads/?mount=${badDigest}&from=${up}`],
      ["POST", `/v2/${repo}/blobs/uploads/?mount=${image.config.digest}&from=..%2F..`],
      ["GET", `/v2/${repo}/tags/list?last=${up}&n=1`],
      ["GET", "/v2/../../canary.txt"],
      ["DELETE", `/v2/${repo}/blobs/uploads/../../../../../canary.txt`],
      ["GET", `/v2/${repo}/../../../canary.txt/tags/list`],
      ["DELETE", `/v2/${repo}/blobs/sha256:../../../../canary.txt`],
      ["GET", "/v2/%2e%2e/%2e%2e/canary.txt/tags/list"],
    ];
    for (const [method, path, extra] of attempts) {
      const res = await raw(method, path, extra ?? {});
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(res.status === 201 || res.status === 202 || res.status === 200, `${method} ${path}`).toBe(
        method === "GET" && path.includes("tags/list?last"),
      );
    }
    expect(await readFile(canary, "utf8")).toBe("canary");
    const after = await filesUnder(server.root);
    expect(after.filter((f) => !f.startsWith(`${server.dataDir}/`))).toEqual(
      before.filter((f) => !f.startsWith(`${server.dataDir}/`)),
    );
  });
});
