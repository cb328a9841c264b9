import { describe, expect, it } from "vitest";
import { OCI_MANIFEST, rawRequest } from "../../src/server/testing.js";
import {
  configs,
  dummyDigest,
  layer,
  manifests,
  NONEXISTENT_MANIFEST,
  SPEC_ERROR_CODES,
} from "./fixtures.js";
import {
  type ConformanceEnv,
  errorCodes,
  expect2xx,
  expect2xxOr,
  pushThroughSession,
  putManifestAt,
  send,
} from "./http.js";

/** The suite's tag for the pull workflow's manifest (testTagName). */
export const PULL_TAG = "tagtest0";

/** The suite's 01_pull_test.go: "Pull" with its setup, blob and manifest pulls, error codes, teardown. */
export function pullWorkflow(env: ConformanceEnv): void {
  describe("Pull", () => {
    describe("Setup", () => {
      it("Populate registry with test blob (config[0])", async () => {
        expect2xx(await pushThroughSession(env, configs[0]!));
      });
      it("Populate registry with test blob (config[1])", async () => {
        expect2xx(await pushThroughSession(env, configs[1]!));
      });
      it("Populate registry with test layer", async () => {
        expect2xx(await pushThroughSession(env, layer));
      });
      it("Populate registry with test manifest (manifest[0] by tag)", async () => {
        expect2xx(await putManifestAt(env, PULL_TAG, manifests[0]!, OCI_MANIFEST));
      });
      it("Populate registry with test manifest (manifest[1] by digest)", async () => {
        expect2xx(await putManifestAt(env, manifests[1]!.digest, manifests[1]!, OCI_MANIFEST));
      });
    });

    describe("Pull blobs", () => {
      it("HEAD request to nonexistent blob should result in 404 response", async () => {
        expect((await send(env, "HEAD", `/v2/<name>/blobs/${dummyDigest}`)).status).toBe(404);
      });
      it("HEAD request to existing blob should yield 200", async () => {
        const res = await send(env, "HEAD", `/v2/<name>/blobs/${configs[0]!.digest}`);
        expect(res.status).toBe(200);
        // The suite checks Docker-Content-Digest only when present; Portcullis always sends it.
        expect(res.headers.get("docker-content-digest")).toBe(configs[0]!.digest);
      });
      it("GET nonexistent blob should result in 404 response", async () => {
        expect((await send(env, "GET", `/v2/<name>/blobs/${dummyDigest}`)).status).toBe(404);
      });
      it("GET request to existing blob URL should yield 200", async () => {
        const res = await send(env, "GET", `/v2/<name>/blobs/${configs[0]!.digest}`);
        expect(res.status).toBe(200);
        expect(res.body.equals(configs[0]!.content)).toBe(true);
      });
    });

    describe("Pull manifests", () => {
      const accept = { Accept: OCI_MANIFEST };
      it("HEAD request to nonexistent manifest should return 404", async () => {
        expect((await send(env, "HEAD", `/v2/<name>/manifests/${NONEXISTENT_MANIFEST}`)).status).toBe(404);
      });
      for (const i of [0, 1]) {
        it(`HEAD request to manifest[${i}] path (digest) should yield 200 response`, async () => {
          const digest = manifests[i]!.digest;
          const res = await send(env, "HEAD", `/v2/<name>/manifests/${digest}`, { headers: accept });
          expect(res.status).toBe(200);
          expect(res.headers.get("docker-content-digest")).toBe(digest);
        });
      }
      it("HEAD request to manifest path (tag) should yield 200 response", async () => {
        const res = await send(env, "HEAD", `/v2/<name>/manifests/${PULL_TAG}`, { headers: accept });
        expect(res.status).toBe(200);
        expect(res.headers.get("docker-content-digest")).toBe(manifests[0]!.digest);
      });
      it("GET nonexistent manifest should return 404", async () => {
        expect((await send(env, "GET", `/v2/<name>/manifests/${NONEXISTENT_MANIFEST}`)).status).toBe(404);
      });
      for (const i of [0, 1]) {
        it(`GET request to manifest[${i}] path (digest) should yield 200 response`, async () => {
          const res = await send(env, "GET", `/v2/<name>/manifests/${manifests[i]!.digest}`, {
            headers: accept,
          });
          expect(res.status).toBe(200);
          expect(res.body.equals(manifests[i]!.content)).toBe(true);
        });
      }
      it("GET request to manifest path (tag) should yield 200 response", async () => {
        const res = await send(env, "GET", `/v2/<name>/manifests/${PULL_TAG}`, { headers: accept });
        expect(res.status).toBe(200);
        expect(res.body.equals(manifests[0]!.content)).toBe(true);
      });
    });

    describe("Error codes", () => {
      it("400 response body should contain OCI-conforming JSON message", async () => {
        // The suite sends a GET with a manifest-typed body that is not a manifest, to a reference that
        // is not a digest; fetch cannot send a GET body, so this goes over node:http.
        const body = "blablabla";
        const res = await rawRequest(env.url, {
          method: "GET",
          path: `/v2/${env.name}/manifests/sha256:totallywrong`,
          headers: { "Content-Type": OCI_MANIFEST, "Content-Length": body.length },
          chunks: [body],
        });
        expect([400, 404]).toContain(res?.status);
        if (res?.status === 400) {
          const codes = errorCodes({ status: res.status, headers: new Headers(), body: res.body });
          expect(SPEC_ERROR_CODES.has(codes[0]!)).toBe(true);
        }
      });
    });

    describe("Teardown", () => {
      // The suite deletes manifests before blobs unless OCI_DELETE_MANIFEST_BEFORE_BLOBS=false.
      for (const i of [0, 1]) {
        it(`Delete manifest[${i}] created in setup`, async () => {
          expect2xxOr(await send(env, "DELETE", `/v2/<name>/manifests/${manifests[i]!.digest}`), 405);
        });
      }
      for (const [label, digest] of [
        ["config[0] blob", configs[0]!.digest],
        ["config[1] blob", configs[1]!.digest],
        ["layer blob", layer.digest],
      ] as const) {
        it(`Delete ${label} created in setup`, async () => {
          expect2xxOr(await send(env, "DELETE", `/v2/<name>/blobs/${digest}`), 404, 405);
        });
      }
    });
  });
}
