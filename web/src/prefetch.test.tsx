// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { prefetch, useApi } from "./api";

/** Startup prefetch (app.tsx, startEarly): the page's first request is the one already under way. */
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

  it("drops a failed answer, so the page asks again (after signing in, say)", async () => {
    const calls = stubFetch([401, 200]);
    prefetch("/api/v1/other");
    await new Promise((resolve) => setTimeout(resolve, 10));
    render(<Shows path="/api/v1/other" />);
    await screen.findByText("n=2");
    expect(calls).toHaveLength(2);
  });
});
