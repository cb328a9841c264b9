import { describe, expect, it } from "vitest";
import { OCI_INDEX, OCI_MANIFEST } from "../../src/server/testing.js";
import {
  ANNOTATION_KEY,
  ARTIFACT_TYPE_A,
  configs,
  dummyDigest,
  emptyJson,
  layer,
  manifests,
  refBlobA,
  refBlobB,
  referrerAnnotations,
  refs,
  refsIndex,
} from "./fixtures.js";
import {
  type ConformanceEnv,
  expect2xx,
  expect2xxOr,
  pushThroughSession,
  putManifestAt,
  type Reply,
  send,
  tagsOf,
} from "./http.js";

interface IndexBody {
  manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
}

function referrersOf(reply: Reply): IndexBody["manifests"] {
  expect(reply.status).toBe(200);
  // Exactly the index media type: a "; charset=..." suffix fails the suite's comparison.
  expect(reply.headers.get("content-type")).toBe(OCI_INDEX);
  return (JSON.parse(reply.body.toString("utf8")) as IndexBody).manifests;
}

/** Every referrer carries its one annotation, copied from its manifest. */
function expectAnnotations(list: IndexBody["manifests"]): void {
  for (const entry of list) {
    expect(Object.keys(entry.annotations ?? {})).toHaveLength(1);
    expect(entry.annotations?.[ANNOTATION_KEY]).toBe(referrerAnnotations.get(entry.digest));
  }
}

/**
 * The suite's 03_discovery_test.go: "Content Discovery", listing tags and listing referrers, then
 * teardown. The catalog checks (`catalog.ts`) run between the lists and the teardown, while the
 * namespace still holds manifests.
 */
export function discoveryWorkflow(env: ConformanceEnv, between?: () => void): void {
  describe("Content Discovery", () => {
    let numTags = 4;

    describe("Setup", () => {
      it("Populate registry with test blob", async () => {
        expect2xx(await pushThroughSession(env, configs[2]!));
      });
      it("Populate registry with test layer", async () => {
        expect2xx(await pushThroughSession(env, layer));
      });
      it("Populate registry with test tags", async () => {
        for (let i = 0; i < numTags; i++) {
          expect2xx(await putManifestAt(env, `test${i}`, manifests[2]!, OCI_MANIFEST));
        }
      });
      it("References setup", async () => {
        expect(emptyJson.digest).toBe(
          "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        );
        expect2xx(await pushThroughSession(env, emptyJson));
        // Referrers pushed before their subject exists, then the subject, then more referrers.
        expect2xx(await pushThroughSession(env, refBlobA));
        const subject = manifests[4]!.digest;
        for (const [m, type] of [
          [refs.aConfig, OCI_MANIFEST],
          [refs.aLayer, OCI_MANIFEST],
          [refsIndex, OCI_INDEX],
        ] as const) {
          const res = await putManifestAt(env, m.digest, m, type);
          expect2xx(res);
          expect(res.headers.get("oci-subject")).toBe(subject);
        }
        expect2xx(await pushThroughSession(env, configs[4]!));
        expect2xx(await pushThroughSession(env, layer));
        expect2xx(await putManifestAt(env, "tagtest0", manifests[4]!, OCI_MANIFEST));
        expect2xx(await pushThroughSession(env, refBlobB));
        for (const m of [refs.bConfig, refs.bLayer]) {
          const res = await putManifestAt(env, m.digest, m, OCI_MANIFEST);
          expect2xx(res);
          expect(res.headers.get("oci-subject")).toBe(subject);
        }
        const res = await putManifestAt(env, refs.cLayer.digest, refs.cLayer, OCI_MANIFEST);
        expect2xx(res);
        expect(res.headers.get("oci-subject")).toBe(manifests[3]!.digest);
      });
    });

    describe("Test content discovery endpoints (listing tags)", () => {
      it("GET request to list tags should yield 200 response", async () => {
        const res = await send(env, "GET", "/v2/<name>/tags/list");
        expect(res.status).toBe(200);
        numTags = tagsOf(res).length;
        expect(tagsOf(res)).toEqual(["tagtest0", "test0", "test1", "test2", "test3"]);
      });
      it("GET number of tags should be limitable by `n` query parameter", async () => {
        const n = Math.floor(numTags / 2);
        const res = await send(env, "GET", "/v2/<name>/tags/list", { query: { n: String(n) } });
        expect(res.status).toBe(200);
        expect(tagsOf(res)).toHaveLength(n);
      });
      it("GET start of tag is set by `last` query parameter", async () => {
        const n = Math.floor(numTags / 2);
        const first = tagsOf(await send(env, "GET", "/v2/<name>/tags/list", { query: { n: String(n) } }));
        const last = first[n - 1]!;
        const res = await send(env, "GET", "/v2/<name>/tags/list", { query: { n: String(n), last } });
        expect(res.status).toBe(200);
        // The suite's own assertions here re-read the first page; the spec's meaning is checked instead:
        // at most n tags, each lexically after `last`.
        const next = tagsOf(res);
        expect(next.length).toBeLessThanOrEqual(n);
        expect(next.length).toBeGreaterThan(0);
        for (const tag of next) expect(tag > last).toBe(true);
      });
    });

    describe("Test content discovery endpoints (listing references)", () => {
      it("GET request to nonexistent blob should result in empty 200 response", async () => {
        expect(referrersOf(await send(env, "GET", `/v2/<name>/referrers/${dummyDigest}`))).toHaveLength(0);
      });
      it("GET request to existing blob should yield 200", async () => {
        const list = referrersOf(await send(env, "GET", `/v2/<name>/referrers/${manifests[4]!.digest}`));
        expect(list).toHaveLength(5);
        expect(new Set(list.map((e) => e.digest))).toEqual(new Set(referrerAnnotations.keys()));
        expectAnnotations(list);
      });
      it("GET request to existing blob with filter should yield 200", async () => {
        const res = await send(env, "GET", `/v2/<name>/referrers/${manifests[4]!.digest}`, {
          query: { artifactType: ARTIFACT_TYPE_A },
        });
        const list = referrersOf(res);
        // The suite accepts an unfiltered list with a warning; Portcullis filters, so it must say so.
        expect(res.headers.get("oci-filters-applied")).toBe("artifactType");
        expect(list.map((e) => e.digest).sort()).toEqual([refs.aConfig.digest, refs.aLayer.digest].sort());
        expectAnnotations(list);
      });
      it("GET request to missing manifest should yield 200", async () => {
        const list = referrersOf(await send(env, "GET", `/v2/<name>/referrers/${manifests[3]!.digest}`));
        expect(list.map((e) => e.digest)).toEqual([refs.cLayer.digest]);
      });
    });

    between?.();

    describe("Teardown", () => {
      it("Delete created manifest & associated tags", async () => {
        for (const digest of [
          refsIndex.digest,
          manifests[2]!.digest,
          manifests[4]!.digest,
          refs.aConfig.digest,
          refs.aLayer.digest,
          refs.bConfig.digest,
          refs.bLayer.digest,
          refs.cLayer.digest,
        ]) {
          expect2xxOr(await send(env, "DELETE", `/v2/<name>/manifests/${digest}`), 404, 405);
        }
      });
      it("Delete config blob created in tests", async () => {
        expect2xxOr(await send(env, "DELETE", `/v2/<name>/blobs/${configs[2]!.digest}`), 404, 405);
      });
      it("Delete layer blob created in setup", async () => {
        expect2xxOr(await send(env, "DELETE", `/v2/<name>/blobs/${layer.digest}`), 404, 405);
      });
      it("References teardown", async () => {
        // Manifests before blobs, as the suite's default order; the step above deleted them already,
        // which is why 404 is accepted.
        for (const m of [refsIndex, refs.aConfig, refs.aLayer, manifests[4]!, refs.bConfig, refs.bLayer]) {
          expect2xxOr(await send(env, "DELETE", `/v2/<name>/manifests/${m.digest}`), 404, 405);
        }
        for (const blob of [configs[4]!, refBlobA, refBlobB, emptyJson]) {
          expect2xxOr(await send(env, "DELETE", `/v2/<name>/blobs/${blob.digest}`), 404, 405);
        }
      });
    });
  });
}
