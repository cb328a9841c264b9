// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useApi } from "./api";
import { allSettled, fetchEarly as prefetch, startEarly, takeEarly } from "./early";

/** Startup prefetch (early.ts): the page's first request is the one already under way. */
function Shows({ path }: { path: string }) {
  const { data, error } = useApi<{ n: number }>(path);
  return <p>{error ? `failed: ${error.message}` : data ? `n=${data.n}` : "loading"}</p>;
}

function stubFetch(statuses: number[]) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn((input: RequestInfo | URL) => {
      calls.push(String(input));
      const status = statuses.shift() ?? 200;
      const body =
        status === 200 ? { n: calls.length } : { errors: [{ code: "UNAUTHORIZED", message: "sign in" }] };
      return Promise.resolve(new Response(JSON.stringify(body), { status }));
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("prefetch", () => {
  it("hands its answer to the first useApi of the path, without a second request", async () => {
    const calls = stubFetch([200]);
    prefetch("/api/v1/things?page=1");
    render(<Shows path="/api/v1/things?page=1" />);
    await screen.findByText("n=1");
    expect(calls).toEqual(["/api/v1/things?page=1"]);
  });

  it("renders an answer already in hand in the first commit, with no loading state", async () => {
    const calls = stubFetch([200]);
    prefetch("/api/v1/in-hand");
    await vi.waitFor(() => expect(allSettled("/api/v1/in-hand")).toBe(true));
    render(<Shows path="/api/v1/in-hand" />);
    expect(screen.getByText("n=1")).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual(["/api/v1/in-hand"]);
  });

  it("drops a failed answer, so the page asks again (after signing in, say)", async () => {
    const calls = stubFetch([401, 200]);
    prefetch("/api/v1/other");
    await new Promise((resolve) => setTimeout(resolve, 10));
    render(<Shows path="/api/v1/other" />);
    await screen.findByText("n=2");
    expect(calls).toHaveLength(2);
  });
});

describe("startEarly", () => {
  it("asks for the session on every page and for the first rows on the Repositories page", () => {
    const calls = stubFetch([]);
    startEarly("/repositories", "?q=web&page=2");
    expect(calls).toEqual([
      "/api/v1/system/info",
      "/api/v1/me",
      "/api/v1/repositories?q=web&sort=name&order=asc&page=2&perPage=50",
    ]);
    for (const path of calls) expect(takeEarly(path)).toBeDefined();
    const more = stubFetch([]);
    startEarly("/decisions", "");
    expect(more).toEqual(["/api/v1/system/info", "/api/v1/me"]);
  });

  it("hands an answer out once, and not when it is older than ten seconds", () => {
    stubFetch([]);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      prefetch("/api/v1/once");
      expect(takeEarly("/api/v1/once")).toBeDefined();
      expect(takeEarly("/api/v1/once")).toBeUndefined();
      prefetch("/api/v1/stale");
      vi.setSystemTime(Date.now() + 10_001);
      expect(takeEarly("/api/v1/stale")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the early reads' one global", () => {
  it("is where the inline script's copy of early.ts leaves its reads for the main chunk's copy", async () => {
    const calls = stubFetch([200]);
    // What the inline script (its own bundle of early.ts) leaves behind: a read under way, by path.
    const answer = Promise.resolve({ status: 200, statusText: "OK", body: { n: 7 } });
    globalThis.__portcullisEarly = new Map();
    globalThis.__portcullisEarly.set("/api/v1/inline", { at: Date.now(), answer });
    expect(takeEarly("/api/v1/inline")).toBe(answer);
    // And this copy's reads go there too, so a second startEarly asks nothing twice.
    startEarly("/repositories", "");
    expect([...(globalThis.__portcullisEarly?.keys() ?? [])]).toEqual(calls);
    startEarly("/repositories", "");
    expect(calls).toHaveLength(3);
    for (const path of calls) takeEarly(path);
  });
});
