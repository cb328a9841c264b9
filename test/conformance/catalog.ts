import { describe, expect, it } from "vitest";
import { pushImage } from "../../src/server/testing.js";
import { type ConformanceEnv, type Reply, send } from "./http.js";

/** Repositories pushed only for the catalog checks, beside the suite's namespace. */
const EXTRA = ["catalog/a", "catalog/b", "catalog/c"];

function repositoriesOf(reply: Reply): string[] {
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body.toString("utf8")) as { repositories: string[] }).repositories;
}

/** The `next` target of `Link: <...>; rel="next"`, or undefined on the last page. */
function nextOf(reply: Reply): string | undefined {
  const link = reply.headers.get("link");
  if (link === null) return undefined;
  const m = link.match(/^<([^>]+)>;\s*rel="next"$/);
  expect(m, `Link header ${link}`).not.toBeNull();
  return m![1];
}

/**
 * The catalog (`GET /v2/_catalog`). The OCI suite has no catalog checks: the endpoint is Distribution's
 * ("Listing Repositories" in distribution/distribution docs/spec/api.md), kept by every peer registry
 * and used by `crane catalog` and `regctl repo ls`. Its paging is the tag list's: `n` caps a page,
 * `last` starts after a name, and `Link: <...?n=&last=>; rel="next"` names the next page while there
 * is one. Portcullis lists repositories that hold a manifest, in lexical (byte) order.
 */
export function catalogChecks(env: ConformanceEnv): void {
  describe("Test content discovery endpoints (listing repositories)", () => {
    let all: string[] = [];

    it("Populate registry with repositories", async () => {
      for (const [i, name] of EXTRA.entries())
        await pushImage(env.url, name, { tag: "v1", seed: `catalog ${i}` });
    });
    it("GET request to list repositories should yield 200 response in lexical order", async () => {
      const res = await send(env, "GET", "/v2/_catalog");
      all = repositoriesOf(res);
      expect(res.headers.get("link")).toBeNull();
      // The cross-mount namespace holds a mounted blob and no manifest, so it is not a repository yet.
      expect(all).toEqual([...EXTRA, env.name].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
    it("GET number of repositories should be limitable by `n` query parameter", async () => {
      const res = await send(env, "GET", "/v2/_catalog", { query: { n: "2" } });
      expect(repositoriesOf(res)).toEqual(all.slice(0, 2));
      const next = new URL(nextOf(res)!, env.url);
      expect(next.pathname).toBe("/v2/_catalog");
      expect(next.searchParams.get("n")).toBe("2");
      expect(next.searchParams.get("last")).toBe(all[1]);
    });
    it("GET start of repositories is set by `last` query parameter", async () => {
      const res = await send(env, "GET", "/v2/_catalog", { query: { n: "2", last: all[0]! } });
      expect(repositoriesOf(res)).toEqual(all.slice(1, 3));
    });
    it("Following the Link header should list every repository once, the last page without a Link", async () => {
      const seen: string[] = [];
      let next: string | undefined = "/v2/_catalog?n=1";
      for (let pages = 0; next !== undefined; pages++) {
        expect(pages).toBeLessThan(all.length + 1);
        const res = await send(env, "GET", next);
        seen.push(...repositoriesOf(res));
        next = nextOf(res);
      }
      expect(seen).toEqual(all);
    });
  });
}
