import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  errorCode,
  OCI_MANIFEST,
  pushImage,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../testing.js";

const TAGS = ["v1.9", "latest", "b", "A", "v1.10", "a", "B", "_x", "0", "Z-9"];
/** Byte order (what the specification's "lexical order" means, and what Distribution answers). */
const SORTED = [...TAGS].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

/** Follows `Link: <...>; rel="next"` from `first`; returns every page's body and the pages' count. */
async function follow<T>(base: string, first: string, pick: (body: T) => string[]) {
  const items: string[] = [];
  let next: string | undefined = first;
  let pages = 0;
  while (next) {
    const res = await fetch(new URL(next, base));
    expect(res.status).toBe(200);
    items.push(...pick((await res.json()) as T));
    pages += 1;
    const link = res.headers.get("link");
    if (link) {
      const m = link.match(/^<([^>]+)>;\s*rel="next"$/);
      expect(m).not.toBeNull();
      next = m![1]!;
    } else {
      next = undefined;
    }
    if (pages > 50) throw new Error("pagination does not end");
  }
  return { items, pages };
}

/** OCI Distribution Spec 1.1 "Listing Tags" and the catalog extension, over HTTP, on every database. */
describe.each(testDatabases())("discovery (%s)", (database) => {
  let server: TestServer;
  let url: string;
  const repo = "discovery/app";

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
    const image = await pushImage(url, repo);
    for (const tag of TAGS) {
      const res = await putManifest(url, repo, tag, image.manifest, OCI_MANIFEST);
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => server.close());

  it("lists tags in lexical (byte) order", async () => {
    const res = await fetch(`${url}/v2/${repo}/tags/list`);
    expect(res.status).toBe(200);
    expect(res.headers.get("link")).toBeNull();
    expect(await res.json()).toEqual({ name: repo, tags: SORTED });
    expect(SORTED.slice(0, 9)).toEqual(["0", "A", "B", "Z-9", "_x", "a", "b", "latest", "v1.10"]);
  });

  it("n truncates with a Link to the rest; following it reaches the end", async () => {
    const res = await fetch(`${url}/v2/${repo}/tags/list?n=3`);
    expect(await res.json()).toEqual({ name: repo, tags: SORTED.slice(0, 3) });
    const link = res.headers.get("link");
    expect(link).toMatch(/^<\/v2\/discovery\/app\/tags\/list\?[^>]+>; rel="next"$/);
    const all = await follow<{ tags: string[] }>(url, `/v2/${repo}/tags/list?n=3`, (b) => b.tags);
    expect(all.items).toEqual(SORTED);
    expect(all.pages).toBe(Math.ceil(SORTED.length / 3));
  });

  it("last starts after the given tag", async () => {
    const res = await fetch(`${url}/v2/${repo}/tags/list?last=b`);
    expect(await res.json()).toEqual({ name: repo, tags: SORTED.filter((t) => t > "b") });
    const page = await fetch(`${url}/v2/${repo}/tags/list?n=2&last=B`);
    expect(await page.json()).toEqual({ name: repo, tags: ["Z-9", "_x"] });
    expect(page.headers.get("link")).toContain("last=_x");
  });

  it("n equal to the number of tags gives them all, and a following page is empty", async () => {
    const res = await fetch(`${url}/v2/${repo}/tags/list?n=${SORTED.length}`);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(SORTED);
    const after = await fetch(`${url}/v2/${repo}/tags/list?n=5&last=${SORTED.at(-1)}`);
    expect(((await after.json()) as { tags: string[] }).tags).toEqual([]);
    expect(after.headers.get("link")).toBeNull();
  });

  it("an invalid n is 400", async () => {
    const res = await fetch(`${url}/v2/${repo}/tags/list?n=-1`);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it("an unknown repository is 404 NAME_UNKNOWN", async () => {
    const res = await fetch(`${url}/v2/discovery/unknown/tags/list`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NAME_UNKNOWN");
  });

  it("a repository that only an upload touched is NAME_UNKNOWN too (as Distribution answers)", async () => {
    const started = await fetch(`${url}/v2/discovery/blobs-only/blobs/uploads/`, { method: "POST" });
    expect(started.status).toBe(202);
    const res = await fetch(`${url}/v2/discovery/blobs-only/tags/list`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NAME_UNKNOWN");
  });

  it("the catalog lists repositories with manifests in order, with pagination", async () => {
    const catalog = await startTestServer({ database });
    try {
      const names = ["zeta", "alpha/one", "alpha/two", "beta", "alpha", "a-b/c"];
      for (const name of names) await pushImage(catalog.url, name, { tag: "v1" });
      // Blobs alone do not make a repository show up.
      await fetch(`${catalog.url}/v2/blobs-only/blobs/uploads/`, { method: "POST" });
      const sorted = [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      const res = await fetch(`${catalog.url}/v2/_catalog`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ repositories: sorted });
      const first = await fetch(`${catalog.url}/v2/_catalog?n=2`);
      expect(await first.json()).toEqual({ repositories: sorted.slice(0, 2) });
      expect(first.headers.get("link")).toMatch(/^<\/v2\/_catalog\?[^>]+>; rel="next"$/);
      const all = await follow<{ repositories: string[] }>(
        catalog.url,
        "/v2/_catalog?n=2",
        (b) => b.repositories,
      );
      expect(all.items).toEqual(sorted);
      const after = await fetch(`${catalog.url}/v2/_catalog?last=alpha/two`);
      expect(await after.json()).toEqual({ repositories: sorted.filter((n) => n > "alpha/two") });
    } finally {
      await catalog.close();
    }
  });
});

/** Deleting tags, manifests and blobs (distribution spec "Content Management"). */
describe.each(testDatabases())("deletion (%s)", (database) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
  });
  afterAll(() => server.close());

  const tags = async (repo: string) =>
    ((await (await fetch(`${url}/v2/${repo}/tags/list`)).json()) as { tags: string[] }).tags;
  const status = async (path: string) => (await fetch(`${url}${path}`, { method: "HEAD" })).status;

  it("DELETE by tag removes only that tag", async () => {
    const repo = "deletion/tag";
    const image = await pushImage(url, repo, { tag: "one" });
    await putManifest(url, repo, "two", image.manifest, OCI_MANIFEST);
    const res = await fetch(`${url}/v2/${repo}/manifests/one`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect(await status(`/v2/${repo}/manifests/one`)).toBe(404);
    expect(await status(`/v2/${repo}/manifests/two`)).toBe(200);
    expect(await status(`/v2/${repo}/manifests/${image.digest}`)).toBe(200);
    expect(await tags(repo)).toEqual(["two"]);
    const again = await fetch(`${url}/v2/${repo}/manifests/one`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("MANIFEST_UNKNOWN");
  });

  it("DELETE by digest removes the manifest and its tags", async () => {
    const repo = "deletion/manifest";
    const image = await pushImage(url, repo, { tag: "x" });
    await putManifest(url, repo, "y", image.manifest, OCI_MANIFEST);
    const other = await pushImage(url, repo, { tag: "z" });
    const res = await fetch(`${url}/v2/${repo}/manifests/${image.digest}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect(await status(`/v2/${repo}/manifests/${image.digest}`)).toBe(404);
    expect(await status(`/v2/${repo}/manifests/x`)).toBe(404);
    expect(await status(`/v2/${repo}/manifests/${other.digest}`)).toBe(200);
    expect(await tags(repo)).toEqual(["z"]);
    const again = await fetch(`${url}/v2/${repo}/manifests/${image.digest}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("MANIFEST_UNKNOWN");
  });

  it("DELETE of a blob is 202, then 404", async () => {
    const repo = "deletion/blob";
    const image = await pushImage(url, repo);
    const path = `/v2/${repo}/blobs/${image.layers[0]!.digest}`;
    const res = await fetch(`${url}${path}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect(await status(path)).toBe(404);
    const again = await fetch(`${url}${path}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("BLOB_UNKNOWN");
  });

  it("with deletion disabled every DELETE is 405 UNSUPPORTED and nothing changes", async () => {
    const locked = await startTestServer({ database, registry: { deletion: false } });
    try {
      const repo = "deletion/locked";
      const image = await pushImage(locked.url, repo, { tag: "keep" });
      const paths = [
        `/v2/${repo}/manifests/keep`,
        `/v2/${repo}/manifests/${image.digest}`,
        `/v2/${repo}/blobs/${image.layers[0]!.digest}`,
        `/v2/${repo}/blobs/${image.config.digest}`,
        `/v2/${repo}/manifests/absent`,
      ];
      for (const path of paths) {
        const res = await fetch(`${locked.url}${path}`, { method: "DELETE" });
        expect(res.status).toBe(405);
        expect(await errorCode(res)).toBe("UNSUPPORTED");
      }
      for (const path of paths.slice(0, 4)) {
        expect((await fetch(`${locked.url}${path}`, { method: "HEAD" })).status).toBe(200);
      }
    } finally {
      await locked.close();
    }
  });
});
