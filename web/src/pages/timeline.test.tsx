// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app";
import { matchRoute } from "../router";
import type { TimelineAnswer } from "./timeline";

/** A timeline page against a fake /api/v1: entries in order, payload text kept as text, never markup. */
const HOSTILE = `<img src=x onerror="globalThis.pwned=1">`;
const DIGEST = `sha256:${"ab".repeat(32)}`;
const TIMELINE: TimelineAnswer = {
  subject: { image: `team/app@${DIGEST}` },
  digests: [DIGEST],
  size: 40,
  entries: [
    {
      index: 3,
      at: Date.UTC(2026, 11, 1, 10),
      kind: "build.provenance",
      summary: "built",
      payload: { builderId: HOSTILE, source: { uri: "git+https://example.com/app" }, verified: true },
    },
    {
      index: 1,
      at: Date.UTC(2026, 11, 1, 11),
      kind: "image.scanned",
      summary: "scan finished",
      payload: { status: "done", counts: { critical: 2 } },
    },
    {
      index: 7,
      at: Date.UTC(2026, 11, 1, 12),
      kind: "runtime.alert",
      actor: HOSTILE,
      summary: HOSTILE,
      payload: {},
    },
  ],
  scans: [{ digest: DIGEST, status: "done", counts: { high: 1 } }],
  mightHaveDone: {
    exposure: {
      index: 5,
      at: Date.UTC(2026, 11, 1, 11, 30),
      spec: {
        hostNetwork: true,
        hostPaths: [{ volume: "root", path: "/" }],
        containers: [
          { name: HOSTILE, securityContext: { privileged: true, capabilitiesAdd: ["SYS_ADMIN"] } },
        ],
      },
    },
    riskyPackages: [{ digest: DIGEST, kind: "shell", name: "bash", version: "5.2" }],
  },
};
const INFO = { version: "0.1.0", authMode: "anonymous", oidc: false, registryHost: "127.0.0.1:5000" };
const ME = { name: "anonymous", kind: "anonymous", admin: true, systemPermissions: [], grants: [] };

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the timeline page", () => {
  it("is the /timeline route", () => {
    expect(matchRoute("/timeline")).toEqual({ page: "timeline" });
  });

  it("lists entries in the server's order with their details, findings now and exposure, as text", async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn((input: RequestInfo | URL) => {
        const url = new URL(String(input), "http://console.test");
        asked.push(url.pathname + url.search);
        const body =
          url.pathname === "/api/v1/audit/timeline"
            ? TIMELINE
            : url.pathname === "/api/v1/system/info"
              ? INFO
              : url.pathname === "/api/v1/me"
                ? ME
                : undefined;
        return Promise.resolve(
          new Response(JSON.stringify(body ?? { errors: [{ code: "NOT_FOUND", message: "no" }] }), {
            status: body === undefined ? 404 : 200,
            headers: { "content-type": "application/json" },
          }),
        );
      }),
    );
    window.history.replaceState(null, "", `/timeline?image=${encodeURIComponent(`team/app@${DIGEST}`)}`);
    const { container } = render(<App />);
    await screen.findByText("scan finished", {}, { timeout: 5000 });
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const rows = [...container.querySelectorAll("tbody tr")].map(
      (r) => r.querySelectorAll("td")[1]!.textContent,
    );
    expect(rows).toEqual(["build.provenance", "image.scanned", "runtime.alert"]);
    expect(container.textContent).toContain("findings then: critical 2");
    expect(container.textContent).toContain("high 1");
    expect(container.textContent).toContain("hostNetwork");
    expect(container.textContent).toContain("adds SYS_ADMIN");
    expect(container.textContent).toContain("shell: bash 5.2");
    expect(container.textContent).toContain(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
    expect(
      asked.some(
        (a) => a.startsWith("/api/v1/audit/timeline?image=team%2Fapp%40sha256") && a.includes("proofs=false"),
      ),
    ).toBe(true);
  });
});
