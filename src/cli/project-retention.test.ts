import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage, startTestServer, type TestServer } from "../server/testing.js";
import { writeCredentials } from "./credentials.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli();
const run = (...args: string[]) => main(["node", "portcullis", ...args]);
const ROOT = { name: "root", secret: "root password one" };

/** `portcullis project retention show|set|run` against a real server, in process. */
describe("portcullis project retention", () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-retention-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  const digests: string[] = [];

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createUser({ name: "dev", password: "developer password" });
    await store.createProject({ name: "team" });
    await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
    const authorization = `Basic ${Buffer.from(`${ROOT.name}:${ROOT.secret}`).toString("base64")}`;
    for (const tag of ["1.0", "1.1", "1.2"]) {
      digests.push((await pushImage(server.url, "team/app", { tag, seed: tag, authorization })).digest);
    }
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username: ROOT.name, secret: ROOT.secret } },
    });
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("sets rules from a YAML file and shows them as a table and JSON", async () => {
    const file = join(dir, "rules.yaml");
    writeFileSync(file, 'rules:\n  - keep: always\n    tags: "1.2"\nexcludeTags: ["release-*"]\n');
    expect(await run("project", "retention", "set", "team", "-f", file)).toBe(0);
    expect(io.out).toMatch(/1\s+\*\s+1\.2\s+always/);
    expect(io.out).toMatch(/excluded\s+\*\s+release-\*\s+never deleted/);
    io.reset();
    expect(await run("project", "retention", "show", "team", "--json")).toBe(0);
    expect(JSON.parse(io.out)).toEqual({
      rules: [{ repositories: "*", tags: "1.2", untagged: false, keep: "always" }],
      excludeTags: ["release-*"],
    });
    io.reset();
    writeFileSync(file, "rules:\n  - keep: sometimes\n");
    expect(await run("project", "retention", "set", "team", "-f", file)).toBe(2);
    expect(io.err).toContain("keep");
    io.reset();
  });

  it("previews with --dry-run, deleting nothing, then runs", async () => {
    expect(await run("project", "retention", "run", "team", "--dry-run")).toBe(0);
    expect(io.out).toMatch(/team\/app\s+\w{12}\s+1\.2\s.*keep\s+rule 1: always of tags 1\.2 in \*/);
    expect(io.out).toMatch(/1\.0\s.*delete\s+kept by no rule/);
    expect(io.out).toContain("Dry run: 2 of 3 artifacts would be deleted; nothing was.");
    io.reset();
    const before = await fetch(`${server.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Basic ${Buffer.from(`${ROOT.name}:${ROOT.secret}`).toString("base64")}` },
    });
    expect(((await before.json()) as { tags: string[] }).tags).toEqual(["1.0", "1.1", "1.2"]);
    expect(await run("project", "retention", "run", "team", "--json")).toBe(0);
    const result = JSON.parse(io.out);
    expect(result.dryRun).toBe(false);
    expect(result.deleted.map((d: { digest: string }) => d.digest).sort()).toEqual(
      [digests[0], digests[1]].sort(),
    );
    io.reset();
  });

  it("refuses a developer (exit 1, the server's DENIED)", async () => {
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username: "dev", secret: "developer password" } },
    });
    expect(await run("project", "retention", "run", "team", "--dry-run")).toBe(1);
    expect(io.err).toMatch(/retention\.write|denied/i);
    io.reset();
  });
});
