// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../app";
import { matchRoute } from "../router";
import { ruleOf } from "./retention-tab";
import { quotaBytes, quotaText, ruleLines } from "./settings-tab";

/**
 * The administration pages against a fake /api/v1 (the real one is driven by
 * test/e2e/console-admin.test.ts): what each kind of caller is offered, that server text (names, error
 * messages) stays text, and the form helpers.
 */
const HOSTILE = `<img src=x onerror="globalThis.pwned=1">`;
const INFO = { version: "0.1.0", authMode: "accounts", oidc: false, registryHost: "127.0.0.1:5000" };
const PROJECT = {
  name: "team",
  public: false,
  settings: { immutableTags: ["v*"], quotaBytes: 3 * 1024 ** 3 },
  usage: { bytes: 1024, quotaBytes: 3 * 1024 ** 3 },
  createdAt: "2026-12-07T10:00:00Z",
};
const GRANT = (permissions: string[]) => ({ project: "team", repositories: ["*"], permissions });
const DEVELOPER = [
  "project.read",
  "repository.pull",
  "scan.read",
  "member.read",
  "audit.read",
  "repository.push",
];
const MAINTAINER = [...DEVELOPER, "repository.delete", "retention.write", "immutability.write", "robot.read"];
const PROJECT_ADMIN = [...MAINTAINER, "project.write", "member.write", "robot.write"];

function serve(me: unknown, writes: Record<string, { status: number; body: unknown }> = {}) {
  const answers: Record<string, unknown> = {
    "/api/v1/system/info": INFO,
    "/api/v1/me": me,
    "/api/v1/projects": { projects: [PROJECT] },
    "/api/v1/projects/team": PROJECT,
    "/api/v1/projects/team/members": {
      members: [{ id: 1, kind: "user", name: HOSTILE, role: "developer", repositories: ["*"] }],
    },
    "/api/v1/projects/team/robots": { robots: [] },
    "/api/v1/projects/team/retention": { rules: [{ keep: "latestPushed", count: 3, tags: "v*" }] },
    "/api/v1/roles": { roles: [{ name: "developer", description: "", builtin: true, permissions: [] }] },
    "/api/v1/repositories": { total: 0, page: 1, perPage: 50, items: [] },
  };
  vi.stubGlobal(
    "fetch",
    vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
      const path = decodeURIComponent(new URL(String(input), "http://console.test").pathname);
      const write = init?.method && init.method !== "GET" ? writes[`${init.method} ${path}`] : undefined;
      const body = write ? write.body : answers[path];
      const status = write ? write.status : body === undefined ? 404 : 200;
      return Promise.resolve(
        new Response(
          status === 204 ? null : JSON.stringify(body ?? { errors: [{ code: "NOT_FOUND", message: "no" }] }),
          {
            status,
            headers: { "content-type": "application/json" },
          },
        ),
      );
    }),
  );
}

/** The main navigation's link to the administration, if offered. */
function adminLink(): HTMLElement | null {
  return within(screen.getByRole("navigation", { name: "Main" })).queryByRole("link", {
    name: "Administration",
  });
}

async function open(path: string, marker: string | RegExp): Promise<HTMLElement> {
  window.history.replaceState(null, "", path);
  const { container } = render(<App />);
  await screen.findAllByText(marker, {}, { timeout: 5000 });
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  return container;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("what the administration offers", () => {
  it("offers a system administrator every tab and form, and shows names as text", async () => {
    serve({ name: "root", kind: "user", admin: true, systemPermissions: ["system.projects"], grants: [] });
    const container = await open("/admin/projects/team", /Add a member/);
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual([
      "Members",
      "Robots",
      "Settings",
      "Retention",
    ]);
    expect(adminLink()).not.toBeNull();
    expect(container.textContent).toContain(HOSTILE);
    expect(container.querySelector("img")).toBeNull();
  });

  it("offers a project admin the project's forms but not creating projects", async () => {
    serve({
      name: "lead",
      kind: "user",
      admin: false,
      systemPermissions: [],
      grants: [GRANT(PROJECT_ADMIN)],
    });
    await open("/admin", "team");
    expect(adminLink()).not.toBeNull();
    expect(screen.queryByRole("button", { name: "Create project" })).toBeNull();
    cleanup();
    await open("/admin/projects/team?tab=settings", /Storage quota/);
    expect(screen.getByRole("button", { name: "Save settings" })).toBeTruthy();
    // 3 GiB stored: shown as 3 GiB, not as bytes.
    expect((screen.getByLabelText(/Storage quota/) as HTMLInputElement).value).toBe("3");
    expect((screen.getByLabelText("Unit") as HTMLSelectElement).value).toBe("GiB");
  });

  it("offers a developer no link, no write form and no write button", async () => {
    serve({ name: "dev", kind: "user", admin: false, systemPermissions: [], grants: [GRANT(DEVELOPER)] });
    await open("/admin/projects/team", /Members of team/);
    expect(adminLink()).toBeNull();
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual([
      "Members",
      "Settings",
      "Retention",
    ]);
    expect(screen.queryByRole("button", { name: /Add member|Remove/ })).toBeNull();
    cleanup();
    await open("/admin/projects/team?tab=retention", /Retention rules/);
    expect(screen.queryByRole("button", { name: /Add rule|Save rules|Dry run|Run now/ })).toBeNull();
    expect(screen.getByLabelText(/Rule 1: repositories/).matches(":disabled")).toBe(true);
  });

  it("shows the API's refusal as text", async () => {
    serve(
      { name: "lead", kind: "user", admin: false, systemPermissions: [], grants: [GRANT(PROJECT_ADMIN)] },
      {
        "POST /api/v1/projects/team/members": {
          status: 400,
          body: { errors: [{ code: "INVALID", message: `no user ${HOSTILE}` }] },
        },
      },
    );
    const container = await open("/admin/projects/team?tab=members", /Add a member/);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "ghost" } });
    fireEvent.click(screen.getByRole("button", { name: "Add member" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(`no user ${HOSTILE} (INVALID)`);
    expect(container.querySelector("img")).toBeNull();
  });
});

describe("what the forms send", () => {
  it("removes a member by its grant's id and reloads the list", async () => {
    serve(
      { name: "lead", kind: "user", admin: false, systemPermissions: [], grants: [GRANT(PROJECT_ADMIN)] },
      { "DELETE /api/v1/projects/team/members/1": { status: 204, body: null } },
    );
    await open("/admin/projects/team?tab=members", /Add a member/);
    const fetches = vi.mocked(fetch).mock.calls;
    const before = fetches.length;
    fireEvent.click(screen.getByRole("button", { name: `Remove user ${HOSTILE} (developer)` }));
    await vi.waitFor(() => expect(fetches.length).toBeGreaterThan(before + 1));
    const [url, init] = fetches[before]!;
    expect([String(url), init?.method]).toEqual(["/api/v1/projects/team/members/1", "DELETE"]);
    expect(String(fetches[before + 1]![0])).toBe("/api/v1/projects/team/members");
  });

  it("lets a maintainer save the immutable-tag rules alone, visibility and quota read-only", async () => {
    serve(
      { name: "keeper", kind: "user", admin: false, systemPermissions: [], grants: [GRANT(MAINTAINER)] },
      { "PATCH /api/v1/projects/team": { status: 200, body: PROJECT } },
    );
    await open("/admin/projects/team?tab=settings", /Storage quota/);
    expect(adminLink()).not.toBeNull();
    expect(screen.getByLabelText(/Storage quota/).matches(":disabled")).toBe(true);
    expect(screen.getByLabelText(/Public/).matches(":disabled")).toBe(true);
    fireEvent.change(screen.getByLabelText(/Immutable tags/), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Saved.");
    const patch = vi.mocked(fetch).mock.calls.find(([, init]) => init?.method === "PATCH")!;
    expect(JSON.parse(String(patch[1]!.body))).toEqual({ settings: { immutableTags: null } });
  });

  it("saves the fields it edits, each key set or removed (null), others kept by the server", async () => {
    serve(
      { name: "lead", kind: "user", admin: false, systemPermissions: [], grants: [GRANT(PROJECT_ADMIN)] },
      { "PATCH /api/v1/projects/team": { status: 200, body: PROJECT } },
    );
    await open("/admin/projects/team?tab=settings", /Storage quota/);
    fireEvent.change(screen.getByLabelText(/Storage quota/), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText(/Immutable tags/), { target: { value: "v*\nrelease-*" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await screen.findByText("Saved.");
    const patch = vi.mocked(fetch).mock.calls.find(([, init]) => init?.method === "PATCH")!;
    expect(JSON.parse(String(patch[1]!.body))).toEqual({
      public: false,
      settings: { quotaBytes: null, immutableTags: ["v*", "release-*"] },
    });
  });
});

describe("the forms' helpers", () => {
  it("reads quotas in units and shows stored ones in the largest whole unit", () => {
    expect(quotaBytes("", "GiB")).toBeUndefined();
    expect(quotaBytes("1.5", "MiB")).toBe(1.5 * 1024 ** 2);
    expect(() => quotaBytes("-1", "KiB")).toThrow(/0 or more/);
    expect(() => quotaBytes("lots", "KiB")).toThrow(/number of KiB/);
    expect(quotaText(2 * 1024 ** 3)).toEqual({ amount: "2", unit: "GiB" });
    expect(quotaText(512 * 1024 ** 2)).toEqual({ amount: "512", unit: "MiB" });
    expect(quotaText(15 * 1024)).toEqual({ amount: "15", unit: "KiB" });
    expect(quotaText(undefined)).toEqual({ amount: "", unit: "GiB" });
  });

  it("keeps one immutable-tag rule a line", () => {
    expect(ruleLines("v*\n\n  app/*:release-*  \n")).toEqual(["v*", "app/*:release-*"]);
  });

  it("turns a retention draft into the API's rule, with count or days as the kind needs", () => {
    const base = { repositories: " ", tags: "v*", untagged: true, amount: "7" };
    expect(ruleOf({ ...base, keep: "latestPushed" })).toEqual({
      repositories: "*",
      tags: "v*",
      untagged: true,
      keep: "latestPushed",
      count: 7,
    });
    expect(ruleOf({ ...base, keep: "pulledWithin" })).toMatchObject({ days: 7 });
    expect(ruleOf({ ...base, keep: "always" })).not.toHaveProperty("count");
  });

  it("routes a project's administration by name", () => {
    expect(matchRoute("/admin/projects/team")).toEqual({ page: "admin-project", name: "team" });
    expect(matchRoute("/admin/projects/team/extra")).toEqual({ page: "not-found" });
  });
});
