import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing.js";

/**
 * No secret in the record (issue 13): every way the identity surfaces take or hand out a secret is
 * driven here, right and wrong, and then the server's log lines, every answer body after creation and
 * the audit log (as listed by its API) are searched for each secret used: passwords, robot secrets
 * (current and rotated out), registry tokens and refresh tokens, as they are, percent-encoded, in base64
 * and in the Basic form.
 */
const basicOf = (name: string, secret: string) => Buffer.from(`${name}:${secret}`).toString("base64");
const basic = (name: string, secret: string) => `Basic ${basicOf(name, secret)}`;

function forms(secret: string): string[] {
  const all = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]);
  const parts = secret.split(".");
  if (parts.length === 3) all.add(parts[2]!);
  return [...all].filter((f) => f.length >= 8);
}

describe("secrets never reach logs, errors or lists", () => {
  let server: TestServer;
  /** Secrets used, and the form in which each may legitimately be answered once (its creation). */
  const secrets = new Set<string>();
  /** Every answer body after the one that created a secret, and every error body. */
  const bodies: string[] = [];
  const USER = { name: "dev", password: "correct horse battery" };
  const ADMIN = { name: "root", password: "administrator password" };
  let robotSecret = "";
  let rotatedOut = "";

  beforeAll(async () => {
    server = await startTestServer({
      database: "sqlite",
      captureLogs: true,
      config: { "auth.mode": "accounts", "auth.lockout.attempts": 3 },
    });
    const store = server.platform.identity!.store;
    await store.createProject({ name: "team" });
    await store.createUser(USER);
    await store.createUser({ ...ADMIN, admin: true });
    await store.addMember({ project: "team", kind: "user", name: USER.name, role: "developer" });
    const grants = [
      {
        project: "team",
        repositories: ["*"],
        permissions: ["repository.pull" as const, "scan.read" as const],
      },
    ];
    rotatedOut = (await store.createRobot({ name: "ci", project: "team", grants, createdBy: "test" })).secret;
    robotSecret = await store.rotateRobot("robot$team+ci");
    for (const s of [USER.password, ADMIN.password, robotSecret, rotatedOut]) secrets.add(s);
    secrets.add(basicOf(USER.name, USER.password));
    secrets.add(basicOf("robot$team+ci", robotSecret));
  });

  afterAll(async () => server.close());

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${server.url}${path}`, init);
    const text = await res.text();
    bodies.push(`${res.status} ${text} ${res.headers.get("www-authenticate") ?? ""}`);
    return new Response(text, { status: res.status, headers: res.headers });
  }
  const form = (fields: Record<string, string>) =>
    call("/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  /** A token answer is where a token is created: kept out of `bodies`, its secrets added. */
  async function issue(path: string, init: RequestInit = {}): Promise<{ token: string; refresh?: string }> {
    const res = await fetch(`${server.url}${path}`, init);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; refresh_token?: string };
    secrets.add(body.token);
    if (body.refresh_token) secrets.add(body.refresh_token);
    return { token: body.token, ...(body.refresh_token ? { refresh: body.refresh_token } : {}) };
  }

  it("drives every identity surface with right and wrong secrets", async () => {
    const scope = "scope=repository:team/app:pull,push";
    const user = await issue(`/token?offline_token=true&client_id=test&${scope}`, {
      headers: { authorization: basic(USER.name, USER.password) },
    });
    const robot = await issue(`/token?${scope}`, {
      headers: { authorization: basic("robot$team+ci", robotSecret) },
    });
    const posted = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        username: USER.name,
        password: USER.password,
        client_id: "test",
        access_type: "offline",
        scope: "repository:team/app:pull",
      }).toString(),
    });
    const postedBody = (await posted.json()) as { access_token: string; refresh_token: string };
    secrets.add(postedBody.access_token);
    secrets.add(postedBody.refresh_token);

    // Using them, right and wrong.
    for (const token of [user.token, robot.token, postedBody.access_token]) {
      await call("/v2/team/app/tags/list", { headers: { authorization: `Bearer ${token}` } });
      await call("/v2/team/other/tags/list", { headers: { authorization: `Bearer ${token}` } });
      const [h, p, s] = token.split(".");
      await call("/v2/team/app/tags/list", { headers: { authorization: `Bearer ${h}.${p}x.${s}` } });
      await call("/v2/", { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    }
    await form({
      grant_type: "refresh_token",
      refresh_token: user.refresh!,
      client_id: "test",
      scope: "x:y",
    });
    await form({ grant_type: "refresh_token", refresh_token: `${user.refresh!}x`, client_id: "test" });
    await form({
      grant_type: "password",
      username: USER.name,
      password: `${USER.password}!`,
      client_id: "t",
    });
    // A refresh token is not a bearer token, nor a password.
    await call("/v2/", { headers: { authorization: `Bearer ${user.refresh!}` } });
    await call("/token", { headers: { authorization: basic(USER.name, user.refresh!) } });
    // The robot's old secret after rotation, and its secret as a user's password.
    await call("/v2/team/app/tags/list", { headers: { authorization: basic("robot$team+ci", rotatedOut) } });
    await call("/v2/", { headers: { authorization: basic(USER.name, robotSecret) } });
    // A password typed into the name field, and a locked account (3 attempts here).
    await call("/v2/", { headers: { authorization: basic(USER.password, USER.password) } });
    for (let i = 0; i < 4; i++) {
      await call("/api/v1/audit/decisions", {
        headers: { authorization: basic(ADMIN.name, `${ADMIN.password}${i}`) },
      });
    }
    const locked = await call("/v2/", { headers: { authorization: basic(ADMIN.name, ADMIN.password) } });
    expect(locked.status).toBe(429);
    // Malformed headers carrying a secret.
    await call("/v2/", { headers: { authorization: `Basic ${USER.password}` } });
    await call("/v2/", { headers: { authorization: `Token ${robotSecret}` } });
    await call(`/token?scope=${encodeURIComponent(robotSecret)}`);
    await call(`/token?service=${encodeURIComponent(USER.password)}`);
    // The API with each kind of credential.
    await call("/api/v1/audit/decisions", { headers: { authorization: basic(USER.name, USER.password) } });
    await call("/api/v1/audit/decisions", { headers: { authorization: `Bearer ${robot.token}` } });
    await call(`/api/v1/repositories/team/app/manifests/sha256:${"a".repeat(64)}/vulnerabilities`, {
      headers: { authorization: basic("robot$team+ci", robotSecret) },
    });
    expect(bodies.length).toBeGreaterThan(30);
  });

  it("finds none of them in the log, the answers or the audit log", async () => {
    // Access events are appended after the answers: wait until the lockout's row is there.
    await server.platform.identity!.throttle.unlock(`account:${ADMIN.name}`);
    await expect
      .poll(async () =>
        (await server.platform.audit.list({ gate: "access" })).some((r) => r.workload === "login.locked"),
      )
      .toBe(true);
    const audit = await call("/api/v1/audit/decisions?gate=access&limit=10000", {
      headers: { authorization: basic(ADMIN.name, ADMIN.password) },
    });
    expect(audit.status).toBe(200);
    const texts = [...server.logs.map((l) => JSON.stringify(l)), ...bodies];
    expect(server.logs.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    const found: string[] = [];
    let n = 0;
    for (const secret of secrets) {
      n++;
      for (const form of forms(secret)) {
        const where = texts.find((t) => t.includes(form));
        if (where) found.push(`secret #${n} in: ${where.replace(form, "[SECRET]").slice(0, 300)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
