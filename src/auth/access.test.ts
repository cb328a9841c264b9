import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { AccessControl } from "./access.js";
import { AccountStore } from "./local/store.js";
import {
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  PROJECT_PERMISSIONS,
  PUBLIC_PROJECT_PERMISSIONS,
  SYSTEM_PERMISSIONS,
} from "./permissions.js";
import type { Identity } from "./types.js";

/**
 * The authorization matrix, generated from the permission table: every built-in role × every
 * permission, granted through real stored grants and checked through the same code every surface uses.
 * Zero mismatches; then robots, custom roles, narrowed grants, groups, public projects and anonymous.
 */
describe.each(databaseTestTargets())("access control ($name)", (target) => {
  let database: Database;
  let store: AccountStore;
  let access: AccessControl;
  const users = new Map<string, Identity>();

  beforeAll(async () => {
    database = await target.open();
    store = new AccountStore(database);
    access = new AccessControl(store);
    await store.createProject({ name: "team" });
    await store.createProject({ name: "other" });
    await store.createProject({ name: "open", public: true });
    for (const role of BUILTIN_ROLES) {
      const user = await store.createUser({ name: `u-${role}`, password: "correct horse battery" });
      await store.addMember({ project: "team", kind: "user", name: user.name, role });
      users.set(role, { subject: user.name, kind: "user", id: user.id, via: "password" });
    }
  });
  afterAll(async () => database.close());

  it("grants every built-in role exactly its permissions from the table, in its project only", async () => {
    const mismatches: string[] = [];
    for (const role of BUILTIN_ROLES) {
      const identity = users.get(role)!;
      for (const permission of [...PROJECT_PERMISSIONS, ...SYSTEM_PERMISSIONS]) {
        const expected = (BUILTIN_ROLE_PERMISSIONS[role] as ReadonlySet<string>).has(permission);
        const inTeam = await access.authorize(identity, { action: permission, repository: "team/app" });
        const inOther = await access.authorize(identity, { action: permission, repository: "other/app" });
        if (inTeam !== expected) mismatches.push(`${role} ${permission} in team: ${inTeam}`);
        if (inOther) mismatches.push(`${role} ${permission} in other: allowed`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("lets an admin do everything and a stranger nothing outside public projects", async () => {
    const admin = await store.createUser({
      name: "root-admin",
      password: "correct horse battery",
      admin: true,
    });
    const stranger = await store.createUser({ name: "stranger", password: "correct horse battery" });
    const asAdmin: Identity = { subject: admin.name, kind: "user", id: admin.id };
    const asStranger: Identity = { subject: stranger.name, kind: "user", id: stranger.id };
    for (const permission of [...PROJECT_PERMISSIONS, ...SYSTEM_PERMISSIONS]) {
      expect(await access.authorize(asAdmin, { action: permission, repository: "team/app" })).toBe(true);
      expect(await access.authorize(asStranger, { action: permission, repository: "team/app" })).toBe(false);
      const anonymous: Identity = { subject: "anonymous", kind: "anonymous" };
      const publicAllowed = (PUBLIC_PROJECT_PERMISSIONS as ReadonlySet<string>).has(permission);
      expect(await access.authorize(anonymous, { action: permission, repository: "open/app" })).toBe(
        publicAllowed,
      );
      expect(await access.authorize(asStranger, { action: permission, repository: "open/app" })).toBe(
        publicAllowed,
      );
    }
  });

  it("narrows a grant to repository globs and reaches users through groups", async () => {
    const dev = await store.createUser({ name: "narrow", password: "correct horse battery" });
    await store.createGroup("frontend");
    await store.setGroupMember("frontend", "narrow", true);
    await store.addMember({
      project: "other",
      kind: "group",
      name: "frontend",
      role: "developer",
      repositories: ["web/*"],
    });
    const id: Identity = { subject: dev.name, kind: "user", id: dev.id };
    expect(await access.authorize(id, { action: "push", repository: "other/web/app" })).toBe(true);
    expect(await access.authorize(id, { action: "push", repository: "other/api" })).toBe(false);
    expect(await access.authorize(id, { action: "project.read", project: "other" })).toBe(true);
    // Project-wide permissions need a grant over every repository.
    expect(await access.authorize(id, { action: "member.read", project: "other" })).toBe(false);
    await store.setGroupMember("frontend", "narrow", false);
    expect(await access.authorize(id, { action: "push", repository: "other/web/app" })).toBe(false);
  });

  it("builds custom roles from the permission list", async () => {
    await store.createRole({ name: "auditor", permissions: ["project.read", "audit.read", "scan.read"] });
    const user = await store.createUser({ name: "auditor1", password: "correct horse battery" });
    await store.addMember({ project: "team", kind: "user", name: "auditor1", role: "auditor" });
    const id: Identity = { subject: user.name, kind: "user", id: user.id };
    expect(await access.authorize(id, { action: "audit.read", project: "team" })).toBe(true);
    expect(await access.authorize(id, { action: "pull", repository: "team/app" })).toBe(false);
    await expect(store.createRole({ name: "bad", permissions: ["system.users"] })).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(store.deleteRole("auditor")).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("gives robots only their grants", async () => {
    const { robot } = await store.createRobot({
      name: "ci",
      project: "team",
      grants: [
        { project: "team", repositories: ["app"], permissions: ["repository.pull", "repository.push"] },
      ],
      createdBy: "test",
    });
    expect(robot.name).toBe("robot$team+ci");
    const id: Identity = { subject: robot.name, kind: "robot", id: robot.id };
    expect(await access.grantedActions(id, "team/app", ["pull", "push", "delete", "*"])).toEqual([
      "pull",
      "push",
    ]);
    expect(await access.grantedActions(id, "team/other", ["pull"])).toEqual([]);
    await expect(
      store.createRobot({
        name: "x",
        project: "team",
        grants: [{ project: "other", repositories: ["*"], permissions: ["repository.pull"] }],
        createdBy: "t",
      }),
    ).rejects.toMatchObject({ code: "INVALID" });
  });

  it("holds a bearer token to its access claim whatever its holder may do", async () => {
    const maintainer = users.get("maintainer")!;
    const token: Identity = {
      ...maintainer,
      via: "token",
      tokenAccess: [{ type: "repository", name: "team/app", actions: ["pull"] }],
    };
    expect(await access.authorize(token, { action: "pull", repository: "team/app" })).toBe(true);
    expect(await access.authorize(token, { action: "push", repository: "team/app" })).toBe(false);
    expect(await access.authorize(token, { action: "pull", repository: "team/other" })).toBe(false);
  });

  it("sees a change made through another store (another replica) after its revision check", async () => {
    let now = 0;
    const replica = new AccessControl(new AccountStore(database), { now: () => now, revisionCheckMs: 1000 });
    const user = await store.createUser({ name: "late", password: "correct horse battery" });
    const id: Identity = { subject: user.name, kind: "user", id: user.id };
    expect(await replica.authorize(id, { action: "pull", repository: "team/app" })).toBe(false);
    await store.addMember({ project: "team", kind: "user", name: "late", role: "guest" });
    expect(await replica.authorize(id, { action: "pull", repository: "team/app" })).toBe(false);
    now += 1001;
    expect(await replica.authorize(id, { action: "pull", repository: "team/app" })).toBe(true);
  });
});
