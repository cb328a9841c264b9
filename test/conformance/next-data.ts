import { describe, expect, it } from "vitest";
import { OCI_INDEX, OCI_MANIFEST } from "../../src/server/testing.js";
import { type ConformanceEnv, location, type Reply, send, tagsOf } from "./http.js";
import type { Descriptor, TestData } from "./next-data-gen.js";
import { dataSets } from "./next-data-sets.js";
import { postPut } from "./next-pushes.js";

/** The suite sends both index and image as acceptable (two Accept lines; one list here). */
const ACCEPT = { Accept: `${OCI_INDEX}, ${OCI_MANIFEST}` };

function mediaTypeOf(body: Buffer): string {
  return (JSON.parse(body.toString()) as { mediaType: string }).mediaType;
}

/** A stored manifest answers with its exact bytes, type, length and digest (ManifestGetExists). */
function expectManifest(res: Reply, body: Buffer, digest: string, head: boolean): void {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(mediaTypeOf(body));
  expect(res.headers.get("content-length")).toBe(String(body.length));
  expect(res.headers.get("docker-content-digest")).toBe(digest);
  if (head) expect(res.body.length).toBe(0);
  else expect(res.body.equals(body)).toBe(true);
}

function sameReferrer(entry: Descriptor, goal: Descriptor): boolean {
  return (
    entry.digest === goal.digest &&
    entry.mediaType === goal.mediaType &&
    entry.size === goal.size &&
    entry.artifactType === goal.artifactType &&
    Object.entries(goal.annotations ?? {}).every(([k, v]) => entry.annotations?.[k] === v)
  );
}

/**
 * The development suite's per-data-set run (TestPush, TestList, TestHead, TestPull, TestReferrers,
 * TestDelete): blobs, then manifests by digest in order (with `?tag=` where the set says so), then
 * tags; list, HEAD and GET everything; the referrers of each subject, whole and filtered; then delete
 * tags, manifests (last first) and blobs, each gone at once.
 */
export function nextDataChecks(env: ConformanceEnv): void {
  const repo = "conformance/next-data";
  const path = (kind: string, ref: string) => `/v2/${repo}/${kind}/${ref}`;

  describe.each(dataSets().map((td) => [td.name, td] as const))("%s", (_name, td: TestData) => {
    const pushedTags = new Set<string>();

    it("push: blobs, manifests by digest, then tags", async () => {
      for (const [digest, bytes] of td.blobs) await postPut(env, repo, { digest, content: bytes });
      for (const digest of td.manOrder) {
        const body = td.manifests.get(digest)!;
        const tags = td.tagParam ? [...td.tags].filter(([, d]) => d === digest).map(([t]) => t) : [];
        const query = new URLSearchParams(tags.map((t): [string, string] => ["tag", t]));
        const res = await send(env, "PUT", `${path("manifests", digest)}${tags.length ? `?${query}` : ""}`, {
          headers: { "Content-Type": mediaTypeOf(body) },
          body,
        });
        if (td.badDigest.has(digest)) {
          expect(res.status).toBe(400);
          continue;
        }
        expect(res.status, res.body.toString().slice(0, 300)).toBe(201);
        expect(res.headers.get("docker-content-digest")).toBe(digest);
        const subject = (JSON.parse(body.toString()) as { subject?: Descriptor }).subject;
        if (subject) expect(res.headers.get("oci-subject")).toBe(subject.digest);
        const named = (res.headers.get("oci-tag") ?? "").split(",").map((t) => t.trim());
        for (const tag of tags) {
          expect(named).toContain(tag);
          pushedTags.add(tag);
        }
        expectManifest(await send(env, "GET", location(res), { headers: ACCEPT }), body, digest, false);
      }
      for (const [tag, digest] of td.tags) {
        if (pushedTags.has(tag)) continue;
        const body = td.manifests.get(digest)!;
        const res = await send(env, "PUT", path("manifests", tag), {
          headers: { "Content-Type": mediaTypeOf(body) },
          body,
        });
        expect(res.status).toBe(201);
        pushedTags.add(tag);
      }
    });

    it("tag-list: every tag is listed, and `last` splits the list", async () => {
      const res = await send(env, "GET", `/v2/${repo}/tags/list`);
      if (td.tags.size === 0) return expect([200, 404]).toContain(res.status);
      expect(res.status).toBe(200);
      const listed = tagsOf(res);
      for (const tag of td.tags.keys()) expect(listed).toContain(tag);
      if (listed.length < 2) return;
      const sorted = [...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const end = Math.floor(sorted.length / 2);
      const partial = tagsOf(
        await send(env, "GET", `/v2/${repo}/tags/list`, { query: { last: sorted[end - 1]! } }),
      );
      expect(partial).toEqual(sorted.slice(end));
    });

    for (const method of ["HEAD", "GET"] as const) {
      it(`${method === "HEAD" ? "head" : "pull"}: manifests by tag and digest, and blobs`, async () => {
        for (const [tag, digest] of td.tags) {
          const res = await send(env, method, path("manifests", tag), { headers: ACCEPT });
          expectManifest(res, td.manifests.get(digest)!, digest, method === "HEAD");
        }
        for (const digest of td.manOrder) {
          if (td.badDigest.has(digest)) continue;
          const res = await send(env, method, path("manifests", digest), { headers: ACCEPT });
          expectManifest(res, td.manifests.get(digest)!, digest, method === "HEAD");
        }
        for (const [digest, bytes] of td.blobs) {
          const res = await send(env, method, path("blobs", digest));
          expect(res.status).toBe(200);
          expect(res.headers.get("content-length")).toBe(String(bytes.length));
          expect(res.headers.get("docker-content-digest")).toBe(digest);
          if (method === "GET") expect(res.body.equals(bytes)).toBe(true);
        }
      });
    }

    if (td.referrers.size > 0) {
      it("referrers: each subject lists its referrers, whole and filtered by artifactType", async () => {
        for (const [subject, goals] of td.referrers) {
          const all = await send(env, "GET", path("referrers", subject));
          expect(all.status).toBe(200);
          expect(all.headers.get("content-type")).toBe(OCI_INDEX);
          const index = JSON.parse(all.body.toString()) as {
            schemaVersion: number;
            mediaType: string;
            manifests: Descriptor[];
          };
          expect(index.schemaVersion).toBe(2);
          expect(index.mediaType).toBe(OCI_INDEX);
          for (const goal of goals)
            expect(
              index.manifests.some((e) => sameReferrer(e, goal)),
              goal.digest,
            ).toBe(true);
          for (const artifactType of new Set(goals.map((g) => g.artifactType!))) {
            const res = await send(env, "GET", path("referrers", subject), { query: { artifactType } });
            expect(res.headers.get("oci-filters-applied")).toBe("artifactType");
            const list = (JSON.parse(res.body.toString()) as { manifests: Descriptor[] }).manifests;
            for (const goal of goals.filter((g) => g.artifactType === artifactType)) {
              expect(list.some((e) => sameReferrer(e, goal))).toBe(true);
            }
            for (const entry of list) expect(entry.artifactType).toBe(artifactType);
          }
        }
      });
    }

    it("delete: tags, manifests last first, then blobs, each gone at once", async () => {
      for (const tag of pushedTags) {
        expect((await send(env, "DELETE", path("manifests", tag))).status).toBe(202);
        expect((await send(env, "HEAD", path("manifests", tag))).status).toBe(404);
      }
      for (const digest of [...td.manOrder].reverse()) {
        const res = await send(env, "DELETE", path("manifests", digest));
        expect(res.status).toBe(td.badDigest.has(digest) ? 404 : 202);
        expect((await send(env, "HEAD", path("manifests", digest))).status).toBe(404);
      }
      for (const digest of td.blobs.keys()) {
        expect((await send(env, "DELETE", path("blobs", digest))).status).toBe(202);
        expect((await send(env, "HEAD", path("blobs", digest))).status).toBe(404);
      }
    });
  });
}
