import { describe, expect, it } from "vitest";
import { OCI_MANIFEST } from "../../src/server/testing.js";
import { configs, layer, manifests } from "./fixtures.js";
import {
  type ConformanceEnv,
  errorCodes,
  expect2xx,
  pushThroughSession,
  putManifestAt,
  send,
  tagsOf,
} from "./http.js";

/**
 * The suite's 04_management_test.go: "Content Management", manifest and blob deletion. The suite lets
 * a registry refuse deletion (405, or 400 UNSUPPORTED for tags); Portcullis allows it unless
 * `registry.deletion` is off, and the server here runs with it on, so the checks take the
 * deletion-allowed branch and require it.
 */
export function managementWorkflow(env: ConformanceEnv): void {
  describe("Content Management", () => {
    const tagToDelete = "tagtest0";
    let numTags = 0;

    describe("Setup", () => {
      it("Populate registry with test config blob", async () => {
        expect2xx(await pushThroughSession(env, configs[3]!));
      });
      it("Populate registry with test layer", async () => {
        expect2xx(await pushThroughSession(env, layer));
      });
      it("Populate registry with test tag", async () => {
        expect2xx(await putManifestAt(env, tagToDelete, manifests[3]!, OCI_MANIFEST));
      });
      it("Check how many tags there are before anything gets deleted", async () => {
        const res = await send(env, "GET", "/v2/<name>/tags/list");
        expect(res.status).toBe(200);
        numTags = tagsOf(res).length;
        expect(numTags).toBe(1);
      });
    });

    describe("Manifest delete", () => {
      it("DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)", async () => {
        const res = await send(env, "DELETE", `/v2/<name>/manifests/${tagToDelete}`);
        if (res.status === 400) expect(errorCodes(res)[0]).toBe("UNSUPPORTED");
        expect(res.status).toBe(202);
      });
      it("DELETE request to manifest (digest) should yield 202 response unless already deleted", async () => {
        // Deleting the tag left the manifest in place (a tag is a name, not the content): 202.
        const res = await send(env, "DELETE", `/v2/<name>/manifests/${manifests[3]!.digest}`);
        expect(res.status).toBe(202);
      });
      it("GET request to deleted manifest URL should yield 404 response, unless delete is disallowed", async () => {
        const res = await send(env, "GET", `/v2/<name>/manifests/${manifests[3]!.digest}`);
        expect(res.status).toBe(404);
      });
      it("GET request to tags list should reflect manifest deletion", async () => {
        const res = await send(env, "GET", "/v2/<name>/tags/list");
        expect([200, 404]).toContain(res.status);
        if (res.status === 200) expect(tagsOf(res)).toHaveLength(numTags - 1);
        else expect(numTags - 1).toBe(0);
      });
    });

    describe("Blob delete", () => {
      it("DELETE request to blob URL should yield 202 response", async () => {
        expect((await send(env, "DELETE", `/v2/<name>/blobs/${configs[3]!.digest}`)).status).toBe(202);
        expect((await send(env, "DELETE", `/v2/<name>/blobs/${layer.digest}`)).status).toBe(202);
      });
      it("GET request to deleted blob URL should yield 404 response", async () => {
        expect((await send(env, "GET", `/v2/<name>/blobs/${configs[3]!.digest}`)).status).toBe(404);
      });
    });
  });
}
