import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoteSigner } from "../audit/index.js";
import { startTestServer, type TestServer } from "../server/testing.js";
import { writeCredentials } from "./credentials.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli();
const DIGEST = `sha256:${"ef".repeat(32)}`;

/** `portcullis audit timeline --server`: read through the API, every proof checked on this side. */
describe("portcullis audit timeline --server", () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "portcullis-timeline-cli-"));
  const saved = process.env.PORTCULLIS_CONFIG_DIR;
  const run = (...args: string[]) => {
    io.reset();
    return main(["node", "portcullis", "audit", "timeline", ...args, "--server", server.url]);
  };

  beforeAll(async () => {
    process.env.PORTCULLIS_CONFIG_DIR = dir;
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    await server.platform.identity!.store.createUser({
      name: "root",
      password: "password of root",
      admin: true,
    });
    await server.platform.record.append(
      Array.from({ length: 6 }, (_, i) => ({
        kind: "runtime.alert" as const,
        at: 1_765_000_000_000 + i,
        digest: DIGEST,
        containerId: "0123456789ab",
        summary: `Falco Warning: shell in container ${i}`,
        payload: { rule: "Terminal shell in container", priority: "Warning" },
      })),
    );
    await server.platform.record.settled();
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PORTCULLIS_CONFIG_DIR;
    else process.env.PORTCULLIS_CONFIG_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("verifies every entry against the server's checkpoint and key, and refuses a key that did not sign it", async () => {
    writeCredentials({
      current: server.url,
      servers: { [server.url]: { username: "root", secret: "password of root" } },
    });
    expect(await run(DIGEST)).toBe(0);
    expect(io.out).toContain("6 of 6 entries proved");
    expect(io.out).toContain("rule Terminal shell in container; Warning");
    expect(await run("--container", "0123456789ab", "--json")).toBe(0);
    expect((JSON.parse(io.out) as { verified: boolean }).verified).toBe(true);

    // A key of the same name that did not sign the checkpoint: every entry fails with it.
    const name = server.platform.record.signer!.verifier.name;
    const other = NoteSigner.generate(name).verifier.toString();
    expect(await run(DIGEST, "--key", other)).toBe(1);
    expect(io.out).toContain("0 of 6 entries proved");
    expect(io.out).toContain("NOT VERIFIED: the checkpoint");
  });
});
