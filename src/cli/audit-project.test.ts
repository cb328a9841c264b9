import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../server/testing.js";
import { writeCredentials } from "./credentials.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli();
const run = (...args: string[]) => main(["node", "portcullis", ...args]);

/** `portcullis audit decisions --project`: a project's part of the log, through the API's check. */
describe("portcullis audit decisions --project", () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-project-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  const loginAs = (username: string) =>
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username, secret: `password of ${username}` } },
    });
  const digest = (c: string) => `sha256:${c.repeat(64)}`;

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    for (const name of ["team", "other"]) await store.createProject({ name });
    for (const [name, role] of [
      ["alice", "guest"],
      ["lim", "limited-guest"],
    ] as const) {
      await store.createUser({ name, password: `password of ${name}` });
      await store.addMember({ project: "team", kind: "user", name, role });
    }
    const host = server.platform.registryHost;
    for (const [image, gate] of [
      [`${host}/team/app@${digest("a")}`, "registry-push"],
      [`${host}/other/app@${digest("b")}`, "registry-push"],
      ["project:team", "access"],
      ["project:other", "access"],
    ] as const) {
      await server.platform.audit.append({
        gate,
        image,
        effect: "allow",
        mode: "enforce",
        reason: "t",
        rules: [],
      });
    }
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the project's entries only, as JSON and as a table, with the filters applied", async () => {
    loginAs("alice");
    expect(await run("audit", "decisions", "--project", "team", "-o", "json")).toBe(0);
    const images = (JSON.parse(io.out) as { decisions: Array<{ image: string }> }).decisions.map(
      (d) => d.image,
    );
    expect(images).toEqual([`${server.platform.registryHost}/team/app@${digest("a")}`, "project:team"]);
    io.reset();
    expect(await run("audit", "decisions", "--project", "team", "--gate", "access")).toBe(0);
    expect(io.out).toMatch(/^time\s+gate\s+effect/);
    expect(io.out).toContain("project:team");
    expect(io.out).not.toContain("team/app");
    expect(io.out).not.toContain("other");
  });

  it("refuses a project the caller may not audit (exit 1, the server's DENIED)", async () => {
    loginAs("alice");
    expect(await run("audit", "decisions", "--project", "other")).toBe(1);
    expect(io.err).toMatch(/alice may not audit\.read in project other/);
    expect(io.out).toBe("");
    io.reset();
    loginAs("lim");
    expect(await run("audit", "decisions", "--project", "team")).toBe(1);
    expect(io.err).toContain("may not audit.read");
  });

  it("does not mix --project with reading the database or verifying the whole chain (exit 2)", async () => {
    loginAs("alice");
    expect(await run("audit", "decisions", "--project", "team", "--verify")).toBe(2);
    expect(io.err).toContain("not with --project");
    io.reset();
    expect(await run("audit", "decisions", "--project", "team", "--data", dir)).toBe(2);
    expect(io.err).toContain("--data and --config read the whole database");
    io.reset();
    expect(await run("audit", "decisions", "--server", server.url, "--data", dir)).toBe(2);
    expect(io.err).toContain("--server goes with --project");
  });
});
