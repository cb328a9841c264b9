// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ROBOT_SYSTEM_PERMISSIONS as ROBOT_SYSTEM_TABLE,
  PROJECT_PERMISSIONS as TABLE,
} from "../../../src/auth/permissions";
import { App } from "../app";
import { matchRoute } from "../router";
import { grantsOf } from "./system-robots-tab";
import { PROJECT_PERMISSIONS, ROBOT_SYSTEM_PERMISSIONS } from "./types";

/**
 * The system administration (users, groups, roles, system robots) against a fake /api/v1 (the real one
 * is driven by test/e2e/console-system.test.ts): who is offered what, what the forms send, that secrets
 * are shown once in a dialog and server text stays text.
 */
const HOSTILE = `<img src=x onerror="globalThis.pwned=1">`;
const INFO = { version: "0.1.0", authMode: "accounts", oidc: false, registryHost: "127.0.0.1:5000" };
const ROOT = {
  name: "root",
  kind: "user",
  admin: true,
  systemPermissions: ["system.users", "system.roles", "system.robots", "system.projects"],
  grants: [],
};
const USER = (name: string, extra: object = {}) => ({
  name,
  email: null,
  source: "local",
  admin: false,
  disabled: false,
  mustChangePassword: false,
  createdAt: "2026-12-07T10:00:00Z",
  ...extra,
});
const ROBOT = {
  name: "robot$ci",
  description: "",
  grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
  systemPermissions: ["runtime.write"],
  expiresAt: null,
  expired: false,
  disabled: false,
  createdBy: "root",
  createdAt: "2026-12-07T10:00:00Z",
};

function serve(me: unknown, writes: Record<string, { status: number; body: unknown }> = {}) {
  const answers: Record<string, unknown> = {
    "/api/v1/system/info": INFO,
    "/api/v1/me": me,
    "/api/v1/projects": {
      projects: [
        {
          name: "team",
          public: false,
          settings: {},
          usage: { bytes: 0, quotaBytes: null },
          createdAt: "2026-12-07T10:00:00Z",
        },
      ],
    },
    "/api/v1/users": { users: [USER("root", { admin: true }), USER(HOSTILE, { disabled: true })] },
    "/api/v1/groups": { groups: [{ name: "ops", members: [HOSTILE] }] },
    "/api/v1/roles": {
      roles: [
        { name: "guest", description: "reads", builtin: true, permissions: ["project.read"] },
        { name: "auditor", description: HOSTILE, builtin: false, permissions: ["audit.read"] },
      ],
    },
    "/api/v1/robots": { robots: [ROBOT] },
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
          { status, headers: { "content-type": "application/json" } },
        ),
      );
    }),
  );
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

/** The JSON body of the first `method` request to `path`. */
function sent(method: string, path: string): unknown {
  const call = vi
    .mocked(fetch)
    .mock.calls.find(([url, init]) => String(url) === path && init?.method === method);
  if (!call) throw new Error(`no ${method} ${path}`);
  return call[1]?.body === undefined ? undefined : JSON.parse(String(call[1].body));
}

// jsdom has <dialog> but not its modal methods: the secret dialogs open with showModal(), close with close().
beforeEach(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
    this.dispatchEvent(new Event("close"));
  };
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("who is offered the system administration", () => {
  it("offers an administrator every tab, linked from the administration page, names as text", async () => {
    serve(ROOT);
    await open("/admin", "team");
    fireEvent.click(screen.getByRole("link", { name: "System administration" }));
    const container = await screen.findByRole("heading", { name: "System administration" });
    expect(container).toBeTruthy();
    await screen.findByText("Create a user");
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual([
      "Users",
      "Groups",
      "Roles",
      "System robots",
    ]);
    expect(screen.getByText(HOSTILE)).toBeTruthy();
    expect(document.querySelector("main img")).toBeNull();
    // One's own account offers no disable or delete.
    expect(screen.queryByRole("button", { name: "Delete root" })).toBeNull();
    expect(screen.getByRole("button", { name: `Enable ${HOSTILE}` })).toBeTruthy();
  });

  it("offers a project admin no link and no tab", async () => {
    const grants = [{ project: "team", repositories: ["*"], permissions: ["project.write", "member.write"] }];
    serve({ name: "lead", kind: "user", admin: false, systemPermissions: [], grants });
    await open("/admin", "team");
    expect(screen.queryByRole("link", { name: "System administration" })).toBeNull();
    cleanup();
    await open("/admin/system", /needs a system permission/);
    expect(screen.queryAllByRole("tab")).toEqual([]);
  });

  it("offers only the tabs of the system permissions held", async () => {
    serve({ name: "hr", kind: "user", admin: false, systemPermissions: ["system.users"], grants: [] });
    await open("/admin/system?tab=roles", "Create a user");
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Users", "Groups"]);
  });
});

describe("what the system forms send", () => {
  it("creates a user without a password and shows the generated one once", async () => {
    serve(ROOT, {
      "POST /api/v1/users": { status: 201, body: { user: USER("ann"), password: "one-time-secret" } },
    });
    await open("/admin/system?tab=users", "Create a user");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "ann" } });
    fireEvent.click(screen.getByRole("button", { name: "Create user" }));
    const dialog = await screen.findByRole("dialog", { name: "One-time password of ann", hidden: true });
    expect((within(dialog).getByTestId("robot-secret") as HTMLInputElement).value).toBe("one-time-secret");
    expect(sent("POST", "/api/v1/users")).toEqual({ name: "ann", admin: false });
  });

  it("enables a disabled user by name", async () => {
    serve(ROOT, { [`POST /api/v1/users/${HOSTILE}/enable`]: { status: 204, body: null } });
    await open("/admin/system?tab=users", "Create a user");
    fireEvent.click(screen.getByRole("button", { name: `Enable ${HOSTILE}` }));
    await vi.waitFor(() =>
      expect(sent("POST", `/api/v1/users/${encodeURIComponent(HOSTILE)}/enable`)).toBe(undefined),
    );
  });

  it("makes a user an administrator, resets a password once and signs a user out", async () => {
    const path = `/api/v1/users/${HOSTILE}`;
    serve(ROOT, {
      [`PUT ${path}/admin`]: { status: 204, body: null },
      [`PUT ${path}/password`]: { status: 204, body: null },
      [`DELETE ${path}/tokens`]: { status: 200, body: { revoked: 2 } },
    });
    await open("/admin/system?tab=users", "Create a user");
    const encoded = `/api/v1/users/${encodeURIComponent(HOSTILE)}`;
    // The last administrator is oneself here: one's own row offers nothing to lose it by.
    expect(screen.queryByRole("button", { name: "Remove administrator root" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: `Make administrator ${HOSTILE}` }));
    await vi.waitFor(() => expect(sent("PUT", `${encoded}/admin`)).toEqual({ admin: true }));
    const reset = screen.getByRole("button", { name: `Reset password of ${HOSTILE}` });
    await vi.waitFor(() => expect(reset.matches(":disabled")).toBe(false));
    fireEvent.click(reset);
    const dialog = await screen.findByRole("dialog", {
      name: `One-time password of ${HOSTILE}`,
      hidden: true,
    });
    const shown = (within(dialog).getByTestId("robot-secret") as HTMLInputElement).value;
    expect(shown).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // The password shown is the one the server was given.
    expect(sent("PUT", `${encoded}/password`)).toEqual({ password: shown });
    fireEvent.click(within(dialog).getByRole("button", { name: "I have stored it" }));
    const signOut = screen.getByRole("button", { name: `Sign out everywhere ${HOSTILE}` });
    await vi.waitFor(() => expect(signOut.matches(":disabled")).toBe(false));
    fireEvent.click(signOut);
    await screen.findByText(`${HOSTILE}: 2 session(s) signed out.`);
    expect(document.querySelector("main img")).toBeNull();
  });

  it("adds and removes group members", async () => {
    serve(ROOT, {
      "PUT /api/v1/groups/ops/members/bob": { status: 204, body: null },
      [`DELETE /api/v1/groups/ops/members/${HOSTILE}`]: { status: 204, body: null },
    });
    await open("/admin/system?tab=groups", "Group ops");
    const form = screen.getByRole("form", { name: "Add a member to ops" });
    fireEvent.change(within(form).getByLabelText("User"), { target: { value: "bob" } });
    fireEvent.click(within(form).getByRole("button", { name: "Add member" }));
    await vi.waitFor(() => sent("PUT", "/api/v1/groups/ops/members/bob"));
    const remove = screen.getByRole("button", { name: `Remove ${HOSTILE} from ops` });
    // One write at a time: the button is busy until the add and its reload are done.
    await vi.waitFor(() => expect(remove.matches(":disabled")).toBe(false));
    fireEvent.click(remove);
    await vi.waitFor(() => sent("DELETE", `/api/v1/groups/ops/members/${encodeURIComponent(HOSTILE)}`));
  });

  it("creates a custom role from chosen permissions, in the table's order", async () => {
    serve(ROOT, { "POST /api/v1/roles": { status: 201, body: {} } });
    await open("/admin/system?tab=roles", "Create a custom role");
    expect(screen.queryByRole("button", { name: "Delete role guest" })).toBeNull();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "scanner" } });
    fireEvent.click(screen.getByLabelText("scan.run"));
    fireEvent.click(screen.getByLabelText("repository.pull"));
    fireEvent.click(screen.getByRole("button", { name: "Create role" }));
    await vi.waitFor(() =>
      expect(sent("POST", "/api/v1/roles")).toEqual({
        name: "scanner",
        permissions: ["project.read", "scan.run"],
      }),
    );
  });

  it("creates a system robot with a project grant and runtime.write, its secret shown once", async () => {
    serve(ROOT, { "POST /api/v1/robots": { status: 201, body: { robot: ROBOT, secret: "robot-secret" } } });
    await open("/admin/system?tab=robots", "Create a system robot");
    expect(screen.getByText("team (*): repository.pull; runtime.write")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "ci" } });
    fireEvent.change(screen.getByLabelText("Expires after"), { target: { value: "never" } });
    fireEvent.change(screen.getByLabelText("Expires after"), { target: { value: "90d" } });
    fireEvent.click(screen.getByRole("button", { name: "Add a project grant" }));
    fireEvent.change(screen.getByLabelText(/Repositories/), { target: { value: "app/*, lib" } });
    fireEvent.click(screen.getByLabelText("runtime.write"));
    fireEvent.click(screen.getByRole("button", { name: "Create system robot" }));
    const dialog = await screen.findByRole("dialog", { name: "Secret of robot$ci", hidden: true });
    expect(within(dialog).getByText("It never expires.")).toBeTruthy();
    // Created: the form starts afresh, no permission left ticked for the next robot.
    expect((screen.getByLabelText("runtime.write") as HTMLInputElement).checked).toBe(false);
    expect(screen.queryByLabelText(/Repositories/)).toBeNull();
    expect((screen.getByLabelText("Expires after") as HTMLSelectElement).value).toBe("90d");
    expect(sent("POST", "/api/v1/robots")).toEqual({
      name: "ci",
      grants: [{ project: "team", repositories: ["app/*", "lib"], permissions: ["repository.pull"] }],
      systemPermissions: ["runtime.write"],
      expiresIn: "90d",
    });
  });
});

describe("the system pages' helpers", () => {
  it("offers exactly the permission table's project and robot system permissions", () => {
    expect([...PROJECT_PERMISSIONS]).toEqual([...TABLE]);
    expect([...ROBOT_SYSTEM_PERMISSIONS]).toEqual([...ROBOT_SYSTEM_TABLE]);
  });

  it("reads a grant's repositories as globs, * when none, and wants a permission", () => {
    const draft = { key: 1, project: "team", repositories: " ", permissions: new Set(["scan.read"]) };
    expect(grantsOf([draft])).toEqual([{ project: "team", repositories: ["*"], permissions: ["scan.read"] }]);
    expect(() => grantsOf([{ ...draft, permissions: new Set() }])).toThrow(/at least one permission/);
  });

  it("routes the system administration", () => {
    expect(matchRoute("/admin/system")).toEqual({ page: "admin-system" });
  });
});
