import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { basic, type Caller, call, client } from "./testing.js";

/** Holds the named policy `prod`. */
const LIBRARY = fileURLToPath(new URL("../../testdata/policy-library", import.meta.url));
const ROOT: Caller = { name: "root", secret: "root password one" };
const DEV: Caller = { name: "dev", secret: "developer password" };
const LEAD: Caller = { name: "lead", secret: "project lead password" };

describe.each(testDatabases())("projects, members and roles over the API (%s)", (database) => {
  let server: TestServer;
  let root: ReturnType<typeof client>;
  let dev: ReturnType<typeof client>;
  let lead: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: { "auth.mode": "accounts", "policy.library": LIBRARY },
    });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: DEV.name, password: DEV.secret });
    await store.createUser({ name: LEAD.name, password: LEAD.secret });
    root = client(server.url, ROOT);
    dev = client(server.url, DEV);
    lead = client(server.url, LEAD);
  });
  afterAll(async () => server.close());

  it("creates projects (system.projects) and lists only what each caller may read", async () => {
    const created = await root.post("/api/v1/projects", { name: "team" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "team", public: false, settings: {} });
    expect((await root.post("/api/v1/projects", { name: "open", public: true })).status).toBe(201);
    expect((await root.post("/api/v1/projects", { name: "hidden" })).status).toBe(201);
    expect((await root.post("/api/v1/projects", { name: "Bad_Name" })).status).toBe(400);
    expect((await root.post("/api/v1/projects", { name: "team" })).status).toBe(409);
    expect((await dev.post("/api/v1/projects", { name: "mine" })).status).toBe(403);

    const names = (answer: { body: { projects: Array<{ name: string }> } }) =>
      answer.body.projects.map((p) => p.name);
    expect(names(await root.get("/api/v1/projects"))).toEqual(["hidden", "open", "team"]);
    expect(names(await dev.get("/api/v1/projects"))).toEqual(["open"]);
    expect(names(await call(server.url, "GET", "/api/v1/projects"))).toEqual(["open"]);
    expect((await dev.get("/api/v1/projects/team")).status).toBe(403);
    // No oracle: a project that does not exist is refused as one that does.
    expect((await dev.get("/api/v1/projects/nowhere")).status).toBe(403);
    expect((await root.get("/api/v1/projects/nowhere")).status).toBe(404);
  });

  it("adds members with roles, changes and removes them (member.read, member.write)", async () => {
    const added = await root.post("/api/v1/projects/team/members", { name: "lead", role: "project-admin" });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      kind: "user",
      name: "lead",
      role: "project-admin",
      repositories: ["*"],
    });
    const devMember = await lead.post("/api/v1/projects/team/members", { name: "dev", role: "guest" });
    expect(devMember.status).toBe(201);
    expect((await dev.get("/api/v1/projects")).body.projects.map((p: { name: string }) => p.name)).toEqual([
      "open",
      "team",
    ]);
    const listed = await dev.get("/api/v1/projects/team/members");
    expect(listed.status).toBe(200);
    expect(listed.body.members.map((m: { name: string; role: string }) => `${m.name}:${m.role}`)).toEqual([
      "lead:project-admin",
      "dev:guest",
    ]);
    expect((await dev.post("/api/v1/projects/team/members", { name: "dev", role: "developer" })).status).toBe(
      403,
    );
    const changed = await lead.put(`/api/v1/projects/team/members/${devMember.body.id}`, {
      role: "developer",
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: devMember.body.id, role: "developer" });
    expect(
      (await lead.put(`/api/v1/projects/team/members/${devMember.body.id}`, { role: "nope" })).status,
    ).toBe(404);
    expect((await lead.put("/api/v1/projects/team/members/99999", { role: "guest" })).status).toBe(404);
    expect((await lead.get("/api/v1/projects/team/members/x")).status).toBe(404);
  });

  it("lets project admins change settings and visibility (project.write)", async () => {
    const patched = await lead.patch("/api/v1/projects/team", { settings: { certifiedPolicy: "prod" } });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toEqual({ certifiedPolicy: "prod" });
    expect((await lead.patch("/api/v1/projects/team", {})).status).toBe(400);
    expect((await dev.patch("/api/v1/projects/team", { public: true })).status).toBe(403);
    expect((await lead.patch("/api/v1/projects/team", { settings: { other: 1 } })).status).toBe(400);
    // Certified images only names a policy the library holds: a typo is refused with the known names,
    // and the setting stays as it was.
    const unknown = await lead.patch("/api/v1/projects/team", { settings: { certifiedPolicy: "prdo" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: 'settings.certifiedPolicy: no named policy "prdo"; policy.library holds prod',
    });
    expect((await lead.get("/api/v1/projects/team")).body.settings).toEqual({ certifiedPolicy: "prod" });
    const created = await root.post("/api/v1/projects", { name: "typo", settings: { certifiedPolicy: "x" } });
    expect(created.status).toBe(400);
    expect((await root.get("/api/v1/projects/typo")).status).toBe(404);
    // PATCH merges: no key given changes nothing; null switches it off again (the project's images need
    // no label, pushed in a later test).
    expect((await lead.patch("/api/v1/projects/team", { settings: {} })).body.settings).toEqual({
      certifiedPolicy: "prod",
    });
    expect(
      (await lead.patch("/api/v1/projects/team", { settings: { certifiedPolicy: null } })).body.settings,
    ).toEqual({});
  });

  it("lists built-in and custom roles, and refuses grants wider than the granter's own", async () => {
    const roles = await dev.get("/api/v1/roles");
    expect(roles.status).toBe(200);
    expect(
      roles.body.roles.filter((r: { builtin: boolean }) => r.builtin).map((r: { name: string }) => r.name),
    ).toEqual(["limited-guest", "guest", "developer", "maintainer", "project-admin"]);
    expect((await dev.post("/api/v1/roles", { name: "x", permissions: ["project.read"] })).status).toBe(403);
    const custom = await root.post("/api/v1/roles", {
      name: "member-manager",
      description: "manages members only",
      permissions: ["member.write", "project.read", "member.read"],
    });
    expect(custom.status).toBe(201);
    expect(custom.body.permissions).toEqual(["project.read", "member.read", "member.write"]);
    expect((await root.post("/api/v1/roles", { name: "y", permissions: ["system.users"] })).status).toBe(400);
    expect((await root.post("/api/v1/roles", { name: "viewer", permissions: ["project.read"] })).status).toBe(
      201,
    );

    await root.post("/api/v1/users", {
      name: "manager",
      password: "manager password",
      mustChangePassword: false,
    });
    await root.post("/api/v1/projects/team/members", { name: "manager", role: "member-manager" });
    const manager = client(server.url, { name: "manager", secret: "manager password" });
    await root.post("/api/v1/users", {
      name: "newbie",
      password: "newbie password",
      mustChangePassword: false,
    });
    const escalate = await manager.post("/api/v1/projects/team/members", {
      name: "newbie",
      role: "project-admin",
    });
    expect(escalate.status).toBe(403);
    expect(escalate.body.errors[0].message).toContain("repository.push");
    const narrow = await manager.post("/api/v1/projects/team/members", { name: "newbie", role: "viewer" });
    expect(narrow.status).toBe(201);
    // Nor may it demote or remove someone holding more than it does.
    const leadId = (await root.get("/api/v1/projects/team/members")).body.members.find(
      (m: { name: string }) => m.name === "lead",
    ).id;
    expect((await manager.delete(`/api/v1/projects/team/members/${leadId}`)).status).toBe(403);
    expect((await manager.delete(`/api/v1/projects/team/members/${narrow.body.id}`)).status).toBe(204);

    expect((await root.delete("/api/v1/roles/member-manager")).status).toBe(409);
    expect((await root.delete("/api/v1/roles/developer")).status).toBe(400);
    expect((await root.delete("/api/v1/roles/viewer")).status).toBe(204);
  });

  it("shows grants through groups in /me", async () => {
    await root.post("/api/v1/groups", { name: "readers" });
    await root.put("/api/v1/groups/readers/members/newbie");
    await root.post("/api/v1/projects/hidden/members", {
      kind: "group",
      name: "readers",
      role: "limited-guest",
    });
    const newbie = client(server.url, { name: "newbie", secret: "newbie password" });
    const me = await newbie.get("/api/v1/me");
    expect(me.body.grants).toEqual([
      {
        project: "hidden",
        role: "limited-guest",
        group: "readers",
        repositories: ["*"],
        permissions: ["project.read", "repository.pull", "scan.read"],
      },
    ]);
    expect((await newbie.get("/api/v1/projects/hidden")).status).toBe(200);
  });

  it("refuses to delete a project that holds repositories, and deletes an empty one (project.delete)", async () => {
    await pushImage(server.url, "team/app", { tag: "1", authorization: basic(ROOT) });
    const held = await lead.delete("/api/v1/projects/team");
    expect(held.status).toBe(409);
    expect(held.body.errors[0].message).toContain("team/app");
    expect((await dev.delete("/api/v1/projects/open")).status).toBe(403);
    expect((await root.delete("/api/v1/projects/open")).status).toBe(204);
    expect((await root.get("/api/v1/projects/open")).status).toBe(404);
  });
});
