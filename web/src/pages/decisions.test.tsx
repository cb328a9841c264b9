// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app";

/**
 * The decisions page's chain badge: a running walk shows its progress (not "broken at entry null")
 * and the page asks again until the walk is done; a broken chain names the row and the problem.
 */
const INFO = { version: "0.1.0", authMode: "anonymous", oidc: false, registryHost: "127.0.0.1:5000" };
const ME = { name: "anonymous", kind: "anonymous", admin: true };
const PAGE = { total: 0, page: 1, perPage: 50, items: [] };

function serve(chain: unknown[]) {
  let asked = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn((input: RequestInfo | URL) => {
      const path = new URL(String(input), "http://console.test").pathname;
      const body =
        path === "/api/v1/audit/verify"
          ? chain[Math.min(asked++, chain.length - 1)]
          : (
              { "/api/v1/system/info": INFO, "/api/v1/me": ME, "/api/v1/audit/decisions": PAGE } as Record<
                string,
                unknown
              >
            )[path];
      return Promise.resolve(
        new Response(JSON.stringify(body ?? { errors: [{ code: "NOT_FOUND", message: "no" }] }), {
          status: body === undefined ? 404 : 200,
          headers: { "content-type": "application/json" },
        }),
      );
    }),
  );
}

const STATUS = { head: null, brokenAt: null, problem: null, checkpoints: 0, total: 9 };

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("the chain badge", () => {
  it("shows a running walk's progress, then its outcome", async () => {
    serve([
      { ...STATUS, state: "running", ok: null, checked: 4 },
      { ...STATUS, state: "done", ok: true, checked: 9 },
    ]);
    window.history.replaceState(null, "", "/decisions");
    render(<App />);
    expect((await screen.findByText(/Verifying the chain… 4 of 9 entries/)).textContent).not.toMatch(
      /broken/,
    );
    // The page asks again (every 3 s) while the walk runs.
    expect(await screen.findByText("✓ chain verified (9 entries)", {}, { timeout: 5000 })).toBeTruthy();
  });

  it("names the row a break is at, with the problem as its title", async () => {
    serve([{ ...STATUS, state: "done", ok: false, checked: 6, brokenAt: 7, problem: "row 7 was changed" }]);
    window.history.replaceState(null, "", "/decisions");
    render(<App />);
    const badge = await screen.findByText("✗ chain broken at entry 7");
    expect(badge.getAttribute("title")).toBe("row 7 was changed");
  });
});
