import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../server/testing.js";
import { credentialsPath, readCredentials, writeCredentials } from "./credentials.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli();
const run = (...args: string[]) => main(["node", "portcullis", ...args]);

/** The account commands over a real server's API, in process (login itself is in test/e2e). */
describe("portcullis user, group, project, robot and role", () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-accounts-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  const loginAs = (username: string, secret: string) =>
    writeCredentials({ current: server.url, servers: { [server.url]: { username, secret } } });

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    const library = join(dir, "policies");
    mkdirSync(library);
    writeFileSync(
      join(library, "prod.yaml"),
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { labels: [org.opencontainers.image.source] }\n",
    );
    server = await startTestServer({
      database: "sqlite",
      config: { "auth.mode": "accounts", "policy.library": library },
    });
    await server.platform.identity!.store.createUser({
      name: "root",
      password: "root password one",
      admin: true,
    });
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("says how to log in when no server is known (exit 2)", async () => {
    expect(await run("project", "list")).toBe(2);
    expect(io.err).toContain("portcullis login URL");
  });

  it("keeps credentials in a file only its owner may read", () => {
    loginAs("root", "root password one");
    expect(statSync(credentialsPath()).mode & 0o777).toBe(0o600);
    expect(readCredentials().current).toBe(server.url);
  });

  it("creates, shows and changes projects as tables and JSON", async () => {
    loginAs("root", "root password one");
    expect(await run("project", "create", "team")).toBe(0);
    expect(io.out).toMatch(/^project\s+visibility/);
    expect(io.out).toMatch(/team\s+private/);
    io.reset();
    expect(await run("project", "set", "team", "--public", "--certified-policy", "prod")).toBe(0);
    expect(io.out).toMatch(/team\s+public\s+prod/);
    io.reset();
    expect(await run("project", "list", "-o", "json")).toBe(0);
    expect(JSON.parse(io.out).projects).toEqual([
      expect.objectContaining({ name: "team", public: true, settings: { certifiedPolicy: "prod" } }),
    ]);
    io.reset();
    expect(await run("project", "set", "team", "--private", "--no-certified-policy", "--json")).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ public: false, settings: {} });
    io.reset();
    // `update` is `set`; a policy the library does not hold is refused with the names it does hold.
    expect(await run("project", "update", "team", "--certified-policy", "prdo")).toBe(2);
    expect(io.err).toContain('no named policy "prdo"; policy.library holds prod');
    io.reset();
    expect(await run("project", "update", "team", "--certified-policy", "prod", "--json")).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ settings: { certifiedPolicy: "prod" } });
    io.reset();
    expect(await run("project", "set", "team")).toBe(2);
    expect(io.err).toContain("nothing to change");
  });

  it("creates a user with a one-time password printed once, and grants it a role", async () => {
    loginAs("root", "root password one");
    expect(await run("user", "create", "dev", "--json")).toBe(0);
    const created = JSON.parse(io.out) as { user: { name: string }; password: string };
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    io.reset();
    expect(await run("user", "list")).toBe(0);
    expect(io.out).toMatch(/dev\s+one-time password/);
    expect(io.out).not.toContain(created.password);
    io.reset();
    expect(await run("project", "member", "add", "team", "--user", "dev", "--role", "developer")).toBe(0);
    expect(io.out).toMatch(/user\s+dev\s+developer\s+\*/);
    io.reset();
    expect(await run("project", "member", "list", "team", "--json")).toBe(0);
    const [member] = JSON.parse(io.out).members as Array<{ id: number }>;
    io.reset();
    expect(await run("project", "member", "set", "team", String(member!.id), "--role", "maintainer")).toBe(0);
    expect(io.out).toContain("maintainer");
    io.reset();
    expect(await run("project", "member", "add", "team", "--role", "guest")).toBe(2);
    expect(io.err).toContain("exactly one of --user and --group");
    // The one-time password allows nothing but changing it: the CLI says so (exit 1: denied).
    loginAs("dev", created.password);
    io.reset();
    expect(await run("project", "list")).toBe(1);
    expect(io.err).toContain("one-time password");
    await server.platform.identity!.store.setPassword("dev", "dev's own password");
    loginAs("dev", "dev's own password");
    io.reset();
    expect(await run("whoami")).toBe(0);
    expect(io.out).toContain("dev (user)");
    expect(io.out).toMatch(/team\s+maintainer/);
    io.reset();
    expect(await run("project", "create", "mine")).toBe(1);
    expect(io.err).toMatch(/dev may not system\.projects/);
  });

  it("creates robots, printing the secret once, and rotates, revokes and deletes them", async () => {
    loginAs("root", "root password one");
    expect(
      await run("robot", "create", "ci", "--project", "team", "-p", "pull,push", "--expires", "30d"),
    ).toBe(0);
    const secret = /\n(pcr_[A-Za-z0-9_-]+)\n$/.exec(io.out)?.[1];
    expect(secret).toBeDefined();
    expect(io.out).toContain("robot$team+ci");
    expect(io.out).toContain("team[*]: repository.pull,repository.push");
    io.reset();
    expect(await run("robot", "list", "--project", "team", "--json")).toBe(0);
    expect(io.out).not.toContain(secret);
    expect(JSON.parse(io.out).robots).toHaveLength(1);
    io.reset();
    const v2 = (s: string) =>
      fetch(`${server.url}/v2/team/app/tags/list`, {
        headers: { authorization: `Basic ${Buffer.from(`robot$team+ci:${s}`).toString("base64")}` },
      });
    expect((await v2(secret!)).status).toBe(404);
    expect(await run("robot", "rotate", "robot$team+ci", "--json")).toBe(0);
    const rotated = JSON.parse(io.out) as { secret: string };
    expect((await v2(secret!)).status).toBe(401);
    expect((await v2(rotated.secret)).status).toBe(404);
    io.reset();
    expect(await run("robot", "revoke", "ci", "--project", "team")).toBe(0);
    expect((await v2(rotated.secret)).status).toBe(401);
    io.reset();
    expect(await run("robot", "list", "--project", "team")).toBe(0);
    expect(io.out).toMatch(/robot\$team\+ci\s+revoked/);
    expect(await run("robot", "delete", "ci", "--project", "team")).toBe(0);

    io.reset();
    expect(
      await run("robot", "create", "mirror", "--grant", "team:pull:base/*", "--expires", "never", "--json"),
    ).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      robot: {
        name: "robot$mirror",
        expiresAt: null,
        grants: [{ project: "team", repositories: ["base/*"] }],
      },
      secret: expect.stringMatching(/^pcr_/),
    });
    io.reset();
    expect(await run("robot", "create", "bad", "--project", "team", "-p", "nope")).toBe(2);
    expect(io.err).toContain("permissions");
    io.reset();
    expect(await run("robot", "create", "x")).toBe(2);
    expect(io.err).toContain("--grant");
  });

  it("manages roles and groups", async () => {
    loginAs("root", "root password one");
    expect(await run("role", "create", "viewer", "-p", "project.read")).toBe(0);
    io.reset();
    expect(await run("role", "list")).toBe(0);
    expect(io.out).toMatch(/project-admin\s+built-in/);
    expect(io.out).toMatch(/viewer\s+custom\s+project\.read/);
    expect(await run("role", "delete", "viewer")).toBe(0);
    expect(await run("group", "create", "devs")).toBe(0);
    expect(await run("group", "add", "devs", "dev")).toBe(0);
    io.reset();
    expect(await run("group", "list", "-o", "json")).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ groups: [{ name: "devs", members: ["dev"] }] });
    expect(await run("group", "remove", "devs", "dev")).toBe(0);
    expect(await run("group", "delete", "devs")).toBe(0);
    io.reset();
    expect(await run("group", "delete", "devs")).toBe(1);
    expect(io.err).toContain("no group devs");
  });

  it("rotates the token signing key: new tokens carry the new kid, old ones still verify", async () => {
    loginAs("root", "root password one");
    const basic = `Basic ${Buffer.from("root:root password one").toString("base64")}`;
    const token = async () => {
      const res = await fetch(`${server.url}/token?service=portcullis&scope=repository:team/app:pull`, {
        headers: { authorization: basic },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { token: string }).token;
    };
    const kidOf = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;
    const before = await token();
    io.reset();
    expect(await run("key", "rotate", "--json")).toBe(0);
    const { kid } = JSON.parse(io.out) as { kid: string };
    expect(kid).not.toBe(kidOf(before));
    const after = await token();
    expect(kidOf(after)).toBe(kid);
    const jwks = (await (await fetch(`${server.url}/token/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, kidOf(before)]));
    for (const jwt of [before, after]) {
      const res = await fetch(`${server.url}/v2/team/app/tags/list`, {
        headers: { authorization: `Bearer ${jwt}` },
      });
      expect(res.status).toBe(404);
    }
    io.reset();
    expect(await run("key", "rotate")).toBe(0);
    expect(io.out).toMatch(/^server\s+new signing key \(kid\)/);
    expect(io.out).toMatch(/[A-Z0-9]{4}(:[A-Z0-9]{4}){11}/);
    expect(io.out).toContain("verifying until they expire");
    // Only holders of system.config may rotate; the refusal changes nothing.
    await server.platform.identity!.store.createUser({ name: "plain", password: "plain password one" });
    loginAs("plain", "plain password one");
    const current = (await server.platform.identity!.keys.signingKey()).kid;
    io.reset();
    expect(await run("key", "rotate")).toBe(1);
    expect(io.err).toContain("plain may not system.config");
    expect((await server.platform.identity!.keys.signingKey()).kid).toBe(current);
  });

  it("disables, enables and deletes users, and says which server refused the credentials", async () => {
    loginAs("root", "root password one");
    expect(await run("user", "disable", "dev")).toBe(0);
    expect(await run("user", "enable", "dev")).toBe(0);
    expect(await run("user", "admin", "dev")).toBe(0);
    expect(await run("user", "admin", "dev", "--remove")).toBe(0);
    expect(await run("user", "delete", "dev")).toBe(0);
    loginAs("root", "not the password");
    io.reset();
    expect(await run("project", "list")).toBe(1);
    expect(io.err).toContain(`portcullis login ${server.url}`);
    expect(io.err).not.toContain("not the password");
  });
});
