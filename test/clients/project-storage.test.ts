/**
 * What a real client shows when a project's storage rules refuse a push (accounts mode): skopeo copies
 * as a developer, is refused moving an immutable tag and passing the quota, and prints the server's
 * reason after containers/image's "denied:" (the distribution spec's DENIED, as Harbor answers both).
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import { isolatedSkopeo, type Skopeo } from "../support/skopeo.js";
import { hasCommand } from "../support/targets.js";

const TIMEOUT = 120_000;
const DEV = { name: "dev", password: "developer password 1" };

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))("skopeo against project storage rules", () => {
  let server: TestServer;
  let skopeo: Skopeo;
  let host = "";
  let work = "";
  let first = "";
  let second = "";

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    host = new URL(server.url).host;
    const { store } = server.platform.identity!;
    await store.createProject({ name: "team", settings: { immutableTags: ["v*"] } });
    await store.createUser({ name: DEV.name, password: DEV.password });
    await store.addMember({ project: "team", kind: "user", name: DEV.name, role: "developer" });
    work = join(tmpdir(), `e2e-storage-${randomBytes(8).toString("hex")}`);
    await mkdir(work, { mode: 0o700 });
    first = join(work, "first");
    second = join(work, "second");
    await writeImageLayout(first, { tag: "v1", layerSizes: [4 * 1024], seed: "first" });
    await writeImageLayout(second, { tag: "v1", layerSizes: [64 * 1024], seed: "second" });
    skopeo = await isolatedSkopeo(join(work, "skopeo"));
    const login = await skopeo.login(host, DEV.name, DEV.password);
    expect(login.code, login.stderr).toBe(0);
  }, TIMEOUT);

  afterAll(async () => {
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    "pushes v1 once, again with the same image, and is denied moving it to another image",
    async () => {
      await skopeo.copy(`oci:${first}:v1`, `docker://${host}/team/app:v1`);
      await skopeo.copy(`oci:${first}:v1`, `docker://${host}/team/app:v1`);
      const moved = await skopeo.copy(`oci:${second}:v1`, `docker://${host}/team/app:v1`, {
        allowFailure: true,
      });
      expect(moved.code).not.toBe(0);
      expect(moved.stderr).toMatch(
        /denied: tag v1 of team\/app is immutable \(rule \\?"v\*\\?" of project team\)/,
      );
      // Another tag of the same image is fine.
      await skopeo.copy(`oci:${second}:v1`, `docker://${host}/team/app:latest`);
    },
    TIMEOUT,
  );

  it(
    "is denied a push past the quota, with the project's usage and quota in the message",
    async () => {
      const { store } = server.platform.identity!;
      const used = await server.platform.registry.projectUsage("team");
      await store.updateProject("team", { settings: { immutableTags: ["v*"], quotaBytes: used + 1024 } });
      const third = join(work, "third");
      await writeImageLayout(third, { tag: "v2", layerSizes: [32 * 1024], seed: "third" });
      const over = await skopeo.copy(`oci:${third}:v2`, `docker://${host}/team/web:v2`, {
        allowFailure: true,
      });
      expect(over.code).not.toBe(0);
      expect(over.stderr).toMatch(
        /denied: quota exceeded: project team uses [\d.]+ KiB of its [\d.]+ KiB quota/,
      );
      expect(await server.platform.registry.projectUsage("team")).toBeLessThanOrEqual(used + 1024);
    },
    TIMEOUT,
  );
});
