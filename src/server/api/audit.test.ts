import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditCheckpoint, parseCheckpoints } from "../../audit/index.js";
import { startTestServer, type TestServer, testDatabases } from "../testing.js";

describe.each(testDatabases())("GET /api/v1/audit/checkpoint (%s)", (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ database });
  });

  afterAll(async () => {
    await server?.close();
  });

  it("answers 404 with a JSON error while the log is empty, then the head as one checkpoint line", async () => {
    const empty = await fetch(`${server.url}/api/v1/audit/checkpoint`);
    expect(empty.status).toBe(404);
    expect(empty.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await empty.json()).toEqual({
      errors: [{ code: "AUDIT_LOG_EMPTY", message: expect.stringContaining("empty") }],
    });

    for (let i = 0; i < 3; i++) {
      await server.platform.audit.append({
        gate: "registry-push",
        image: `127.0.0.1/team/app:${i}`,
        effect: "allow",
        mode: "enforce",
        reason: "allowed",
        rules: [],
      });
    }
    const head = (await server.platform.audit.head())!;
    const res = await fetch(`${server.url}/api/v1/audit/checkpoint`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text.endsWith("}\n")).toBe(true);
    const checkpoint = JSON.parse(text) as AuditCheckpoint;
    expect(checkpoint).toEqual({ id: head.id, hash: head.hash, count: 3, at: expect.any(String) });
    expect(parseCheckpoints(text, "response")).toEqual([checkpoint]);

    // What an operator keeps from it catches a later truncation.
    const { audit } = server.platform;
    await audit.append({
      gate: "admission",
      image: "x",
      effect: "deny",
      mode: "enforce",
      reason: "r",
      rules: [],
    });
    const later = JSON.parse(
      await (await fetch(`${server.url}/api/v1/audit/checkpoint`)).text(),
    ) as AuditCheckpoint;
    expect(later.count).toBe(4);
    await sql`delete from decisions where id = ${later.id}`.execute(server.platform.database.db);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, count: 3 });
    expect(await audit.verifyChain({ checkpoints: [checkpoint, later] })).toMatchObject({
      ok: false,
      id: later.id,
    });
  });
});

describe.each(testDatabases())("GET /api/v1/audit/decisions, a project's part of it (%s)", (database) => {
  let server: TestServer;
  const basic = (name: string) => `Basic ${Buffer.from(`${name}:password of ${name}`).toString("base64")}`;
  const images = (host: string) => ({
    team: [
      `${host}/team/app@sha256:${"a".repeat(64)}`,
      "project:team",
      "robot:robot$team+ci",
      "member:team/user:alice",
      "repository:team/app:pull,push",
      "/api/v1/projects/team/robots",
      `${host}/team/nested/app@sha256:${"b".repeat(64)}`,
    ],
    // Other projects', names that only start like it, and events about no project.
    elsewhere: [
      `${host}/other/app@sha256:${"c".repeat(64)}`,
      `${host}/teamx/app@sha256:${"d".repeat(64)}`,
      `${host}/other/team/app@sha256:${"e".repeat(64)}`,
      `${host}/TEAM/app@sha256:${"f".repeat(64)}`,
      `registry.example.com/team/app@sha256:${"0".repeat(64)}`,
      "project:teamx",
      "project:other",
      "robot:robot$teamx+ci",
      "robot:robot$other+team",
      "member:other/user:team",
      "repository:other/team:pull",
      "user:alice",
      "robot$team",
      "key:ABCD",
      "/api/v1/projects/teamx",
    ],
  });

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    for (const name of ["team", "teamx", "other"]) await store.createProject({ name });
    await store.createRole({ name: "auditor", permissions: ["audit.read"] });
    for (const [name, role] of [
      ["alice", "project-admin"],
      ["gus", "guest"],
      ["lim", "limited-guest"],
      ["aud", "auditor"],
    ] as const) {
      await store.createUser({ name, password: `password of ${name}` });
      await store.addMember({ project: "team", kind: "user", name, role });
    }
    await store.createUser({ name: "narrow", password: "password of narrow" });
    await store.addMember({
      project: "team",
      kind: "user",
      name: "narrow",
      role: "guest",
      repositories: ["app"],
    });
    await store.createUser({ name: "root", password: "password of root", admin: true });
    const { team, elsewhere } = images(server.platform.registryHost);
    // Interleaved, so the newest entries of the whole log are not the project's.
    const all = [...team.flatMap((image, i) => [image, elsewhere[i]!]), ...elsewhere.slice(team.length)];
    for (const image of all) {
      await server.platform.audit.append({
        gate: image.includes("@") ? "registry-push" : "access",
        image,
        effect: "allow",
        mode: "enforce",
        reason: "test",
        rules: [],
      });
    }
  });
  afterAll(async () => server?.close());

  const read = async (who: string | undefined, query = "") => {
    const res = await fetch(`${server.url}/api/v1/audit/decisions${query}`, {
      headers: who ? { authorization: basic(who) } : {},
    });
    return {
      status: res.status,
      body: (await res.json()) as { decisions?: Array<{ image: string; reason: string }> },
    };
  };

  it("shows a project's auditors only its images and events, and the administrator everything", async () => {
    const { team, elsewhere } = images(server.platform.registryHost);
    for (const who of ["alice", "gus", "aud"]) {
      const { status, body } = await read(who);
      expect({ who, status }).toEqual({ who, status: 200 });
      expect(body.decisions!.map((d) => d.image).sort()).toEqual([...team].sort());
    }
    // The administrator's read also shows the logins the reads above made (targets: user names).
    const everything = await read("root");
    expect(
      everything.body
        .decisions!.filter((d) => d.reason === "test")
        .map((d) => d.image)
        .sort(),
    ).toEqual([...team, ...elsewhere].sort());
  });

  it("filters in the query: limit and gate apply to the project's part, not to the whole log", async () => {
    const { team } = images(server.platform.registryHost);
    const newest = await read("alice", "?limit=2");
    expect(newest.body.decisions!.map((d) => d.image)).toEqual(team.slice(-2));
    const events = await read("alice", "?gate=access");
    expect(events.body.decisions!.map((d) => d.image)).toEqual(team.filter((i) => !i.includes("@")));
  });

  it("reads one project's part with ?project=, for its auditors and the administrator only", async () => {
    const { team } = images(server.platform.registryHost);
    for (const who of ["alice", "aud", "root"]) {
      const { status, body } = await read(who, "?project=team");
      expect({ who, status }).toEqual({ who, status: 200 });
      expect(
        body
          .decisions!.filter((d) => d.reason === "test")
          .map((d) => d.image)
          .sort(),
      ).toEqual([...team].sort());
    }
    // A project the caller may not audit is refused, not answered with an empty list.
    const other = await read("alice", "?project=other");
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain("other/app");
    expect((await read("narrow", "?project=team")).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/audit/decisions?project=team`)).status).toBe(401);
    const bad = await read("root", "?project=..%2Fteam");
    expect(bad.status).toBe(400);
  });

  it("refuses callers without audit.read over a whole project: 403 known, 401 anonymous", async () => {
    expect((await read("lim")).status).toBe(403);
    expect((await read("narrow")).status).toBe(403);
    const anonymous = await fetch(`${server.url}/api/v1/audit/decisions`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic /);
  });
});
