import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testDatabases } from "../testing.js";

/** The console's password sign-in: POST /auth/login sets the same sealed session cookie as SSO. */
describe.each(testDatabases())("password sign-in for the console (%s)", (database) => {
  let server: TestServer;
  let origin: string;

  beforeAll(async () => {
    server = await startTestServer({
      database,
      config: { "auth.mode": "accounts", "auth.lockout.attempts": 3 },
    });
    origin = server.url;
    const store = server.platform.identity!.store;
    await store.createUser({ name: "alice", password: "alice password one", admin: false });
    await store.createUser({ name: "bob", password: "bob password one", admin: false });
  });
  afterAll(() => server.close());

  const login = (body: unknown, headers: Record<string, string> = { origin }) =>
    fetch(`${server.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      redirect: "manual",
    });
  const sessionOf = (res: Response) => /pc_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];

  it("signs a user in: a Strict, HttpOnly session cookie that /api/v1/me then reads", async () => {
    const res = await login({ username: "alice", password: "alice password one" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "alice" });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    const me = await fetch(`${server.url}/api/v1/me`, {
      headers: { cookie: `pc_session=${sessionOf(res)}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { name: string }).name).toBe("alice");
  });

  it("refuses a post from another site's page, or with no Origin at all, before it checks anything", async () => {
    const refused: Record<string, string>[] = [{ origin: "https://evil.example" }, {}, { origin: "null" }];
    for (const headers of refused) {
      const res = await login({ username: "alice", password: "alice password one" }, headers);
      expect(res.status).toBe(403);
      expect(sessionOf(res)).toBeUndefined();
    }
  });

  it("answers a wrong password 401 with no cookie, and a bad body 400", async () => {
    const wrong = await login({ username: "alice", password: "not it" });
    expect(wrong.status).toBe(401);
    expect(sessionOf(wrong)).toBeUndefined();
    expect((await login({ username: "alice" })).status).toBe(400);
    expect((await login("just a string")).status).toBe(400);
    // Robots and access tokens are for scripts, not browser sessions.
    expect((await login({ username: "robot$team+ci", password: "x" })).status).toBe(401);
  });

  it("is throttled like every password check: locked after the configured failures", async () => {
    for (let i = 0; i < 3; i++) await login({ username: "bob", password: `wrong ${i}` });
    const locked = await login({ username: "bob", password: "bob password one" });
    expect(locked.status).toBe(429);
    expect(sessionOf(locked)).toBeUndefined();
  });

  it("takes a plain form too, and sends the browser back only to a path of this server", async () => {
    const post = (returnTo: string) =>
      fetch(`${server.url}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: new URLSearchParams({ username: "alice", password: "alice password one", return_to: returnTo }),
        redirect: "manual",
      });
    const home = await post("/decisions?effect=deny");
    expect(home.status).toBe(303);
    expect(home.headers.get("location")).toBe("/decisions?effect=deny");
    expect(sessionOf(home)).toBeTruthy();
    expect((await post("//evil.example/")).headers.get("location")).toBe("/");
    expect((await post("https://evil.example/")).headers.get("location")).toBe("/");
  });

  it("challenges a signed-out console request with Session, anything else with Basic", async () => {
    const console = await fetch(`${server.url}/api/v1/me`, { headers: { "x-portcullis-csrf": "1" } });
    expect(console.status).toBe(401);
    expect(console.headers.get("www-authenticate")).toMatch(/^Session realm=/);
    const script = await fetch(`${server.url}/api/v1/me`);
    expect(script.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
  });

  it("signs out: the cookie is cleared", async () => {
    const res = await fetch(`${server.url}/auth/logout`, { method: "POST" });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

describe("password sign-in in anonymous mode", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite" });
  });
  afterAll(() => server.close());

  it("does not exist: there is nobody to sign in as", async () => {
    const res = await fetch(`${server.url}/auth/login`, { method: "POST", headers: { origin: server.url } });
    expect(res.status).toBe(404);
  });
});
