import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../server/testing.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";
import { type SignedInServer, serverSignedInAsAdmin } from "./testing/signed-in.js";

const io = captureCli();
const run = (...args: string[]) => main(["node", "portcullis", ...args]);

/** `project create/set --proxy-*`: a proxy project's upstream and allowlist over a real server's API. */
describe("portcullis project: proxy settings", () => {
  let signedIn: SignedInServer;
  let _server: TestServer;

  beforeAll(async () => {
    signedIn = await serverSignedInAsAdmin("project-proxy-cli");
    _server = signedIn.server;
  });
  afterAll(async () => {
    await signedIn.close();
  });

  it("creates a proxy project, changes its allowlist and makes it ordinary again", async () => {
    io.reset();
    const created = [
      "project",
      "create",
      "hub",
      "--proxy-upstream",
      "docker.io",
      "--proxy-allow",
      "library/alpine:3.*",
      "--proxy-allow",
      "library/nginx@>=1.25 <1.27",
    ];
    expect(await run(...created)).toBe(0);
    expect(io.out).toMatch(/proxy of/);
    expect(io.out).toMatch(/docker\.io \(2 allowed\)/);
    io.reset();
    expect(
      await run("project", "set", "hub", "--proxy-upstream", "ghcr.io", "--proxy-allow", "org/*", "--json"),
    ).toBe(0);
    expect(JSON.parse(io.out).settings).toEqual({ proxy: { upstream: "ghcr.io", allow: ["org/*"] } });
    io.reset();
    expect(await run("project", "set", "hub", "--no-proxy-upstream", "--json")).toBe(0);
    expect(JSON.parse(io.out).settings).toEqual({});
  });

  it("refuses a malformed rule or upstream with exit 2, and allow rules without an upstream", async () => {
    io.reset();
    expect(
      await run("project", "set", "hub", "--proxy-upstream", "docker.io", "--proxy-allow", "Library/x"),
    ).toBe(2);
    expect(io.err).toMatch(/repository glob "Library\/x"/);
    io.reset();
    expect(await run("project", "set", "hub", "--proxy-upstream", "https://docker.io")).toBe(2);
    expect(io.err).toMatch(/host\[:port\]/);
    io.reset();
    expect(await run("project", "set", "hub", "--proxy-allow", "x")).toBe(2);
    expect(io.err).toMatch(/go with --proxy-upstream/);
  });
});
