import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PORTCULLIS_BIN, type RegistryServer, run, startPortcullis } from "../support/targets.js";

/**
 * A new install as the README walks it, with the built binary: `admin init` on the server's host, serve
 * in accounts mode, `login`, change the one-time password, create a project and a robot, use the
 * robot's secret against /v2/, log out. No secret may reach the server's output.
 */
describe("accounts from the command line (built binary)", () => {
  const root = mkdtempSync(join(tmpdir(), "pc-accounts-e2e-"));
  const data = join(root, "data");
  const config = join(root, "config");
  let server: RegistryServer | undefined;
  const secrets: string[] = [];
  afterAll(async () => {
    await server?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const portcullis = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    run(process.execPath, [PORTCULLIS_BIN, ...args], {
      env: { PORTCULLIS_CONFIG_DIR: config, ...options.env },
      ...(options.input === undefined ? {} : { input: options.input }),
      allowFailure: true,
      timeoutMs: 60_000,
    });

  it("bootstraps an administrator, logs in, and makes a project and a robot", async () => {
    const init = await portcullis(["admin", "init", "--data", data], {
      env: { PORTCULLIS_AUTH_MODE: "accounts" },
    });
    expect(init.code, init.stderr).toBe(0);
    const oneTime = /\n([A-Za-z0-9_-]{40,})\n/.exec(init.stdout)?.[1];
    expect(oneTime).toBeDefined();
    secrets.push(oneTime!);
    const again = await portcullis(["admin", "init", "--data", data]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("an administrator already exists");

    server = await startPortcullis({
      dataDir: data,
      env: { PORTCULLIS_AUTH_MODE: "accounts", PORTCULLIS_LOG_LEVEL: "info" },
    });
    const wrong = await portcullis(["login", server.url, "-u", "admin", "--password-stdin"], {
      input: "not the password\n",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("the credentials are not valid");

    const login = await portcullis(["login", server.url, "-u", "admin", "--password-stdin"], {
      input: `${oneTime}\n`,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`Logged in to ${server.url} as admin.\n`);
    expect(login.stderr).toContain("one-time password");
    const credentials = join(config, "credentials.json");
    expect(statSync(credentials).mode & 0o777).toBe(0o600);

    const blocked = await portcullis(["project", "create", "team"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("one-time password");

    const mine = "the administrator's own password";
    secrets.push(mine);
    const passwd = await portcullis(["user", "passwd", "--password-stdin"], { input: `${mine}\n` });
    expect(passwd.code, passwd.stderr).toBe(0);
    expect(readFileSync(credentials, "utf8")).toContain(mine);

    const project = await portcullis(["project", "create", "team"]);
    expect(project.code, project.stderr).toBe(0);
    expect(project.stdout).toMatch(/team\s+private/);

    const robot = await portcullis([
      "robot",
      "create",
      "ci",
      "--project",
      "team",
      "-p",
      "pull,push",
      "--json",
    ]);
    expect(robot.code, robot.stderr).toBe(0);
    const created = JSON.parse(robot.stdout) as { robot: { name: string }; secret: string };
    expect(created.robot.name).toBe("robot$team+ci");
    secrets.push(created.secret);
    const auth = (secret: string) => ({
      authorization: `Basic ${Buffer.from(`robot$team+ci:${secret}`).toString("base64")}`,
    });
    expect(
      (await fetch(`${server.url}/v2/team/app/tags/list`, { headers: auth(created.secret) })).status,
    ).toBe(404);
    expect((await fetch(`${server.url}/v2/team/app/tags/list`, { headers: auth("pcr_wrong") })).status).toBe(
      401,
    );

    const listed = await portcullis(["robot", "list", "--project", "team"]);
    expect(listed.stdout).toMatch(/robot\$team\+ci\s+active/);
    expect(listed.stdout).not.toContain(created.secret);

    const whoami = await portcullis(["whoami", "--json"]);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      name: "admin",
      admin: true,
      mustChangePassword: false,
    });

    const logout = await portcullis(["logout"]);
    expect(logout.code).toBe(0);
    expect(readFileSync(credentials, "utf8")).not.toContain(mine);
    expect((await portcullis(["project", "list"])).code).toBe(2);

    await server.stop();
    const output = server.output();
    expect(output).toContain('"event":"login.succeeded"');
    for (const secret of secrets) expect(output).not.toContain(secret);
  }, 120_000);
});
