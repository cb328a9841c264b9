import { createHash } from "node:crypto";
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
const ROOT = { name: "root", secret: "root password one" };
const ACTOR = { subject: "root", kind: "user" } as const;
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function* once(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

/** `portcullis replication add|list|run|history|results|rm` against two real servers, in process. */
describe("portcullis replication", () => {
  let near: TestServer;
  let far: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-replication-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    near = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    far = await startTestServer({ database: "sqlite" });
    const store = near.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createProject({ name: "team" });
    const config = Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
    );
    await near.platform.registry.uploads.putMonolithic("team/app", sha256(config), once(config));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: sha256(config),
          size: config.length,
        },
        layers: [],
      }),
    );
    await near.platform.registry.manifests.put("team/app", "v1", manifest, undefined, [], ACTOR);
    writeCredentials({
      current: near.url,
      servers: { [near.url]: { username: ROOT.name, secret: ROOT.secret } },
    });
  });
  afterAll(async () => {
    await near.close();
    await far.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds a push rule, runs it, shows its history and results, and removes it", async () => {
    const farHost = new URL(far.url).host;
    expect(
      await run(
        "replication",
        "add",
        "to-far",
        "--push",
        farHost,
        "-r",
        "team/*",
        "--no-on-push",
        "--every",
        "1h",
      ),
    ).toBe(0);
    expect(io.out).toMatch(new RegExp(`to-far\\s+push\\s+${farHost}\\s+team/\\*\\s+\\*\\s+every 3600s`));
    io.reset();
    expect(await run("replication", "list", "--json")).toBe(0);
    expect(JSON.parse(io.out).rules[0]).toMatchObject({
      name: "to-far",
      onPush: false,
      intervalSeconds: 3600,
    });
    io.reset();
    expect(await run("replication", "run", "to-far")).toBe(0);
    expect(io.out).toMatch(/manual\s+succeeded\s+\S+\s+1\s+0\s+0\s+0\s+0/);
    expect(io.out).toMatch(/image\s+team\/app\s+v1\s+copied/);
    io.reset();
    expect(await run("replication", "history", "to-far", "--json")).toBe(0);
    const { runs } = JSON.parse(io.out);
    expect(runs).toHaveLength(1);
    io.reset();
    expect(await run("replication", "results", String(runs[0].id), "--json")).toBe(0);
    expect(JSON.parse(io.out).results).toEqual([
      expect.objectContaining({ reference: "v1", outcome: "copied" }),
    ]);
    io.reset();
    expect(await run("replication", "rm", "to-far")).toBe(0);
    expect(io.out).toContain("to-far deleted.");
    io.reset();
    // Each change is in the audit log with who made it; the record says nothing of secrets.
    await near.platform.identity!.settled();
    const rows = await near.platform.audit.list({ gate: "access", limit: 100 });
    const seen = rows.map((r) => `${r.workload} ${r.actor} ${r.effect} ${r.image}`);
    expect(seen).toEqual(expect.arrayContaining(["replication.changed root allow replication:to-far"]));
    expect(seen.filter((s) => s.startsWith("replication.changed"))).toHaveLength(3);
  });

  it("exits 2 naming the problem for a rule that does not hold together", async () => {
    expect(await run("replication", "add", "x", "--push", "a.example", "--pull", "b.example")).toBe(2);
    expect(io.err).toContain("--push REGISTRY or --pull REGISTRY");
    io.reset();
    expect(await run("replication", "add", "x", "--pull", "a.example", "--every", "5s")).toBe(2);
    expect(io.err).toContain("at least 60");
    io.reset();
    expect(await run("replication", "run", "nope")).toBe(1);
    io.reset();
  });
});
