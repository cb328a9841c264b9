import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenIdProvider, startOpenIdProvider } from "../../../test/support/openid-provider.js";
import { expectNoSecrets } from "../../../test/support/secrets.js";
import { startTestServer, type TestServer } from "../testing.js";

const PUBLIC_URL = "http://portcullis.test";
const CLIENT_SECRET = "the-client-secret-of-portcullis";

/** Cookies per host, as a browser keeps them (name → value; attributes ignored). */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  constructor(private readonly rewrite: (url: URL) => URL) {}

  async go(input: string, init: RequestInit = {}): Promise<Response> {
    const url = this.rewrite(new URL(input));
    const jar = this.jars.get(url.host) ?? new Map<string, string>();
    this.jars.set(url.host, jar);
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  cookie(host: string, name: string): string | undefined {
    return this.jars.get(host)?.get(name);
  }

  /** Follows redirects from `start` until `until(url)` says stop; submits the provider's forms on the way. */
  async follow(start: string, until: (url: URL) => boolean): Promise<URL> {
    let next = start;
    for (let hop = 0; hop < 20; hop++) {
      const url = new URL(next);
      if (until(url)) return url;
      const response = await this.go(next);
      const location = response.headers.get("location");
      if (location) {
        next = new URL(location, url).toString();
        continue;
      }
      // The provider's own login and consent pages (oidc-provider's development interactions).
      const html = await response.text();
      const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
      if (!action) throw new Error(`no redirect and no form at ${url}: ${response.status}`);
      const fields = new URLSearchParams();
      for (const [tag] of html.matchAll(/<input[^>]*>/g)) {
        const name = tag.match(/name="([^"]+)"/)?.[1];
        if (name) fields.set(name, tag.match(/value="([^"]*)"/)?.[1] ?? "");
      }
      if (fields.has("login")) fields.set("login", "alice");
      if (fields.has("password")) fields.set("password", "whatever");
      const posted = await this.go(new URL(action, url).toString(), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: fields.toString(),
      });
      next = new URL(posted.headers.get("location")!, url).toString();
    }
    throw new Error("too many redirects");
  }
}

/** An OpenID provider, and a Portcullis in accounts mode that signs in with it (SQLite). */
interface Sso {
  readonly provider: OpenIdProvider;
  readonly server: TestServer;
  readonly dir: string;
}

/**
 * Starts both: the provider releases `scopes` with `claims`; the client secret file holds
 * `secretFile` (with or without its trailing newline, as operators write it).
 */
async function startSso(options: {
  scopes: Record<string, string[]>;
  claims: (id: string) => Record<string, unknown>;
  secretFile: string;
  captureLogs?: boolean;
}): Promise<Sso> {
  const provider = await startOpenIdProvider({
    clientId: "portcullis",
    clientSecret: CLIENT_SECRET,
    redirectUri: `${PUBLIC_URL}/auth/oidc/callback`,
    scopes: options.scopes,
    claims: options.claims,
  });
  const dir = mkdtempSync(join(tmpdir(), "portcullis-oidc-"));
  writeFileSync(join(dir, "client-secret"), options.secretFile);
  const server = await startTestServer({
    database: "sqlite",
    ...(options.captureLogs ? { captureLogs: true } : {}),
    config: {
      "auth.mode": "accounts",
      "auth.oidc.issuer": provider.issuer,
      "auth.oidc.clientId": "portcullis",
      "auth.oidc.clientSecretFile": join(dir, "client-secret"),
      "auth.oidc.publicUrl": PUBLIC_URL,
    },
  });
  return { provider, server, dir };
}

async function stopSso(sso: Sso | undefined): Promise<void> {
  await sso?.server.close();
  await sso?.provider.close();
  if (sso) rmSync(sso.dir, { recursive: true, force: true });
}

/**
 * Single sign-on against a real OpenID provider the test starts (the npm package oidc-provider, an
 * OpenID-certified server): authorization code with PKCE, the user and groups from the ID token, a
 * session, and a personal access token that then works for `podman login`-style Basic auth.
 */
describe("OpenID Connect single sign-on", () => {
  let sso: Sso | undefined;
  let issuer = "";
  let server: TestServer;

  beforeAll(async () => {
    sso = await startSso({
      scopes: { openid: ["sub"], profile: ["preferred_username"], email: ["email"], groups: ["groups"] },
      claims: (id) => ({
        sub: `sub-${id}`,
        preferred_username: id,
        email: `${id}@example.org`,
        groups: ["platform", "sso-developers"],
      }),
      secretFile: `${CLIENT_SECRET}\n`,
    });
    issuer = sso.provider.issuer;
    server = sso.server;
    const store = server.platform.identity!.store;
    await store.createProject({ name: "team" });
    // A group fed by the provider: created ahead so roles can be granted before anyone signs in.
    await store.createGroup("sso-developers", "oidc");
    await store.addMember({ project: "team", kind: "group", name: "sso-developers", role: "developer" });
  }, 30_000);
  afterAll(() => stopSso(sso));

  const toServer = (url: URL) =>
    url.origin === PUBLIC_URL ? new URL(url.pathname + url.search, server.url) : url;

  it("signs a user in with code + PKCE, takes the groups from the ID token, and issues a session", async () => {
    const browser = new Browser(toServer);
    const login = await browser.go(`${PUBLIC_URL}/auth/oidc/login?return_to=/after`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get("location")!);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    const callback = await browser.follow(
      authorize.toString(),
      (url) => url.pathname === "/auth/oidc/callback",
    );
    expect(callback.searchParams.get("code")).toBeTruthy();
    const done = await browser.go(callback.toString());
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/after");
    const host = new URL(server.url).host;
    expect(browser.cookie(host, "pc_session")).toBeTruthy();

    const user = await server.platform.identity!.store.findUser("alice");
    expect(user).toMatchObject({ source: "oidc", email: "alice@example.org" });
    const groups = await server.platform.identity!.store.listGroups();
    expect(groups.find((g) => g.name === "sso-developers")?.members).toEqual(["alice"]);

    // The session reads; a write needs our CSRF header as well as the cookie.
    expect((await browser.go(`${server.url}/api/v1/me/tokens`)).status).toBe(200);
    const noHeader = await browser.go(`${server.url}/api/v1/me/tokens`, {
      method: "POST",
      body: JSON.stringify({ name: "x" }),
    });
    expect(noHeader.status).toBe(401);
    const created = await browser.go(`${server.url}/api/v1/me/tokens`, {
      method: "POST",
      headers: { "x-portcullis-csrf": "1", "content-type": "application/json" },
      body: JSON.stringify({ name: "laptop", expiresInDays: 90 }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    expect(token).toMatch(/^pcu_/);
    const listed = await (await browser.go(`${server.url}/api/v1/me/tokens`)).text();
    expect(listed).not.toContain(token);

    // The personal access token is a password that outlives the SSO session: a registry token for pushes.
    const basic = `Basic ${Buffer.from(`alice:${token}`).toString("base64")}`;
    const answer = await fetch(`${server.url}/token?scope=repository:team/app:pull,push`, {
      headers: { authorization: basic },
    });
    expect(answer.status).toBe(200);
    const { token: jwt } = (await answer.json()) as { token: string };
    expect(JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
    ]);
  });

  it("refuses a callback whose state does not match, and never redirects off this server", async () => {
    const browser = new Browser(toServer);
    const login = await browser.go(`${PUBLIC_URL}/auth/oidc/login?return_to=//evil.example.com/`);
    const callback = await browser.follow(
      login.headers.get("location")!,
      (url) => url.pathname === "/auth/oidc/callback",
    );
    const forged = new URL(callback);
    forged.searchParams.set("state", "forged");
    expect((await browser.go(forged.toString())).status).toBe(401);
    const fresh = new Browser(toServer);
    const again = await fresh.go(`${PUBLIC_URL}/auth/oidc/login?return_to=//evil.example.com/`);
    const back = await fresh.follow(
      again.headers.get("location")!,
      (url) => url.pathname === "/auth/oidc/callback",
    );
    const done = await fresh.go(back.toString());
    expect(done.headers.get("location")).toBe("/");
    // A callback without the login cookie (another browser) is refused.
    expect((await new Browser(toServer).go(back.toString())).status).toBe(401);
  });
});

/**
 * `portcullis login --sso`'s server half: the browser signs in through /auth/cli and lands on the CLI's
 * loopback port with a code; the code and the verifier of its challenge buy a personal access token.
 */
describe("single sign-on for the command line (/auth/cli)", () => {
  let sso: Sso | undefined;
  let server: TestServer;

  beforeAll(async () => {
    sso = await startSso({
      scopes: { openid: ["sub"], profile: ["preferred_username"] },
      claims: (id) => ({ sub: `sub-${id}`, preferred_username: id }),
      secretFile: CLIENT_SECRET,
      captureLogs: true,
    });
    server = sso.server;
  }, 30_000);
  afterAll(() => stopSso(sso));

  const toServer = (url: URL) =>
    url.origin === PUBLIC_URL ? new URL(url.pathname + url.search, server.url) : url;
  const verifier = "v".repeat(43);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const redeem = (body: Record<string, unknown>) =>
    fetch(`${server.url}/auth/cli/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("signs in without a session, hands the loopback a code, and trades it only with the verifier", async () => {
    const browser = new Browser(toServer);
    const start = await browser.go(`${server.url}/auth/cli?port=43210&challenge=${challenge}`);
    expect(start.status).toBe(302);
    expect(start.headers.get("location")).toBe(
      `/auth/oidc/login?return_to=${encodeURIComponent(`/auth/cli?port=43210&challenge=${challenge}`)}`,
    );
    const landed = await browser.follow(
      new URL(start.headers.get("location")!, server.url).toString(),
      (url) => url.port === "43210",
    );
    expect(`${landed.origin}${landed.pathname}`).toBe("http://127.0.0.1:43210/callback");
    const code = landed.searchParams.get("code")!;

    expect((await redeem({ code, verifier: "w".repeat(43) })).status).toBe(401);
    expect((await redeem({ code: `${code}x`, verifier })).status).toBe(401);
    expect((await redeem({ code, verifier, expiresInDays: 0 })).status).toBe(400);
    const issued = await redeem({ code, verifier, expiresInDays: 7 });
    expect(issued.status).toBe(201);
    const body = (await issued.json()) as { username: string; token: string; expiresAt: number };
    expect(body.username).toBe("alice");
    expect(body.token).toMatch(/^pcu_/);
    expect(body.expiresAt - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const me = await fetch(`${server.url}/api/v1/me`, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${body.token}`).toString("base64")}` },
    });
    expect(((await me.json()) as { name: string }).name).toBe("alice");
    // Neither the token, the code nor the verifier reaches a log line (of which there are some).
    expect(server.logs.some((line) => String(line.path ?? "").startsWith("/auth/cli"))).toBe(true);
    expectNoSecrets(
      server.logs.map((line) => JSON.stringify(line)),
      [body.token, code, verifier],
    );
  });

  it("refuses a port or challenge that is not one, and a code without a session", async () => {
    expect((await fetch(`${server.url}/auth/cli?port=80&challenge=${challenge}`)).status).toBe(400);
    expect((await fetch(`${server.url}/auth/cli?port=43210&challenge=short`)).status).toBe(400);
    expect((await redeem({ verifier })).status).toBe(401);
  });
});
