import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACTION_PERMISSION,
  type Action,
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  type Permission,
  PUBLIC_PROJECT_PERMISSIONS,
  type RobotGrant,
  SYSTEM_PERMISSIONS,
} from "../auth/index.js";
import { matchGlob } from "../core/index.js";
import { pushImage, startTestServer, type TestServer, testDatabases } from "./testing.js";

/**
 * The authorization matrix (issue 13): every principal × every route of the registry and the management
 * API, allowed or denied, compared with what the permission table (auth/permissions.ts, through
 * ACTION_PERMISSION) says. The expectation is computed here from the table, by a model much simpler
 * than access.ts (a principal's grants are listed as project, globs and permissions), never written out
 * by hand; a route's action is what the distribution spec and the API's docs say it is.
 *
 * Allowed means any answer but 401 and 403 (a 404 for a digest that is not there is still allowed:
 * authorisation comes first). Denied means 401 for anonymous callers, with the challenge, and 403 for
 * callers who proved who they are. Requests that change state name things that do not exist, so the
 * matrix can run in any order.
 */

interface ModelGrant {
  readonly project: string;
  readonly globs: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
}

interface Principal {
  readonly name: string;
  readonly kind: "anonymous" | "user" | "robot";
  readonly admin?: boolean;
  readonly grants: readonly ModelGrant[];
  /** Basic credentials, filled in once the account exists. */
  secret?: string;
}

type Need =
  | { readonly action: Action }
  | { readonly permission: Permission }
  /** A system permission, or a project permission held over a whole project (any project): a part of the answer. */
  | { readonly permission: Permission; readonly orInAnyProject: Permission }
  | "authenticated"
  | "anyone";

interface Route {
  readonly name: string;
  readonly method: string;
  readonly path: (repository: string) => string;
  readonly need: Need;
  readonly body?: string;
  /** A JSON body naming the repository (management API routes that read it from the body). */
  readonly json?: (repository: string) => unknown;
  readonly api?: boolean;
}

const PROJECTS = { team: false, open: true } as const;
const REPOSITORIES = ["team/app", "team/other", "open/app"];

const CUSTOM_ROLES: Record<string, Permission[]> = {
  // Push without pull: a custom role may grant what no built-in role splits.
  pusher: ["repository.push"],
  auditor: ["project.read", "scan.read", "audit.read"],
};

const MISSING_DIGEST = `sha256:${"0".repeat(64)}`;

function routes(digest: string, blob: string): Route[] {
  const upload = randomUUID();
  return [
    { name: "base", method: "GET", path: () => "/v2/", need: "authenticated" },
    { name: "catalog", method: "GET", path: () => "/v2/_catalog", need: "anyone" },
    { name: "tags list", method: "GET", path: (r) => `/v2/${r}/tags/list`, need: { action: "pull" } },
    { name: "manifest GET", method: "GET", path: (r) => `/v2/${r}/manifests/v1`, need: { action: "pull" } },
    {
      name: "manifest HEAD",
      method: "HEAD",
      path: (r) => `/v2/${r}/manifests/${digest}`,
      need: { action: "pull" },
    },
    {
      name: "manifest PUT",
      method: "PUT",
      path: (r) => `/v2/${r}/manifests/matrix`,
      need: { action: "push" },
      body: "{}",
    },
    {
      name: "manifest DELETE",
      method: "DELETE",
      path: (r) => `/v2/${r}/manifests/${MISSING_DIGEST}`,
      need: { action: "delete" },
    },
    { name: "blob GET", method: "GET", path: (r) => `/v2/${r}/blobs/${blob}`, need: { action: "pull" } },
    { name: "blob HEAD", method: "HEAD", path: (r) => `/v2/${r}/blobs/${blob}`, need: { action: "pull" } },
    {
      name: "blob DELETE",
      method: "DELETE",
      path: (r) => `/v2/${r}/blobs/${MISSING_DIGEST}`,
      need: { action: "delete" },
    },
    { name: "upload POST", method: "POST", path: (r) => `/v2/${r}/blobs/uploads/`, need: { action: "push" } },
    {
      name: "upload PATCH",
      method: "PATCH",
      path: (r) => `/v2/${r}/blobs/uploads/${upload}`,
      need: { action: "push" },
      body: "x",
    },
    {
      name: "upload PUT",
      method: "PUT",
      path: (r) => `/v2/${r}/blobs/uploads/${upload}?digest=${MISSING_DIGEST}`,
      need: { action: "push" },
    },
    {
      name: "upload GET",
      method: "GET",
      path: (r) => `/v2/${r}/blobs/uploads/${upload}`,
      need: { action: "push" },
    },
    {
      name: "upload DELETE",
      method: "DELETE",
      path: (r) => `/v2/${r}/blobs/uploads/${upload}`,
      need: { action: "push" },
    },
    {
      name: "referrers",
      method: "GET",
      path: (r) => `/v2/${r}/referrers/${digest}`,
      need: { action: "pull" },
    },
    {
      name: "vulnerabilities",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/vulnerabilities`,
      need: { permission: "scan.read" },
      api: true,
    },
    {
      name: "image occurrences",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/occurrences`,
      need: { permission: "repository.pull" },
      api: true,
    },
    {
      name: "sbom",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/sbom`,
      need: { permission: "scan.read" },
      api: true,
    },
    { name: "repository list", method: "GET", path: () => "/api/v1/repositories", need: "anyone", api: true },
    {
      name: "artifacts",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/artifacts`,
      need: { permission: "repository.pull" },
      api: true,
    },
    {
      name: "image overview",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}`,
      need: { permission: "repository.pull" },
      api: true,
    },
    ...(["packages", "findings", "sbom?format=spdx"] as const).map(
      (tab): Route => ({
        name: `image ${tab}`,
        method: "GET",
        path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/${tab}`,
        need: { permission: "scan.read" },
        api: true,
      }),
    ),
    {
      name: "image decisions",
      method: "GET",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/decisions`,
      need: { permission: "audit.read" },
      api: true,
    },
    {
      name: "image re-scan",
      method: "POST",
      path: (r) => `/api/v1/repositories/${r}/manifests/${digest}/scan`,
      need: { permission: "scan.run" },
      api: true,
    },
    {
      name: "image DELETE",
      method: "DELETE",
      path: (r) => `/api/v1/repositories/${r}/manifests/${MISSING_DIGEST}`,
      need: { permission: "repository.delete" },
      api: true,
    },
    {
      name: "audit decisions",
      method: "GET",
      path: () => "/api/v1/audit/decisions",
      // The whole log with system.audit, a project's part of it with that project's audit.read.
      need: { permission: "system.audit", orInAnyProject: "audit.read" },
      api: true,
    },
    {
      // The console's "try it": authorised as a pull of the image its body names (404: no policy loaded).
      name: "policy evaluate",
      method: "POST",
      path: () => "/api/v1/policies/pull/evaluate",
      need: { action: "pull" },
      json: (r) => ({ image: `${r}:v1` }),
      api: true,
    },
    {
      name: "audit verify",
      method: "GET",
      path: () => "/api/v1/audit/verify",
      need: { permission: "system.audit" },
      api: true,
    },
    {
      name: "audit checkpoint",
      method: "GET",
      path: () => "/api/v1/audit/checkpoint",
      need: { permission: "system.audit" },
      api: true,
    },
  ];
}

const everything = (project: string): ModelGrant => ({
  project,
  globs: ["*"],
  permissions: new Set<Permission>(),
});

/** The principals: one user per built-in and custom role, an admin, an outsider, anonymous, robots. */
function principals(): Principal[] {
  const list: Principal[] = [
    { name: "anonymous", kind: "anonymous", grants: [] },
    { name: "admin", kind: "user", admin: true, grants: [] },
    { name: "outsider", kind: "user", grants: [] },
  ];
  for (const role of BUILTIN_ROLES) {
    list.push({
      name: `u-${role}`,
      kind: "user",
      grants: [{ ...everything("team"), permissions: BUILTIN_ROLE_PERMISSIONS[role] }],
    });
  }
  for (const [role, permissions] of Object.entries(CUSTOM_ROLES)) {
    list.push({
      name: `u-${role}`,
      kind: "user",
      grants: [{ ...everything("team"), permissions: new Set(permissions) }],
    });
  }
  // A role held through a group, narrowed to one repository.
  list.push({
    name: "u-group",
    kind: "user",
    grants: [{ project: "team", globs: ["app"], permissions: BUILTIN_ROLE_PERMISSIONS.maintainer }],
  });
  const robot = (name: string, grants: RobotGrant[]): Principal => ({
    name,
    kind: "robot",
    grants: grants.map((g) => ({
      project: g.project,
      globs: g.repositories,
      permissions: new Set(g.permissions),
    })),
  });
  list.push(
    robot("robot$team+reader", [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }]),
    robot("robot$team+ci", [
      { project: "team", repositories: ["app"], permissions: ["repository.pull", "repository.push"] },
    ]),
    robot("robot$team+scanner", [{ project: "team", repositories: ["*"], permissions: ["scan.read"] }]),
    robot("robot$fleet", [
      { project: "team", repositories: ["other"], permissions: ["repository.pull", "repository.delete"] },
      { project: "open", repositories: ["*"], permissions: ["repository.push", "scan.read"] },
    ]),
  );
  return list;
}

/** What the table allows: the expectation, from the permission table and the principal's grants. */
function allowed(principal: Principal, need: Need, repository: string): boolean {
  if (need === "anyone") return true;
  if (need === "authenticated") return principal.kind !== "anonymous";
  const permission = "action" in need ? ACTION_PERMISSION[need.action] : need.permission;
  if (principal.admin) return true;
  if ("orInAnyProject" in need) {
    // Project-wide permissions need a grant over every repository of the project (access.ts).
    return principal.grants.some((g) => g.permissions.has(need.orInAnyProject) && g.globs.includes("*"));
  }
  if ((SYSTEM_PERMISSIONS as readonly string[]).includes(permission)) return false;
  const [project, ...rest] = repository.split("/");
  const path = rest.join("/");
  if (PROJECTS[project as keyof typeof PROJECTS] && PUBLIC_PROJECT_PERMISSIONS.has(permission as never))
    return true;
  return principal.grants.some(
    (g) =>
      g.project === project && g.permissions.has(permission) && g.globs.some((glob) => matchGlob(glob, path)),
  );
}

const basic = (name: string, secret: string) =>
  `Basic ${Buffer.from(`${name}:${secret}`).toString("base64")}`;

describe.each(testDatabases())("authorization matrix (%s)", (database) => {
  let server: TestServer;
  let table: Route[];
  const people = principals();

  beforeAll(async () => {
    server = await startTestServer({ database, captureLogs: true, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    for (const [name, isPublic] of Object.entries(PROJECTS))
      await store.createProject({ name, public: isPublic });
    for (const [name, permissions] of Object.entries(CUSTOM_ROLES))
      await store.createRole({ name, permissions });
    await store.createGroup("maintainers");
    for (const p of people) {
      if (p.kind === "user") {
        p.secret = `password of ${p.name}`;
        await store.createUser({ name: p.name, password: p.secret, admin: p.admin === true });
        const role = p.name.slice(2);
        if (p.name === "u-group") {
          await store.setGroupMember("maintainers", p.name, true);
          await store.addMember({
            project: "team",
            kind: "group",
            name: "maintainers",
            role: "maintainer",
            repositories: ["app"],
          });
        } else if (p.name.startsWith("u-")) {
          await store.addMember({ project: "team", kind: "user", name: p.name, role });
        }
      } else if (p.kind === "robot") {
        const [, rest] = p.name.split("$") as [string, string];
        const [project, name] = rest.includes("+") ? rest.split("+") : [undefined, rest];
        const created = await store.createRobot({
          name: name!,
          ...(project ? { project } : {}),
          grants: p.grants.map((g) => ({
            project: g.project,
            repositories: [...g.globs],
            permissions: [...g.permissions] as RobotGrant["permissions"],
          })),
          createdBy: "test",
        });
        expect(created.robot.name).toBe(p.name);
        p.secret = created.secret;
      }
    }
    // Content to read: the same image in every repository, pushed as the admin.
    const admin = basic("admin", "password of admin");
    let pushed: Awaited<ReturnType<typeof pushImage>> | undefined;
    for (const repository of REPOSITORIES) {
      pushed = await pushImage(server.url, repository, { tag: "v1", seed: "matrix", authorization: admin });
    }
    table = routes(pushed!.digest, pushed!.layers[0]!.digest);
  });
  afterAll(async () => server.close());

  async function send(
    route: Route,
    repository: string,
    authorization: string | undefined,
  ): Promise<Response> {
    const json = route.json ? JSON.stringify(route.json(repository)) : undefined;
    const res = await fetch(`${server.url}${route.path(repository)}`, {
      method: route.method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(route.body !== undefined ? { "content-type": "application/vnd.oci.image.manifest.v1+json" } : {}),
        ...(json !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(route.body !== undefined ? { body: route.body } : {}),
      ...(json !== undefined ? { body: json } : {}),
    });
    await res.arrayBuffer();
    return res;
  }

  /** Built-in roles (with an admin, an outsider and anonymous callers), and everyone else. */
  const GROUPS = {
    "every built-in role": (p: Principal) =>
      p.kind !== "robot" && !(p.name.slice(2) in CUSTOM_ROLES) && p.name !== "u-group",
    "robots, custom roles and a group grant narrowed to one repository": (p: Principal) =>
      p.kind === "robot" || p.name.slice(2) in CUSTOM_ROLES || p.name === "u-group",
  };

  it.each(Object.keys(GROUPS))(
    "answers %s × every route × every repository as the permission table says (Basic)",
    async (group) => {
      const members = people.filter(GROUPS[group as keyof typeof GROUPS]);
      expect(members.length).toBeGreaterThanOrEqual(5);
      const mismatches: string[] = [];
      let checked = 0;
      for (const p of members) {
        const authorization = p.secret ? basic(p.name, p.secret) : undefined;
        for (const route of table) {
          for (const repository of REPOSITORIES) {
            const expected = allowed(p, route.need, repository);
            const res = await send(route, repository, authorization);
            checked++;
            const denied = res.status === 401 || res.status === 403;
            const wantStatus = p.kind === "anonymous" ? 401 : 403;
            if (expected === denied || (denied && res.status !== wantStatus)) {
              mismatches.push(
                `${p.name} ${route.name} ${repository}: expected ${expected ? "allowed" : wantStatus}, got ${res.status}`,
              );
            }
            if (denied && p.kind === "anonymous" && !res.headers.get("www-authenticate")) {
              mismatches.push(`${p.name} ${route.name} ${repository}: 401 without a challenge`);
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBe(members.length * table.length * REPOSITORIES.length);
    },
  );

  it("answers the same through the token flow: challenge, token with that scope, retry (registry routes)", async () => {
    const mismatches: string[] = [];
    for (const p of people) {
      for (const route of table.filter((r) => !r.api && r.need !== "authenticated")) {
        for (const repository of REPOSITORIES) {
          const expected = allowed(p, route.need, repository);
          // As a client does: anonymously first, then a token for the scope the challenge names.
          const first = await send(route, repository, undefined);
          let status = first.status;
          if (status === 401) {
            const challenge = first.headers.get("www-authenticate") ?? "";
            const scope = /scope="([^"]+)"/.exec(challenge)?.[1];
            const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
            if (!scope || !realm) {
              mismatches.push(`${route.name} ${repository}: challenge without realm or scope: ${challenge}`);
              continue;
            }
            const query = new URLSearchParams({ service: "portcullis", scope });
            const answer = await fetch(`${realm}?${query}`, {
              headers: p.secret ? { authorization: basic(p.name, p.secret) } : {},
            });
            const { token } = (await answer.json()) as { token: string };
            const retry = await send(route, repository, `Bearer ${token}`);
            status = retry.status;
            if (status === 401 && !/insufficient_scope/.test(retry.headers.get("www-authenticate") ?? "")) {
              mismatches.push(`${p.name} ${route.name} ${repository}: 401 without insufficient_scope`);
            }
          }
          const denied = status === 401 || status === 403;
          if (expected === denied) {
            mismatches.push(
              `${p.name} ${route.name} ${repository}: expected ${expected ? "allowed" : "denied"}, got ${status}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("lists in the catalog exactly the repositories each principal may pull", async () => {
    for (const p of people) {
      const res = await fetch(`${server.url}/v2/_catalog`, {
        headers: p.secret ? { authorization: basic(p.name, p.secret) } : {},
      });
      const { repositories } = (await res.json()) as { repositories: string[] };
      const expected = REPOSITORIES.filter((r) => allowed(p, { action: "pull" }, r)).sort();
      expect({ who: p.name, repositories }).toEqual({ who: p.name, repositories: expected });
    }
  });

  it("lists in /api/v1/repositories exactly the repositories each principal may pull", async () => {
    for (const p of people) {
      const res = await fetch(`${server.url}/api/v1/repositories`, {
        headers: p.secret ? { authorization: basic(p.name, p.secret) } : {},
      });
      const { items, total } = (await res.json()) as { items: Array<{ name: string }>; total: number };
      const expected = REPOSITORIES.filter((r) => allowed(p, { action: "pull" }, r)).sort();
      expect({ who: p.name, names: items.map((r) => r.name), total }).toEqual({
        who: p.name,
        names: expected,
        total: expected.length,
      });
    }
  });

  it("mounts a blob only from a repository the caller may pull", async () => {
    const blob = table
      .find((r) => r.name === "blob GET")!
      .path("team/app")
      .split("/blobs/")[1]!;
    const robot = people.find((p) => p.name === "robot$team+ci")!;
    const auth = basic(robot.name, robot.secret!);
    // robot$team+ci pushes to team/app but may not pull team/other: the mount falls back to an upload.
    const denied = await fetch(`${server.url}/v2/team/app/blobs/uploads/?mount=${blob}&from=team/other`, {
      method: "POST",
      headers: { authorization: auth },
    });
    expect(denied.status).toBe(202);
    const dev = basic("u-developer", "password of u-developer");
    const mounted = await fetch(`${server.url}/v2/team/app/blobs/uploads/?mount=${blob}&from=team/other`, {
      method: "POST",
      headers: { authorization: dev },
    });
    expect(mounted.status).toBe(201);
  });

  it("leaves none of the principals' secrets in the log", () => {
    const log = server.logs.map((line) => JSON.stringify(line)).join("\n");
    expect(log).toContain('"msg":"request"');
    const leaked = people.filter(
      (p) =>
        p.secret && (log.includes(p.secret) || log.includes(basic(p.name, p.secret).slice("Basic ".length))),
    );
    expect(leaked.map((p) => p.name)).toEqual([]);
  });
});
