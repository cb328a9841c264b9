/**
 * The OCI distribution-spec conformance suite's expectations, ported to run in the tests against a real
 * Portcullis (started in-process, listening on a port, on every test database).
 *
 * Source: github.com/opencontainers/distribution-spec, conformance/, release v1.1.1
 * (commit a139cc423184af6078077b9b7ee336eddbd03f8f): 01_pull_test.go, 02_push_test.go,
 * 03_discovery_test.go, 04_management_test.go and the content they push (setup.go, image.go); plus the
 * base-route check of the 2020 suite (01_base_api_route_test.go and 07_error_codes_test.go, removed in
 * a63ff2c), which the later files no longer carry. Each `it` is named after the check it ports; the
 * workflows run in the suite's order in one namespace, each with its setup and teardown, so one
 * workflow's leftovers meet the next as they do in the suite. Where the suite accepts several answers,
 * the test requires the one Portcullis gives and says why.
 *
 * Then the suite's development version (commit 967efdc079b91785ad18c77cc4f8991a47feefbf, the rewrite in
 * run.go, api.go and testdata.go, not yet released; `next*.ts`): every blob push method on sha256 and
 * sha512, range requests, wrong digests, and its data sets (images, indexes, artifacts, subjects,
 * custom fields, a near-4 MiB manifest, `?tag=` pushes), each pushed, listed, read and deleted.
 * The catalog has no suite checks; `catalog.ts` holds Distribution's paging contract for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, startTestServer, type TestServer, testDatabases } from "../../src/server/testing.js";
import { catalogChecks } from "./catalog.js";
import { discoveryWorkflow } from "./discovery.js";
import { SPEC_ERROR_CODES } from "./fixtures.js";
import { type ConformanceEnv, errorCodes, send } from "./http.js";
import { managementWorkflow } from "./management.js";
import { nextChecks } from "./next.js";
import { pullWorkflow } from "./pull.js";
import { pushWorkflow } from "./push.js";

describe.each(testDatabases())("OCI Distribution Conformance Tests (%s)", (database) => {
  let server: TestServer | undefined;
  const env: ConformanceEnv = { url: "", name: "conformance/suite", crossmount: "conformance-crossmount" };

  beforeAll(async () => {
    // Deletion is on by default; said here because the content management workflow assumes it.
    server = await startTestServer({ database, registry: { deletion: true } });
    env.url = server.url;
  });
  afterAll(() => server?.close());

  describe("Base API route", () => {
    it("GET request to base API route must return 200 response", async () => {
      expect((await send(env, "GET", "/v2/")).status).toBe(200);
    });
  });

  describe("Error codes", () => {
    it("400 response body should contain OCI-conforming JSON message", async () => {
      // The 2020 suite's form of the check: a PUT to a reference that is not a valid digest.
      const res = await send(env, "PUT", "/v2/<name>/manifests/sha256:totallywrong", {
        headers: { "Content-Type": OCI_MANIFEST },
        body: "blablabla",
      });
      expect(res.status).toBe(400);
      const codes = errorCodes(res);
      expect(codes.length).toBeGreaterThan(0);
      expect(SPEC_ERROR_CODES.has(codes[0]!)).toBe(true);
    });
  });

  pullWorkflow(env);
  pushWorkflow(env);
  discoveryWorkflow(env, () => catalogChecks(env));
  managementWorkflow(env);
  nextChecks(env);
});
