import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testDatabases } from "../testing.js";

const basic = (name: string, secret: string) =>
  `Basic ${Buffer.from(`${name}:${secret}`).toString("base64")}`;

/** The Docker token flow over HTTP, as a client sees it (distribution spec/auth/token.md). */
describe.each(testDatabases())("token authentication over HTTP (%s)", (database) => {
  let server: TestServer;
  let robotSecret = "";

  beforeAll(async () => {
    server = await startTestServer({ database, config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createProject({ name: "team" });
    await store.createProject({ name: "open", public: true });
    await store.createUser({ name: "dev", password: "developer password" });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
    robotSecret = (
      await store.createRobot({
        name: "reader",
        project: "team",
        grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
        createdBy: "test",
      })
    ).secret;
  });
  afterAll(async () => server.close());

  it("challenges an anonymous /v2/ with the Bearer realm, service and the scope it needs", async () => {
    const base = await fetch(`${server.url}/v2/`);
    expect(base.status).toBe(401);
    expect(base.headers.get("www-authenticate")).toBe(
      `Bearer realm="${server.url}/token",service="portcullis"`,
    );
    const tags = await fetch(`${server.url}/v2/team/app/tags/list`);
    expect(tags.status).toBe(401);
    expect(tags.headers.get("www-authenticate")).toContain(`scope="repository:team/app:pull"`);
    expect(((await tags.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe("UNAUTHORIZED");
  });

  it("issues a token with Basic credentials and grants only what the caller may do", async () => {
    const answer = await fetch(
      `${server.url}/token?service=portcullis&scope=repository:team/app:pull,push&scope=repository:other/x:pull`,
      { headers: { authorization: basic("dev", "developer password") } },
    );
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      token: string;
      access_token: string;
      expires_in: number;
      issued_at: string;
    };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    const payload = JSON.parse(Buffer.from(body.token.split(".")[1]!, "base64url").toString());
    expect(payload.access).toEqual([{ type: "repository", name: "team/app", actions: ["pull", "push"] }]);
    const auth = { authorization: `Bearer ${body.token}` };
    expect((await fetch(`${server.url}/v2/`, { headers: auth })).status).toBe(200);
    // Allowed by the token: the repository does not exist yet.
    expect((await fetch(`${server.url}/v2/team/app/tags/list`, { headers: auth })).status).toBe(404);
    const other = await fetch(`${server.url}/v2/team/other/tags/list`, { headers: auth });
    expect(other.status).toBe(401);
    expect(other.headers.get("www-authenticate")).toContain(`error="insufficient_scope"`);
  });

  it("names every resource a request needs in its challenge: a mount's source too, and the catalog", async () => {
    const digest = `sha256:${"1".repeat(64)}`;
    const mount = await fetch(`${server.url}/v2/team/app/blobs/uploads/?mount=${digest}&from=team/base`, {
      method: "POST",
    });
    expect(mount.status).toBe(401);
    expect(mount.headers.get("www-authenticate")).toBe(
      `Bearer realm="${server.url}/token",service="portcullis",scope="repository:team/app:pull,push repository:team/base:pull"`,
    );
    const dev = basic("dev", "developer password");
    const token = async (query: string) =>
      (await (await fetch(`${server.url}/token?${query}`, { headers: { authorization: dev } })).json()) as {
        token: string;
      };
    const { token: catalogToken } = await token("scope=repository:team/app:pull");
    const catalog = await fetch(`${server.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${catalogToken}` },
    });
    expect(catalog.status).toBe(401);
    expect(catalog.headers.get("www-authenticate")).toContain(
      `scope="registry:catalog:*",error="insufficient_scope"`,
    );
  });

  it("reads the scope grammar: repeated and space-separated scopes, classes, registry hosts with ports", async () => {
    const scopes = [
      // A registry host with a port is part of the name, not a type or an action; no project has it.
      "repository:127.0.0.1:5000/team/app:pull",
      "repository:team/app:pull repository(plugin):team/app:push",
      "registry:catalog:*",
      "repository:team/app:delete",
    ];
    const query = scopes.map((s) => `scope=${encodeURIComponent(s)}`).join("&");
    const res = await fetch(`${server.url}/token?service=portcullis&${query}`, {
      headers: { authorization: basic("dev", "developer password") },
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    // Partial: what the developer may (pull and push of team/app, the catalog), never an error.
    expect(payload.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    const bad = await fetch(`${server.url}/token?scope=${encodeURIComponent("repository:team/secret-name")}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain("secret-name");
  });

  it("refuses wrong credentials with 401 and gives anonymous callers public pulls only", async () => {
    expect(
      (
        await fetch(`${server.url}/token?scope=repository:team/app:pull`, {
          headers: { authorization: basic("dev", "wrong") },
        })
      ).status,
    ).toBe(401);
    const anonymous = (await (
      await fetch(`${server.url}/token?scope=repository:open/app:pull,push&scope=repository:team/app:pull`)
    ).json()) as { token: string };
    const payload = JSON.parse(Buffer.from(anonymous.token.split(".")[1]!, "base64url").toString());
    expect(payload.sub).toBe("");
    expect(payload.access).toEqual([{ type: "repository", name: "open/app", actions: ["pull"] }]);
  });

  it("answers Basic on /v2/ directly: 403 for a known caller without the permission", async () => {
    const robot = basic("robot$team+reader", robotSecret);
    expect(
      (await fetch(`${server.url}/v2/team/app/tags/list`, { headers: { authorization: robot } })).status,
    ).toBe(404);
    const push = await fetch(`${server.url}/v2/team/app/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: robot },
    });
    expect(push.status).toBe(403);
    expect(((await push.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe("DENIED");
  });

  it("supports the OAuth2 password and refresh_token grants", async () => {
    const form = (fields: Record<string, string>) =>
      fetch(`${server.url}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    const first = await form({
      grant_type: "password",
      username: "dev",
      password: "developer password",
      client_id: "test",
      access_type: "offline",
      scope: "repository:team/app:pull",
    });
    expect(first.status).toBe(200);
    const { refresh_token } = (await first.json()) as { refresh_token: string };
    expect(refresh_token).toMatch(/^pcrt_/);
    const second = await form({
      grant_type: "refresh_token",
      refresh_token,
      client_id: "test",
      scope: "repository:team/app:push",
    });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { scope: string }).scope).toBe("repository:team/app:push");
    expect(
      (await form({ grant_type: "refresh_token", refresh_token: "pcrt_forged", client_id: "test" })).status,
    ).toBe(401);
  });

  it("hands out a refresh token to GET /token?offline_token=true, never to anonymous callers", async () => {
    const answer = (await (
      await fetch(`${server.url}/token?offline_token=true&client_id=docker&scope=repository:team/app:pull`, {
        headers: { authorization: basic("robot$team+reader", robotSecret) },
      })
    ).json()) as { refresh_token?: string };
    expect(answer.refresh_token).toMatch(/^pcrt_/);
    const refreshed = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: answer.refresh_token!,
        client_id: "docker",
        scope: "repository:team/app:pull,push",
      }).toString(),
    });
    // The robot's grant, as at login: pull only.
    expect(((await refreshed.json()) as { scope: string }).scope).toBe("repository:team/app:pull");
    const anonymous = (await (
      await fetch(`${server.url}/token?offline_token=true&scope=repository:open/app:pull`)
    ).json()) as { refresh_token?: string };
    expect(anonymous.refresh_token).toBeUndefined();
  });

  it("publishes the public keys as a JWK Set", async () => {
    const jwks = (await (await fetch(`${server.url}/token/jwks`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });
  it("gives a one-time password no access and no refresh token, until it is changed", async () => {
    const store = server.platform.identity!.store;
    await store.createUser({ name: "newbie", password: "one-time password here", mustChangePassword: true });
    await store.addMember({ project: "team", kind: "user", name: "newbie", role: "developer" });
    const ask = async (secret: string) => {
      const answer = await fetch(
        `${server.url}/token?service=portcullis&scope=repository:team/app:pull,push&offline_token=true`,
        { headers: { authorization: basic("newbie", secret) } },
      );
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { token: string; refresh_token?: string };
      return { ...body, payload: JSON.parse(Buffer.from(body.token.split(".")[1]!, "base64url").toString()) };
    };
    const before = await ask("one-time password here");
    expect(before.payload.access).toEqual([]);
    expect(before.refresh_token).toBeUndefined();
    // Basic on the registry itself: refused with the reason, not as "may not".
    const tags = await fetch(`${server.url}/v2/team/app/tags/list`, {
      headers: { authorization: basic("newbie", "one-time password here") },
    });
    expect(tags.status).toBe(403);
    expect(JSON.stringify(await tags.json())).toContain("one-time password");
    await store.setPassword("newbie", "a password of their own");
    const after = await ask("a password of their own");
    expect(after.payload.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
    ]);
    expect(after.refresh_token).toBeDefined();
  });
});
