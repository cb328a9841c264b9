import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { type Caller, call, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };

describe("the accounts API in anonymous mode", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite" });
  });
  afterAll(async () => server.close());

  it("answers 404 saying accounts are off, and still serves the OpenAPI document", async () => {
    const res = await call(server.url, "GET", "/api/v1/users");
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe("NOT_FOUND");
    expect(res.body.errors[0].message).toContain("auth.mode");
    expect((await call(server.url, "GET", "/api/v1/openapi.json")).status).toBe(200);
  });
});

describe.each(testDatabases())("users and groups over the API (%s)", (database) => {
  let server: TestServer;
  let root: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    await server.platform.identity!.store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    root = client(server.url, ROOT);
  });
  afterAll(async () => server.close());

  it("tells a caller who it is, and challenges anonymous callers with Basic", async () => {
    const me = await root.get("/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: "root", kind: "user", admin: true, mustChangePassword: false });
    expect(me.body.systemPermissions).toContain("system.users");
    const anonymous = await call(server.url, "GET", "/api/v1/me");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await call(server.url, "GET", "/api/v1/me", {
      as: { name: "root", secret: "nope nope nope" },
    });
    expect(wrong.status).toBe(401);
  });

  it("creates a user whose one-time password allows only /me and a password change", async () => {
    const created = await root.post("/api/v1/users", { name: "alice", password: "alice first pass" });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ name: "alice", admin: false, mustChangePassword: true });
    expect(created.body.password).toBeUndefined();
    const alice = client(server.url, { name: "alice", secret: "alice first pass" });
    expect((await alice.get("/api/v1/me")).body.mustChangePassword).toBe(true);
    const blocked = await alice.get("/api/v1/projects");
    expect(blocked.status).toBe(403);
    expect(blocked.body.errors[0].message).toContain("one-time password");

    expect((await alice.put("/api/v1/users/alice/password", { password: "alice second pass" })).status).toBe(
      403,
    );
    const wrongCurrent = await alice.put("/api/v1/users/alice/password", {
      password: "alice second pass",
      currentPassword: "not the password",
    });
    expect(wrongCurrent.status).toBe(403);
    const changed = await alice.put("/api/v1/users/alice/password", {
      password: "alice second pass",
      currentPassword: "alice first pass",
    });
    expect(changed.status).toBe(204);
    expect((await alice.get("/api/v1/me")).status).toBe(401);
    const renewed = client(server.url, { name: "alice", secret: "alice second pass" });
    expect((await renewed.get("/api/v1/projects")).status).toBe(200);
    expect((await renewed.get("/api/v1/users/alice")).body.mustChangePassword).toBe(false);
    // Someone else's account needs system.users.
    expect((await renewed.get("/api/v1/users/root")).status).toBe(403);
    expect((await renewed.get("/api/v1/users")).status).toBe(403);
  });

  it("generates a one-time password when none is given, shown once", async () => {
    const created = await root.post("/api/v1/users", { name: "bob" });
    expect(created.status).toBe(201);
    expect(created.body.password).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const listed = await root.get("/api/v1/users");
    expect(listed.text).not.toContain(created.body.password);
    expect(listed.text).not.toContain("scrypt");
    expect(listed.body.users.map((u: { name: string }) => u.name)).toEqual(["alice", "bob", "root"]);
    const bob = client(server.url, { name: "bob", secret: created.body.password });
    expect((await bob.get("/api/v1/me")).status).toBe(200);
  });

  it("refuses names, passwords and bodies that break the rules, without echoing them", async () => {
    const short = await root.post("/api/v1/users", { name: "carol", password: "short" });
    expect(short.status).toBe(400);
    expect(short.text).not.toContain('"short"');
    expect((await root.post("/api/v1/users", { name: "bad name!" })).status).toBe(400);
    expect((await root.post("/api/v1/users", { name: "alice" })).status).toBe(409);
    const typo = await root.post("/api/v1/users", { name: "carol", pasword: "carol password 1" });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].message).toContain("pasword");
    const broken = await call(server.url, "POST", "/api/v1/users", {
      as: ROOT,
      rawBody: '{"name":"carol","password":"hunter2 hunter2 secret',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].code).toBe("INVALID_ARGUMENT");
    expect(broken.text).not.toContain("hunter2");
  });

  it("disables, enables, makes and unmakes administrators, and keeps the last one", async () => {
    expect((await root.post("/api/v1/users/bob/disable")).status).toBe(204);
    expect((await root.get("/api/v1/users/bob")).body.disabled).toBe(true);
    expect((await root.post("/api/v1/users/bob/enable")).status).toBe(204);
    const last = await root.post("/api/v1/users/root/disable");
    expect(last.status).toBe(409);
    expect(last.body.errors[0].message).toContain("last administrator");
    expect((await root.put("/api/v1/users/root/admin", { admin: false })).status).toBe(409);
    expect((await root.delete("/api/v1/users/root")).status).toBe(409);
    expect((await root.put("/api/v1/users/alice/admin", { admin: true })).status).toBe(204);
    expect((await root.get("/api/v1/users/alice")).body.admin).toBe(true);
    expect((await root.put("/api/v1/users/alice/admin", { admin: false })).status).toBe(204);
    expect((await root.delete("/api/v1/users/nobody")).status).toBe(404);
  });

  it("resets another user's password as one-time, and revokes refresh tokens", async () => {
    expect((await root.put("/api/v1/users/bob/password", { password: "bob reset password" })).status).toBe(
      204,
    );
    const bob = client(server.url, { name: "bob", secret: "bob reset password" });
    expect((await bob.get("/api/v1/me")).body.mustChangePassword).toBe(true);
    const revoked = await root.delete("/api/v1/users/bob/tokens");
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ revoked: 0 });
  });

  it("manages groups and their members", async () => {
    expect((await root.post("/api/v1/groups", { name: "devs" })).status).toBe(201);
    expect((await root.put("/api/v1/groups/devs/members/alice")).status).toBe(204);
    expect((await root.put("/api/v1/groups/devs/members/bob")).status).toBe(204);
    expect((await root.delete("/api/v1/groups/devs/members/bob")).status).toBe(204);
    expect((await root.delete("/api/v1/groups/devs/members/bob")).status).toBe(404);
    expect((await root.get("/api/v1/groups")).body).toEqual({
      groups: [{ name: "devs", members: ["alice"] }],
    });
    expect((await root.put("/api/v1/groups/devs/members/ghost")).status).toBe(404);
    expect((await root.delete("/api/v1/groups/devs")).status).toBe(204);
    expect((await root.get("/api/v1/groups")).body).toEqual({ groups: [] });
  });

  it("deletes a user", async () => {
    expect((await root.delete("/api/v1/users/bob")).status).toBe(204);
    expect((await root.get("/api/v1/users/bob")).status).toBe(404);
  });
});
