import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  type BuiltinRole,
  isSystemPermission,
  type Permission,
  type ProjectPermission,
} from "../../../auth/index.js";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import type { Access, IdentityRoute } from "./route.js";
import { IDENTITY_ROUTES } from "./routes.js";
import { type Caller, call } from "./testing.js";

/**
 * The authorization matrix: every route of the accounts API, called by an administrator, a user of
 * each built-in role (each in a project of its own), a robot, a user with no grant and an anonymous
 * caller. What each may do is derived from the permission table (permissions.ts) and the permission
 * each route needs, which this file states on its own (the issue's list), not read from the routes.
 * Allowed is any answer but 401 and 403; denied is 401 for anonymous callers and 403 for the others.
 */
const NEEDS: Record<string, string> = {
  me: "signed-in",
  listUsers: "system.users",
  createUser: "system.users",
  getUser: "self|system.users",
  changePassword: "self|system.users",
  disableUser: "system.users",
  enableUser: "system.users",
  setAdmin: "system.users",
  deleteUser: "system.users",
  revokeUserTokens: "self|system.users",
  listGroups: "system.users",
  createGroup: "system.users",
  deleteGroup: "system.users",
  addGroupMember: "system.users",
  removeGroupMember: "system.users",
  listProjects: "anyone",
  createProject: "system.projects",
  getProject: "project.read",
  updateProject: "project.write",
  deleteProject: "project.delete",
  getRetention: "project.read",
  setRetention: "retention.write",
  runRetention: "retention.write",
  listMembers: "member.read",
  addMember: "member.write",
  updateMember: "member.write",
  removeMember: "member.write",
  listRoles: "signed-in",
  createRole: "system.roles",
  deleteRole: "system.roles",
  listProjectRobots: "robot.read",
  createProjectRobot: "robot.write",
  getProjectRobot: "robot.read",
  rotateProjectRobot: "robot.write",
  revokeProjectRobot: "robot.write",
  deleteProjectRobot: "robot.write",
  listSystemRobots: "system.robots",
  createSystemRobot: "system.robots",
  getSystemRobot: "system.robots",
  rotateSystemRobot: "system.robots",
  revokeSystemRobot: "system.robots",
  deleteSystemRobot: "system.robots",
  listWebhooks: "webhook.read",
  createWebhook: "webhook.write",
  getWebhook: "webhook.read",
  updateWebhook: "webhook.write",
  deleteWebhook: "webhook.write",
  testWebhook: "webhook.write",
  listWebhookDeliveries: "webhook.read",
  rotateSigningKey: "system.config",
  systemInfo: "anyone",
  listDecisions: "audit.read",
  verifyDecisions: "system.audit",
  recordCheckpoint: "system.audit",
  recordKey: "system.audit",
  exportRecord: "system.audit",
  listRecordEntries: "system.audit",
  getRecordEntry: "system.audit",
  recordInclusionProof: "system.audit",
  recordConsistencyProof: "system.audit",
  auditTimeline: "audit.read",
  listPolicies: "signed-in",
  evaluatePolicy: "repository.pull",
  advisoryStatus: "signed-in",
  rescanAll: "system.config",
  listReplicationRules: "system.config",
  createReplicationRule: "system.config",
  getReplicationRule: "system.config",
  updateReplicationRule: "system.config",
  deleteReplicationRule: "system.config",
  runReplicationRule: "system.config",
  listReplicationRuns: "system.config",
  getReplicationRun: "system.config",
};

function declared(access: Access): string {
  switch (access.kind) {
    case "permission":
      return access.permission;
    case "self-or":
      return `self|${access.permission}`;
    case "repository":
      return access.permission;
    default:
      return access.kind;
  }
}

const ROBOT_PERMISSIONS: readonly ProjectPermission[] = ["project.read", "member.read", "robot.read"];

interface Principal {
  readonly label: string;
  readonly caller?: Caller;
  readonly kind: "admin" | "role" | "robot" | "outsider" | "anonymous";
  readonly project: string;
  readonly holds: (permission: Permission) => boolean;
}

const password = (name: string) => `${name} password here`;

function principals(robotSecret: string): Principal[] {
  const user = (name: string): Caller => ({ name, secret: password(name) });
  return [
    ...BUILTIN_ROLES.map(
      (role): Principal => ({
        label: role,
        caller: user(`u-${role}`),
        kind: "role",
        project: `p-${role}`,
        holds: (p) => !isSystemPermission(p) && BUILTIN_ROLE_PERMISSIONS[role].has(p as ProjectPermission),
      }),
    ),
    {
      label: "robot",
      caller: { name: "robot$p-robot+probe", secret: robotSecret },
      kind: "robot",
      project: "p-robot",
      holds: (p) => (ROBOT_PERMISSIONS as readonly string[]).includes(p),
    },
    {
      label: "outsider",
      caller: user("u-outsider"),
      kind: "outsider",
      project: "p-outsider",
      holds: () => false,
    },
    { label: "anonymous", kind: "anonymous", project: "p-anonymous", holds: () => false },
    // Last: its changes (deleting users, groups, roles) must not change what the others meet.
    { label: "admin", caller: user("root"), kind: "admin", project: "p-admin", holds: () => true },
  ];
}

function expectedAllowed(principal: Principal, needs: string, self: boolean): boolean {
  if (needs === "anyone") return true;
  if (principal.kind === "anonymous") return false;
  if (needs === "signed-in") return true;
  const [maybeSelf, permission] = needs.startsWith("self|") ? ["self", needs.slice(5)] : ["", needs];
  if (maybeSelf === "self" && self && principal.kind !== "robot") return true;
  return principal.holds(permission as Permission);
}

/** A valid body for each route that takes one, unique per principal so allowed creations succeed. */
function bodyFor(route: IdentityRoute, principal: Principal, self: boolean): unknown {
  const tag = principal.label;
  switch (route.id) {
    case "createUser":
      return { name: `new-${tag}`, password: "a new user password" };
    case "changePassword":
      return self
        ? { password: principal.caller!.secret, currentPassword: principal.caller!.secret }
        : { password: "victim's new password" };
    case "setAdmin":
      return { admin: false };
    case "createGroup":
      return { name: `group-${tag}` };
    case "createProject":
      return { name: `new-${tag}` };
    case "updateProject":
      return { public: false };
    case "setRetention":
      return { rules: [{ keep: "always" }] };
    case "addMember":
      return { name: "victim", role: "guest" };
    case "updateMember":
      return { role: "guest" };
    case "createRole":
      return { name: `role-${tag}`, permissions: ["project.read"] };
    case "createWebhook":
      return { url: "https://hooks.example.com/portcullis", enabled: false };
    case "updateWebhook":
      return { enabled: false };
    case "createReplicationRule":
    case "updateReplicationRule":
      return { name: `rule-${tag}`, direction: "push", registry: "far.example.com", enabled: false };
    case "createProjectRobot":
      return { name: `made-${tag}`, permissions: ["project.read"] };
    case "evaluatePolicy":
      return { image: `${principal.project}/app:v1` };
    case "createSystemRobot":
      return { name: `made-${tag}`, grants: [{ project: principal.project, permissions: ["project.read"] }] };
    default:
      return route.body ? {} : undefined;
  }
}

describe.each(testDatabases())("authorization matrix of the accounts API (%s)", (database) => {
  let server: TestServer;
  let robotSecret = "";
  const fillers = new Map<string, number>();

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: "root", password: password("root"), admin: true });
    for (const name of ["victim", "filler", "u-outsider", ...BUILTIN_ROLES.map((r) => `u-${r}`)]) {
      await store.createUser({ name, password: password(name) });
    }
    await store.createGroup("g1");
    await store.createRole({ name: "custom-x", permissions: ["project.read"] });
    for (const label of [...BUILTIN_ROLES, "robot", "outsider", "anonymous", "admin"]) {
      const project = `p-${label}`;
      await store.createProject({ name: project });
      fillers.set(
        project,
        (await store.addMember({ project, kind: "user", name: "filler", role: "limited-guest" })).id,
      );
      await store.createRobot({
        name: "r1",
        project,
        grants: [{ project, repositories: ["*"], permissions: ["project.read"] }],
        createdBy: "test",
      });
    }
    for (const role of BUILTIN_ROLES) {
      await store.addMember({
        project: `p-${role}`,
        kind: "user",
        name: `u-${role}`,
        role: role as BuiltinRole,
      });
    }
    robotSecret = (
      await store.createRobot({
        name: "probe",
        project: "p-robot",
        grants: [{ project: "p-robot", repositories: ["*"], permissions: [...ROBOT_PERMISSIONS] }],
        createdBy: "test",
      })
    ).secret;
    await store.createRobot({
      name: "sys1",
      grants: [{ project: "p-admin", repositories: ["*"], permissions: ["project.read"] }],
      createdBy: "test",
    });
  });
  afterAll(async () => server.close());

  it("states the permission of every route, as each route declares it", () => {
    expect(Object.fromEntries(IDENTITY_ROUTES.map((r) => [r.id, declared(r.access)]))).toEqual(NEEDS);
  });

  // Maintainers hold immutability.write and retention.write: a change of only those rules needs only
  // them; visibility, quota and the certified policy stay with project.write; one refused field refuses all.
  it.each([
    ["maintainer", { settings: { immutableTags: ["v*", "app/*:release-*"] } }, 200],
    ["maintainer", { settings: { retention: { rules: [{ keep: "always" }] } } }, 200],
    ["maintainer", { settings: { immutableTags: null, retention: null } }, 200],
    ["maintainer", { public: true }, 403],
    ["maintainer", { settings: { immutableTags: ["v*"], quotaBytes: 1000 } }, 403],
    ["maintainer", { public: false, settings: { immutableTags: ["v*"] } }, 403],
    ["maintainer", { settings: {} }, 403],
    ["developer", { settings: { immutableTags: ["v*"] } }, 403],
    ["developer", { settings: { retention: null } }, 403],
    ["project-admin", { public: false, settings: { immutableTags: ["v*"], quotaBytes: null } }, 200],
    ["anonymous", { settings: { immutableTags: ["v*"] } }, 401],
  ] as const)("PATCH of a project's settings: %s with %j answers %i", async (role, body, status) => {
    const as = role === "anonymous" ? {} : { as: { name: `u-${role}`, secret: password(`u-${role}`) } };
    const project = role === "anonymous" ? "p-maintainer" : `p-${role}`;
    const answer = await call(server.url, "PATCH", `/api/v1/projects/${project}`, { ...as, body });
    expect(answer.status, answer.text.slice(0, 200)).toBe(status);
    if (status === 200 && "settings" in body && body.settings && "immutableTags" in body.settings) {
      const read = await call(server.url, "GET", `/api/v1/projects/${project}`, { ...as });
      expect(read.body.settings.immutableTags ?? null).toEqual(body.settings.immutableTags);
    }
  });

  it("allows and denies exactly as the permission table says, for every role and route", async () => {
    // Deleting the project goes last: every other project route needs it to exist.
    const routes = [...IDENTITY_ROUTES].sort(
      (a, b) => Number(a.id === "deleteProject") - Number(b.id === "deleteProject"),
    );
    const mismatches: string[] = [];
    let calls = 0;
    for (const principal of principals(robotSecret)) {
      for (const route of routes) {
        const variants =
          declared(route.access).startsWith("self|") && principal.caller ? [false, true] : [false];
        for (const self of variants) {
          const params: Record<string, string> = {
            project: principal.project,
            user: self ? principal.caller!.name : "victim",
            group: "g1",
            robot: route.id.includes("System") ? "sys1" : "r1",
            role: "custom-x",
            name: "pull",
            id: String(fillers.get(principal.project)),
            webhook: "wh_0000000000000000",
            rule: "rr_0000000000000000",
            run: "999999",
            index: "0",
          };
          const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent(params[name]!),
          );
          const body = bodyFor(route, principal, self);
          const answer = await call(server.url, route.method, path, {
            ...(principal.caller ? { as: principal.caller } : {}),
            ...(body === undefined ? {} : { body }),
          });
          calls++;
          const want = expectedAllowed(principal, NEEDS[route.id]!, self);
          const denial = principal.kind === "anonymous" ? 401 : 403;
          const got = answer.status === 401 || answer.status === 403 ? "deny" : "allow";
          if ((want ? "allow" : "deny") !== got || (!want && answer.status !== denial)) {
            mismatches.push(
              `${principal.label}${self ? " (self)" : ""} ${route.method} ${path}: expected ${
                want ? "allow" : `deny ${denial}`
              }, got ${answer.status} ${answer.text.slice(0, 160)}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBeGreaterThan(IDENTITY_ROUTES.length * 8);
  }, 120_000);
});
