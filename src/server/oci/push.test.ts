import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  errorCode,
  pushBlob,
  rawErrorCode,
  rawRequest,
  startTestServer,
  type TestServer,
  testDatabases,
  withQuery,
} from "../testing.js";

/** OCI Distribution Spec 1.1 "Pushing blobs": every upload flow, over HTTP, on every database. */
describe.each(testDatabases())("push (%s)", (database) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
  });
  afterAll(() => server.close());

  /** POST /blobs/uploads/ → 202; returns the absolute Location. */
  async function startUpload(repo: string): Promise<string> {
    const res = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST" });
    expect(res.status).toBe(202);
    const location = res.headers.get("location");
    expect(location).toBeTruthy();
    expect(res.headers.get("docker-upload-uuid")).toBeTruthy();
    await res.arrayBuffer();
    return new URL(location!, url).toString();
  }

  async function expectBlob(repo: string, digest: string, data: Buffer): Promise<void> {
    const res = await fetch(`${url}/v2/${repo}/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    expect(res.headers.get("content-length")).toBe(String(data.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  }

  async function expectNoBlob(repo: string, digest: string): Promise<void> {
    const res = await fetch(`${url}/v2/${repo}/blobs/${digest}`, { method: "HEAD" });
    expect(res.status).toBe(404);
  }

  function chunk(location: string, data: Buffer, start: number): Promise<Response> {
    return fetch(location, {
      method: "PATCH",
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Range": `${start}-${start + data.length - 1}`,
      },
      body: data,
    });
  }

  it("monolithic: POST, then PUT with the whole body", async () => {
    const data = randomBytes(3000);
    const digest = digestOf(data);
    const location = await startUpload("push/mono");
    const res = await fetch(withQuery(url, location, { digest }), {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/push/mono/blobs/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    await expectBlob("push/mono", digest, data);
  });

  it("single request: POST ?digest= with the body", async () => {
    const data = randomBytes(1000);
    const digest = digestOf(data);
    const res = await fetch(`${url}/v2/push/single/blobs/uploads/?digest=${digest}`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: data,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/push/single/blobs/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    await expectBlob("push/single", digest, data);
  });

  it("streamed: PATCH with chunked transfer encoding, then PUT", async () => {
    const parts = [randomBytes(1000), randomBytes(70_000), randomBytes(5)];
    const data = Buffer.concat(parts);
    const digest = digestOf(data);
    const location = await startUpload("push/streamed");
    const res = await rawRequest(url, {
      method: "PATCH",
      path: new URL(location).pathname,
      headers: { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" },
      chunks: parts,
    });
    expect(res?.status).toBe(202);
    expect(res?.headers.range).toBe(`0-${data.length - 1}`);
    expect(res?.headers["content-length"]).toBe("0");
    const put = await fetch(withQuery(url, res!.headers.location!, { digest }), { method: "PUT" });
    expect(put.status).toBe(201);
    await expectBlob("push/streamed", digest, data);
  });

  it("chunked: ordered Content-Range chunks, status, 416s and a last chunk in the PUT", async () => {
    const repo = "push/chunked";
    const data = randomBytes(250);
    const digest = digestOf(data);
    const location = await startUpload(repo);
    const id = location.split("/").pop()!;

    const first = await chunk(location, data.subarray(0, 100), 0);
    expect(first.status).toBe(202);
    expect(first.headers.get("range")).toBe("0-99");
    expect(first.headers.get("docker-upload-uuid")).toBe(id);
    const second = await chunk(
      new URL(first.headers.get("location")!, url).toString(),
      data.subarray(100, 200),
      100,
    );
    expect(second.status).toBe(202);
    expect(second.headers.get("range")).toBe("0-199");
    expect(second.headers.get("location")).toMatch(new RegExp(`/v2/${repo}/blobs/uploads/${id}$`));

    const outOfOrder = await chunk(location, data.subarray(0, 50), 300);
    expect(outOfOrder.status).toBe(416);
    await outOfOrder.arrayBuffer();
    const repeated = await chunk(location, data.subarray(100, 200), 100);
    expect(repeated.status).toBe(416);
    await repeated.arrayBuffer();

    const status = await fetch(location);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe("0-199");
    expect(status.headers.get("docker-upload-uuid")).toBe(id);
    expect(status.headers.get("location")).toMatch(new RegExp(`/blobs/uploads/${id}$`));

    const put = await fetch(withQuery(url, location, { digest }), {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream", "Content-Range": "200-249" },
      body: data.subarray(200),
    });
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    await expectBlob(repo, digest, data);
  });

  it("chunked: a last chunk in the PUT is held to the order too (416, then the upload resumes)", async () => {
    const repo = "push/chunked-put";
    const data = Buffer.from(Array.from({ length: 90 }, (_, i) => (i * 7) % 256));
    const digest = digestOf(data);
    const location = await startUpload(repo);
    await (await chunk(location, data.subarray(0, 30), 0)).arrayBuffer();
    const put = (range: string, body: Buffer) =>
      fetch(withQuery(url, location, { digest }), {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream", "Content-Range": range },
        body,
      });

    // Skipping 30-59: the spec's 416 for an out-of-order chunk, and nothing is written or discarded.
    const skipped = await put("60-89", data.subarray(60));
    expect(skipped.status).toBe(416);
    expect(await errorCode(skipped)).toBe("BLOB_UPLOAD_INVALID");
    const status = await fetch(location);
    expect(status.headers.get("range")).toBe("0-29");

    await (await chunk(location, data.subarray(30, 60), 30)).arrayBuffer();
    const done = await put("60-89", data.subarray(60));
    expect(done.status).toBe(201);
    await expectBlob(repo, digest, data);
  });

  it("chunked: a closing PUT whose Content-Range disagrees with its body is 400", async () => {
    const data = Buffer.from("twenty bytes of blob");
    const location = await startUpload("push/chunked-put-length");
    const res = await fetch(withQuery(url, location, { digest: digestOf(data) }), {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream", "Content-Range": "0-9" },
      body: data,
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("BLOB_UPLOAD_INVALID");
  });

  it("DELETE cancels an upload; it is then BLOB_UPLOAD_UNKNOWN", async () => {
    const location = await startUpload("push/cancel");
    await (await chunk(location, randomBytes(10), 0)).arrayBuffer();
    const res = await fetch(location, { method: "DELETE" });
    expect(res.status).toBe(204);
    for (const method of ["GET", "PATCH", "PUT", "DELETE"]) {
      const target = method === "PUT" ? withQuery(url, location, { digest: digestOf("x") }) : location;
      const after = await fetch(target, { method });
      expect(after.status).toBe(404);
      expect(await errorCode(after)).toBe("BLOB_UPLOAD_UNKNOWN");
    }
  });

  it("an upload is only known in the repository that started it", async () => {
    const location = await startUpload("push/owner");
    const id = location.split("/").pop()!;
    const res = await fetch(`${url}/v2/push/stranger/blobs/uploads/${id}`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("BLOB_UPLOAD_UNKNOWN");
  });

  it("cross-repository mount: 201 when `from` holds the blob", async () => {
    const data = randomBytes(500);
    const digest = await pushBlob(url, "push/mount-src", data);
    const res = await fetch(`${url}/v2/push/mount-dst/blobs/uploads/?mount=${digest}&from=push/mount-src`, {
      method: "POST",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/push/mount-dst/blobs/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    await expectBlob("push/mount-dst", digest, data);
  });

  it("cross-repository mount falls back to an upload (202) when `from` lacks the blob", async () => {
    const unknown = digestOf(randomBytes(16));
    const known = await pushBlob(url, "push/mount-src2", randomBytes(20));
    for (const query of [`mount=${unknown}&from=push/mount-src2`, `mount=${known}&from=push/nowhere`]) {
      const res = await fetch(`${url}/v2/push/mount-dst2/blobs/uploads/?${query}`, { method: "POST" });
      expect(res.status).toBe(202);
      expect(res.headers.get("location")).toMatch(/\/v2\/push\/mount-dst2\/blobs\/uploads\/[0-9a-f-]{36}$/);
      expect(res.headers.get("docker-upload-uuid")).toBeTruthy();
      await res.arrayBuffer();
    }
    await expectNoBlob("push/mount-dst2", unknown);
    await expectNoBlob("push/mount-dst2", known);
  });

  it("sha512: single request and chunked", async () => {
    const data = randomBytes(300);
    const digest = digestOf(data, "sha512");
    const single = await fetch(`${url}/v2/push/sha512/blobs/uploads/?digest=${digest}`, {
      method: "POST",
      body: data,
    });
    expect(single.status).toBe(201);
    expect(single.headers.get("docker-content-digest")).toBe(digest);
    await expectBlob("push/sha512", digest, data);

    const other = randomBytes(300);
    const otherDigest = digestOf(other, "sha512");
    const location = await startUpload("push/sha512");
    expect((await chunk(location, other.subarray(0, 150), 0)).status).toBe(202);
    expect((await chunk(location, other.subarray(150), 150)).status).toBe(202);
    const put = await fetch(withQuery(url, location, { digest: otherDigest }), { method: "PUT" });
    expect(put.status).toBe(201);
    await expectBlob("push/sha512", otherDigest, other);
  });

  it("a digest mismatch is 400 DIGEST_INVALID and stores nothing", async () => {
    const data = randomBytes(200);
    const claimed = digestOf(randomBytes(200));
    const single = await fetch(`${url}/v2/push/mismatch/blobs/uploads/?digest=${claimed}`, {
      method: "POST",
      body: data,
    });
    expect(single.status).toBe(400);
    expect(await errorCode(single)).toBe("DIGEST_INVALID");

    const location = await startUpload("push/mismatch");
    const put = await fetch(withQuery(url, location, { digest: claimed }), { method: "PUT", body: data });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe("DIGEST_INVALID");

    const sha512 = digestOf(randomBytes(5), "sha512");
    const location2 = await startUpload("push/mismatch");
    const put2 = await fetch(withQuery(url, location2, { digest: sha512 }), { method: "PUT", body: data });
    expect(put2.status).toBe(400);
    expect(await errorCode(put2)).toBe("DIGEST_INVALID");

    await expectNoBlob("push/mismatch", claimed);
    await expectNoBlob("push/mismatch", digestOf(data));
    await expectNoBlob("push/mismatch", sha512);
  });

  it("an unsupported algorithm is 400 DIGEST_INVALID", async () => {
    const md5 = "md5:9e107d9d372bb6826bd81d3542a419d6";
    const single = await fetch(`${url}/v2/push/md5/blobs/uploads/?digest=${md5}`, {
      method: "POST",
      body: "abc",
    });
    expect(single.status).toBe(400);
    expect(await errorCode(single)).toBe("DIGEST_INVALID");
    const location = await startUpload("push/md5");
    const put = await fetch(withQuery(url, location, { digest: md5 }), { method: "PUT", body: "abc" });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe("DIGEST_INVALID");
    const head = await fetch(`${url}/v2/push/md5/blobs/${md5}`, { method: "HEAD" });
    expect(head.status).toBe(400);
  });

  it("PUT without ?digest= is 400 DIGEST_INVALID and keeps the upload", async () => {
    const location = await startUpload("push/nodigest");
    const res = await fetch(location, { method: "PUT", body: "abc" });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("DIGEST_INVALID");
    const status = await fetch(location);
    expect(status.status).toBe(204);
  });

  it("pushing the same blob twice, and to two repositories, keeps one copy that both serve", async () => {
    const data = randomBytes(64);
    const digest = await pushBlob(url, "push/twice-a", data);
    expect(await pushBlob(url, "push/twice-a", data)).toBe(digest);
    expect(await pushBlob(url, "push/twice-b", data)).toBe(digest);
    await expectBlob("push/twice-a", digest, data);
    await expectBlob("push/twice-b", digest, data);
  });

  it("a random upload id is 404 BLOB_UPLOAD_UNKNOWN", async () => {
    const res = await rawRequest(url, { method: "GET", path: `/v2/push/x/blobs/uploads/${randomUUID()}` });
    expect(res?.status).toBe(404);
    expect(rawErrorCode(res)).toBe("BLOB_UPLOAD_UNKNOWN");
  });
});
