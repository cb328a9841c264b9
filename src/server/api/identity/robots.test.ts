import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage, startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { basic, type Caller, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const LEAD: Caller = { name: "lead", secret: "project lead password" };
const DEV: Caller = { name: "dev", secret: "developer password" };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe.each(testDatabases())("robot accounts over the API (%s)", (database) => {
  let server: TestServer;
  let root: ReturnType<typeof client>;
  let lead: ReturnType<typeof client>;
  let dev: ReturnType<typeof client>;
  const v2 = (path: string, as: Caller, init: RequestInit = {}) =>
    fetch(`${server.url}/v2/${path}`, { ...init, headers: { authorization: basic(as) } });

  const registryToken = async (as: Caller) => {
    const res = await fetch(`${server.url}/token?service=portcullis&scope=repository:team/apps/web:pull`, {
      headers: { authorization: basic(as) },
    });
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: LEAD.name, password: LEAD.secret });
    await store.createUser({ name: DEV.name, password: DEV.secret });
    for (const name of ["team", "other"]) await store.createProject({ name });
    await store.addMember({ project: "team", kind: "user", name: "lead", role: "project-admin" });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
    root = client(server.url, ROOT);
    lead = client(server.url, LEAD);
    dev = client(server.url, DEV);
  });
  afterAll(async () => server.close());

  it("creates a project robot whose secret is shown once and works on /v2/ within its grant", async () => {
    expect(
      (await dev.post("/api/v1/projects/team/robots", { name: "ci", permissions: ["repository.pull"] }))
        .status,
    ).toBe(403);
    const created = await lead.post("/api/v1/projects/team/robots", {
      name: "ci",
      description: "the build",
      permissions: ["repository.pull", "repository.push"],
      repositories: ["apps/*"],
    });
    expect(created.status).toBe(201);
    const { robot, secret } = created.body;
    expect(secret).toMatch(/^pcr_[A-Za-z0-9_-]{40,}$/);
    expect(robot).toMatchObject({
      name: "robot$team+ci",
      project: "team",
      createdBy: "lead",
      disabled: false,
      expired: false,
      grants: [
        { project: "team", repositories: ["apps/*"], permissions: ["repository.pull", "repository.push"] },
      ],
    });
    // 90 days unless told otherwise.
    const days = (Date.parse(robot.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const ci: Caller = { name: robot.name, secret };
    await pushImage(server.url, "team/apps/web", { tag: "1", authorization: basic(ci) });
    expect((await v2("team/apps/web/tags/list", ci)).status).toBe(200);
    expect((await v2("team/other/tags/list", ci)).status).toBe(403);

    for (const answer of [
      await lead.get("/api/v1/projects/team/robots"),
      await lead.get("/api/v1/projects/team/robots/ci"),
      await dev.get("/api/v1/me"),
    ]) {
      expect(answer.text).not.toContain(secret);
      expect(answer.text).not.toContain(sha256(secret));
      expect(answer.text).not.toMatch(/secret"?\s*:/i);
    }
    const listed = await lead.get("/api/v1/projects/team/robots");
    expect(listed.body.robots.map((r: { name: string }) => r.name)).toEqual(["robot$team+ci"]);
    // developer holds no robot.read
    expect((await dev.get("/api/v1/projects/team/robots")).status).toBe(403);
    // the robot itself may call the API within its grant: it may not manage robots
    expect((await client(server.url, ci).get("/api/v1/projects/team/robots")).status).toBe(403);
    expect((await client(server.url, ci).get("/api/v1/me")).body).toMatchObject({
      name: "robot$team+ci",
      kind: "robot",
    });
  });

  it("refuses a robot with permissions its creator does not hold", async () => {
    await root.post("/api/v1/roles", {
      name: "robot-keeper",
      permissions: ["project.read", "robot.read", "robot.write"],
    });
    await root.post("/api/v1/users", {
      name: "keeper",
      password: "keeper password",
      mustChangePassword: false,
    });
    await root.post("/api/v1/projects/team/members", { name: "keeper", role: "robot-keeper" });
    const keeper = client(server.url, { name: "keeper", secret: "keeper password" });
    const wide = await keeper.post("/api/v1/projects/team/robots", {
      name: "wide",
      permissions: ["repository.push"],
    });
    expect(wide.status).toBe(403);
    expect(wide.body.errors[0].message).toContain("repository.push");
    // nor may it rotate (and so obtain) the secret of a robot holding more than it does
    expect((await keeper.post("/api/v1/projects/team/robots/ci/rotate")).status).toBe(403);
    expect(
      (await keeper.post("/api/v1/projects/team/robots", { name: "narrow", permissions: ["project.read"] }))
        .status,
    ).toBe(201);
  });

  it("rotates a secret: the old one stops at once, the new one is shown once", async () => {
    const before = (
      await lead.post("/api/v1/projects/team/robots", { name: "rot", permissions: ["repository.pull"] })
    ).body;
    const old: Caller = { name: before.robot.name, secret: before.secret };
    expect((await v2("team/apps/web/tags/list", old)).status).toBe(200);
    const rotated = await lead.post("/api/v1/projects/team/robots/rot/rotate");
    expect(rotated.status).toBe(200);
    expect(rotated.body.name).toBe("robot$team+rot");
    expect(rotated.body.secret).not.toBe(before.secret);
    expect((await v2("team/apps/web/tags/list", old)).status).toBe(401);
    expect(
      (await v2("team/apps/web/tags/list", { name: old.name, secret: rotated.body.secret })).status,
    ).toBe(200);
  });

  it("revokes a robot at once, also the registry tokens it already holds, and deletes it", async () => {
    const made = (
      await lead.post("/api/v1/projects/team/robots", { name: "gone", permissions: ["repository.pull"] })
    ).body;
    const robot: Caller = { name: made.robot.name, secret: made.secret };
    const token = await registryToken(robot);
    const withToken = () =>
      fetch(`${server.url}/v2/team/apps/web/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    expect((await withToken()).status).toBe(200);
    expect((await lead.post("/api/v1/projects/team/robots/gone/revoke")).status).toBe(204);
    expect((await lead.get("/api/v1/projects/team/robots/gone")).body.disabled).toBe(true);
    expect((await v2("team/apps/web/tags/list", robot)).status).toBe(401);
    expect((await withToken()).status).toBe(401);
    expect((await lead.delete("/api/v1/projects/team/robots/gone")).status).toBe(204);
    expect((await lead.get("/api/v1/projects/team/robots/gone")).status).toBe(404);
  });

  it("takes an expiry, and refuses one in the past", async () => {
    const never = await lead.post("/api/v1/projects/team/robots", {
      name: "forever",
      permissions: ["repository.pull"],
      expiresAt: null,
    });
    expect(never.body.robot.expiresAt).toBeNull();
    const past = await lead.post("/api/v1/projects/team/robots", {
      name: "late",
      permissions: ["repository.pull"],
      expiresAt: "2020-01-01T00:00:00Z",
    });
    expect(past.status).toBe(400);
    const both = await lead.post("/api/v1/projects/team/robots", {
      name: "late",
      permissions: ["repository.pull"],
      expiresAt: null,
      expiresIn: "1d",
    });
    expect(both.status).toBe(400);
    const brief = await lead.post("/api/v1/projects/team/robots", {
      name: "brief",
      permissions: ["repository.pull"],
      expiresIn: "1500ms",
    });
    expect(brief.status).toBe(201);
    const robot: Caller = { name: brief.body.robot.name, secret: brief.body.secret };
    // Wait for the expiry to pass, then the secret is refused.
    const until = Date.parse(brief.body.robot.expiresAt);
    while (Date.now() <= until) await new Promise((r) => setTimeout(r, 100));
    expect((await v2("team/apps/web/tags/list", robot)).status).toBe(401);
    expect((await lead.get("/api/v1/projects/team/robots/brief")).body.expired).toBe(true);
  });

  it("keeps system robots (system.robots) apart from project robots", async () => {
    expect((await lead.get("/api/v1/robots")).status).toBe(403);
    expect(
      (
        await lead.post("/api/v1/robots", {
          name: "mirror",
          grants: [{ project: "team", permissions: ["repository.pull"] }],
        })
      ).status,
    ).toBe(403);
    const created = await root.post("/api/v1/robots", {
      name: "mirror",
      grants: [
        { project: "team", permissions: ["repository.pull"] },
        { project: "other", repositories: ["base/*"], permissions: ["repository.pull", "repository.push"] },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.robot.name).toBe("robot$mirror");
    expect(created.body.robot.project).toBeUndefined();
    const mirror: Caller = { name: "robot$mirror", secret: created.body.secret };
    expect((await v2("team/apps/web/tags/list", mirror)).status).toBe(200);
    expect(
      (
        await root.post("/api/v1/robots", {
          name: "x",
          grants: [{ project: "nowhere", permissions: ["repository.pull"] }],
        })
      ).status,
    ).toBe(404);
    const system = await root.get("/api/v1/robots");
    expect(system.body.robots.map((r: { name: string }) => r.name)).toEqual(["robot$mirror"]);
    expect(system.text).not.toContain(created.body.secret);
    // A project robot is not reachable through the system routes.
    expect((await root.get("/api/v1/robots/team+ci")).status).toBe(404);
    expect((await root.delete("/api/v1/robots/mirror")).status).toBe(204);
  });

  it("rotates the token signing key (system.config)", async () => {
    expect((await lead.post("/api/v1/keys/rotate")).status).toBe(403);
    const rotated = await root.post("/api/v1/keys/rotate");
    expect(rotated.status).toBe(200);
    const jwks = (await (await fetch(`${server.url}/token/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(rotated.body.kid);
    const token = await registryToken(LEAD);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid).toBe(rotated.body.kid);
  });
});
