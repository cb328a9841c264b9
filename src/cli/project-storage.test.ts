import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushImage, type TestServer } from "../server/testing.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";
import { type SignedInServer, serverSignedInAsAdmin } from "./testing/signed-in.js";

const io = captureCli();
const run = (...args: string[]) => main(["node", "portcullis", ...args]);

/** `project set --quota / --immutable-tags` and the usage column, over a real server's API. */
describe("portcullis project set: quota and immutable tags", () => {
  let signedIn: SignedInServer;
  let server: TestServer;

  beforeAll(async () => {
    signedIn = await serverSignedInAsAdmin("project-storage-cli");
    server = signedIn.server;
    expect(await run("project", "create", "team")).toBe(0);
  });
  afterAll(async () => {
    await signedIn.close();
  });

  it("sets a quota in binary units and immutable-tag rules, and shows usage against the quota", async () => {
    io.reset();
    expect(
      await run("project", "set", "team", "--quota", "10GiB", "--immutable-tags", "v*, app:stable"),
    ).toBe(0);
    expect(io.out).toMatch(/usage\s+immutable tags/);
    expect(io.out).toMatch(/team\s+private\s+0 B of 10\.0 GiB \(0%\)\s+v\*,app:stable/);
    const auth = `Basic ${Buffer.from(`${signedIn.admin.username}:${signedIn.admin.secret}`).toString("base64")}`;
    const image = await pushImage(server.url, "team/app", { tag: "v1", seed: "cli", authorization: auth });
    const bytes = image.config.size + image.layers[0]!.size + image.manifest.length;
    io.reset();
    expect(await run("project", "show", "team", "--json")).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      settings: { quotaBytes: 10 * 1024 ** 3, immutableTags: ["v*", "app:stable"] },
      usage: { bytes, quotaBytes: 10 * 1024 ** 3 },
    });
    // Changing one setting keeps the others.
    io.reset();
    expect(await run("project", "set", "team", "--quota", "1MiB", "--json")).toBe(0);
    expect(JSON.parse(io.out).settings).toEqual({
      quotaBytes: 1024 ** 2,
      immutableTags: ["v*", "app:stable"],
    });
    io.reset();
    expect(await run("project", "set", "team", "--no-quota", "--no-immutable-tags", "--json")).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ settings: {}, usage: { bytes, quotaBytes: null } });
  });

  it("refuses a malformed size or rule with exit 2, naming the flag or the rule", async () => {
    io.reset();
    expect(await run("project", "set", "team", "--quota", "lots")).toBe(2);
    expect(io.err).toMatch(/--quota takes a size/);
    io.reset();
    expect(await run("project", "set", "team", "--immutable-tags", ",")).toBe(2);
    expect(io.err).toMatch(/--immutable-tags takes rules/);
    io.reset();
    expect(await run("project", "set", "team", "--immutable-tags", "App:v*")).toBe(2);
    expect(io.err).toMatch(/repository glob "App"/);
  });
});
