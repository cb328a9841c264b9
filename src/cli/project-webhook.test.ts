import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

/** `portcullis project webhook list|add|test|deliveries|rm` against a real server and receiver, in process. */
describe("portcullis project webhook", () => {
  let server: TestServer;
  let receiver: Server;
  let hookUrl = "";
  const bodies: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "portcullis-webhook-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    await store.createProject({ name: "team" });
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        bodies.push(Buffer.concat(chunks).toString("utf8"));
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username: ROOT.name, secret: ROOT.secret } },
    });
  });
  afterAll(async () => {
    await server.close();
    await new Promise((resolve) => receiver.close(resolve));
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds a webhook printing its secret once, tests it, lists deliveries and removes it", async () => {
    expect(await run("project", "webhook", "add", "team", hookUrl, "-e", "image.pushed,policy.denied")).toBe(
      0,
    );
    expect(io.out).toMatch(
      /wh_[0-9a-f]{16}\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+image\.pushed,policy\.denied\s+enabled/,
    );
    expect(io.out).toMatch(/whsec_[A-Za-z0-9+/=]{40,}/);
    const id = /wh_[0-9a-f]{16}/.exec(io.out)![0];
    io.reset();
    expect(await run("project", "webhook", "list", "team", "--json")).toBe(0);
    const listed = JSON.parse(io.out);
    expect(listed.webhooks).toHaveLength(1);
    expect(listed.webhooks[0].events).toEqual([
      "dev.portcullis.image.pushed",
      "dev.portcullis.policy.denied",
    ]);
    expect(io.out).not.toContain("whsec_");
    io.reset();
    expect(await run("project", "webhook", "test", "team", id)).toBe(0);
    expect(io.out).toMatch(/webhook\.test\s+delivered\s+1\s+200/);
    expect(JSON.parse(bodies[0]!).type).toBe("dev.portcullis.webhook.test");
    io.reset();
    expect(await run("project", "webhook", "deliveries", "team", id, "--json")).toBe(0);
    expect(JSON.parse(io.out).deliveries[0]).toMatchObject({
      state: "delivered",
      eventType: "dev.portcullis.webhook.test",
    });
    io.reset();
    expect(await run("project", "webhook", "rm", "team", id)).toBe(0);
    expect(io.out).toContain(`${id} deleted.`);
    io.reset();
  });

  it("exits 2 naming the reason when the server refuses the URL", async () => {
    expect(await run("project", "webhook", "add", "team", "http://169.254.169.254/latest")).toBe(2);
    expect(io.err).toContain("link-local");
    io.reset();
    expect(await run("project", "webhook", "add", "team", "https://example.com/x", "-e", "nope")).toBe(2);
    expect(io.err).toMatch(/events/);
    io.reset();
  });
});
