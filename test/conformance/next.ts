import { describe, expect, it } from "vitest";
import { digestOf, OCI_MANIFEST, pushImage } from "../../src/server/testing.js";
import { type Blob, fixedBytes } from "./fixtures.js";
import { type ConformanceEnv, expect2xxOr, send } from "./http.js";
import { nextDataChecks } from "./next-data.js";
import {
  type Algorithm,
  CHUNK_MIN,
  chunked,
  corrupted,
  mount,
  nextBlob,
  postOnly,
  postPut,
  stream,
} from "./next-pushes.js";

/**
 * Checks of the suite's development version (conformance/run.go and api.go at commit
 * 967efdc079b91785ad18c77cc4f8991a47feefbf, 2026-07-16, not yet released): every blob push method on
 * sha256 and sha512, range requests, well-known blobs, pushes with a wrong digest, an empty repository
 * and malformed manifest references. It works in two repositories of its own (the suite's Repo1, Repo2).
 */
export function nextChecks(env: ConformanceEnv): void {
  const repo = "conformance/next";
  const repo2 = "conformance/next-2";

  /** HEAD and GET answer with the blob (the suite's TestHeadBlob and TestPullBlob), then DELETE. */
  async function expectServedThenDelete(blob: Blob, where = repo): Promise<void> {
    const head = await send(env, "HEAD", `/v2/${where}/blobs/${blob.digest}`);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(blob.content.length));
    expect(head.headers.get("docker-content-digest")).toBe(blob.digest);
    const get = await send(env, "GET", `/v2/${where}/blobs/${blob.digest}`);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-length")).toBe(String(blob.content.length));
    expect(get.body.equals(blob.content)).toBe(true);
    expect2xxOr(await send(env, "DELETE", `/v2/${where}/blobs/${blob.digest}`), 404, 405);
  }

  describe("Development suite (unreleased)", () => {
    describe("empty", () => {
      it("tag list of a repository nothing was pushed to should return 200 or 404", async () => {
        const res = await send(env, "GET", `/v2/${repo}/tags/list`);
        expect([200, 404]).toContain(res.status);
      });
      it("referrers of a subject nothing refers to should return an empty index", async () => {
        const res = await send(env, "GET", `/v2/${repo}/referrers/${digestOf("no such subject")}`);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body.toString()).manifests).toEqual([]);
      });
    });

    describe.each<Algorithm>(["sha256", "sha512"])("%s blobs", (algorithm) => {
      const blob = (label: string, size = 512) => nextBlob(`${algorithm} ${label}`, size, algorithm);
      const multi = (label: string) => blob(label, CHUNK_MIN * 3 - 5);

      it("get-missing: GET of a blob never pushed should return 404", async () => {
        expect((await send(env, "GET", `/v2/${repo}/blobs/${blob("post cancel").digest}`)).status).toBe(404);
      });
      const pushes: Array<[string, (b: Blob) => Promise<void>, Blob]> = [
        ["post only", (b) => postOnly(env, repo, b), blob("post only")],
        ["post+put", (b) => postPut(env, repo, b), blob("post+put")],
        ["chunked single", (b) => chunked(env, repo, b), blob("chunked single")],
        ["chunked multi", (b) => chunked(env, repo, b), multi("chunked multi")],
        ["chunked multi and put chunk", (b) => chunked(env, repo, b, { putLast: true }), multi("put chunk")],
        ["chunked out-of-order", (b) => chunked(env, repo, b, { outOfOrder: true }), multi("out-of-order")],
        [
          "chunked out-of-order and put chunk",
          (b) => chunked(env, repo, b, { outOfOrder: true, putLast: true }),
          multi("out-of-order put"),
        ],
        ["stream", (b) => stream(env, repo, b), blob("stream")],
        [
          "emptyJSON",
          (b) => postPut(env, repo, b),
          { content: Buffer.from("{}"), digest: digestOf("{}", algorithm) },
        ],
        [
          "empty",
          (b) => postPut(env, repo, b),
          { content: Buffer.alloc(0), digest: digestOf("", algorithm) },
        ],
      ];
      for (const [name, push, b] of pushes) {
        it(`${name}: the push should succeed, then HEAD and GET serve the blob`, async () => {
          await push(b);
          await expectServedThenDelete(b);
        });
      }
      it("mount: a blob pushed to another repository should mount with 201", async () => {
        const b = blob("mount");
        await postPut(env, repo2, b);
        expect(await mount(env, repo, b, repo2)).toBe(201);
        await expectServedThenDelete(b);
        expect2xxOr(await send(env, "DELETE", `/v2/${repo2}/blobs/${b.digest}`), 404, 405);
      });
      it("mount anonymous: a mount without from should fall back to an upload (202)", async () => {
        // The suite counts 202 as an unsupported optional API: Portcullis never searches repositories
        // a request does not name.
        const b = blob("mount anonymous");
        await postPut(env, repo2, b);
        expect(await mount(env, repo, b, undefined)).toBe(202);
        await expectServedThenDelete(b);
      });
      it("mount missing: mounting a blob the source does not hold should fall back to an upload", async () => {
        const b = blob("mount missing");
        expect(await mount(env, repo, b, repo2)).toBe(202);
        await expectServedThenDelete(b);
      });
      it("post cancel: DELETE of an upload session should return 204", async () => {
        const session = await send(env, "POST", `/v2/${repo}/blobs/uploads/`);
        expect(session.status).toBe(202);
        const res = await send(env, "DELETE", session.headers.get("location")!);
        expect(res.status).toBe(204);
        expect((await send(env, "GET", session.headers.get("location")!)).status).toBe(404);
      });

      describe("range requests", () => {
        const b = blob("range", 2048);
        const cases: Array<[string, number, number]> = [
          ["500-1499", 500, 1499],
          ["500-", 500, 2047],
          ["-500", 1548, 2047],
          ["2000-5000", 2000, 2047],
        ];
        it("setup: push a 2048-byte blob", () => postPut(env, repo, b));
        for (const [spec, start, end] of cases) {
          it(`range ${spec} should return 206 with that part`, async () => {
            const res = await send(env, "GET", `/v2/${repo}/blobs/${b.digest}`, {
              headers: { Range: `bytes=${spec}` },
            });
            expect(res.status).toBe(206);
            expect(res.headers.get("content-length")).toBe(String(end - start + 1));
            expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/2048`);
            expect(res.body.equals(b.content.subarray(start, end + 1))).toBe(true);
          });
        }
        for (const spec of ["500-0", "5000-10000"]) {
          it(`range ${spec} should return 416`, async () => {
            const res = await send(env, "GET", `/v2/${repo}/blobs/${b.digest}`, {
              headers: { Range: `bytes=${spec}` },
            });
            expect(res.status).toBe(416);
          });
        }
      });

      describe("bad digest", () => {
        const bad = (label: string) => corrupted(multi(label));
        it("bad digest post only should return 400", () => postOnly(env, repo, bad("bad post"), true));
        it("bad digest post+put should return 400", () => postPut(env, repo, bad("bad post+put"), true));
        it("bad digest chunked should return 400", () =>
          chunked(env, repo, bad("bad chunked"), { bad: true }));
        it("bad digest chunked and put chunk should return 400", () =>
          chunked(env, repo, bad("bad put chunk"), { bad: true, putLast: true }));
        it("bad digest stream should return 400", () => stream(env, repo, bad("bad stream"), true));
      });
    });

    describe("data", () => nextDataChecks(env));

    describe("manifest errors", () => {
      it("missing-manifest by-digest should return 404", async () => {
        const digest = digestOf(fixedBytes("missing manifest", 1024));
        expect((await send(env, "GET", `/v2/${repo}/manifests/${digest}`)).status).toBe(404);
      });
      it("missing-manifest by-tag should return 404", async () => {
        expect((await send(env, "GET", `/v2/${repo}/manifests/missing-tag`)).status).toBe(404);
      });
      it("invalid-digest-format manifest-put should return 400", async () => {
        const image = await pushImage(env.url, repo, { seed: "invalid digest format" });
        const res = await send(env, "PUT", `/v2/${repo}/manifests/sha256:baddigeststring`, {
          headers: { "Content-Type": OCI_MANIFEST },
          body: image.manifest,
        });
        expect(res.status).toBe(400);
      });
      it("invalid-digest-format manifest-get should return 404 or 400", async () => {
        const res = await send(env, "GET", `/v2/${repo}/manifests/sha256:baddigeststring`);
        expect([400, 404]).toContain(res.status);
      });
    });
  });
}
