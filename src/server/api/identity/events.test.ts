import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { type Caller, call, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const DEV: Caller = { name: "dev", secret: "developer password" };

/**
 * Every change through the accounts API is in the hash-chained audit log with its actor (gate
 * `access`), refusals too; and no secret (password, robot secret, their hashes) is in any answer after
 * creation, any audit row or any log line.
 */
describe.each(testDatabases())("access events and secrets (%s)", (database) => {
  let server: TestServer;
  const secrets: string[] = [ROOT.secret, DEV.secret];

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" }, captureLogs: true });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: DEV.name, password: DEV.secret });
    await store.createProject({ name: "team" });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
  });
  afterAll(async () => server.close());

  it("records changes and refusals with the actor, and never a secret", async () => {
    const root = client(server.url, ROOT);
    const dev = client(server.url, DEV);
    const user = await root.post("/api/v1/users", { name: "carol" });
    secrets.push(user.body.password);
    secrets.push("carol chosen password");
    await call(server.url, "PUT", "/api/v1/users/carol/password", {
      as: { name: "carol", secret: user.body.password },
      body: { password: "carol chosen password", currentPassword: user.body.password },
    });
    await root.post("/api/v1/roles", { name: "viewer", permissions: ["project.read"] });
    await root.post("/api/v1/projects/team/members", { name: "carol", role: "viewer" });
    const robot = await root.post("/api/v1/projects/team/robots", {
      name: "ci",
      permissions: ["repository.pull"],
    });
    secrets.push(robot.body.secret);
    const rotated = await root.post("/api/v1/projects/team/robots/ci/rotate");
    secrets.push(rotated.body.secret);
    await root.post("/api/v1/projects/team/robots/ci/revoke");
    await root.patch("/api/v1/projects/team", { public: true });
    await root.post("/api/v1/keys/rotate");
    // Refused: dev (developer) may not add members or create robots.
    expect((await dev.post("/api/v1/projects/team/members", { name: "carol", role: "guest" })).status).toBe(
      403,
    );
    expect(
      (await dev.post("/api/v1/projects/team/robots", { name: "x", permissions: ["repository.pull"] }))
        .status,
    ).toBe(403);
    // A failed login.
    expect(
      (await call(server.url, "GET", "/api/v1/me", { as: { name: "dev", secret: "wrong password!" } }))
        .status,
    ).toBe(401);

    await server.platform.identity!.settled();
    const rows = await server.platform.audit.list({ gate: "access", limit: 1000 });
    const seen = rows.map((r) => `${r.workload} ${r.actor} ${r.effect} ${r.image}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        "user.changed root allow user:carol",
        "user.changed carol allow user:carol",
        "role.changed root allow role:viewer",
        "member.changed root allow member:team/user:carol",
        "robot.changed root allow robot:robot$team+ci",
        "project.changed root allow project:team",
        "member.changed dev deny /api/v1/projects/team/members",
        "robot.changed dev deny /api/v1/projects/team/robots",
        "login.failed dev deny dev",
        "login.succeeded root allow root",
      ]),
    );
    expect(seen.some((s) => s.startsWith("key.rotated root allow key:"))).toBe(true);
    expect(rows.filter((r) => r.image === "robot:robot$team+ci").map((r) => r.reason)).toEqual([
      expect.stringMatching(/^created: team\[\*\]: repository\.pull; expires /),
      "secret rotated; the previous secret and refresh tokens no longer work",
      "revoked",
    ]);
    expect(await server.platform.audit.verifyChain()).toMatchObject({ ok: true });

    const everything = JSON.stringify(rows) + JSON.stringify(server.logs);
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(createHash("sha256").update(secret).digest("hex"));
    }
    expect(everything).not.toContain("scrypt$");
  });
});
