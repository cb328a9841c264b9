import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, PORTCULLIS_BIN } from "../support/targets.js";

/** What a person starting `portcullis serve` in a terminal sees first (issue 12). */
describe("portcullis serve, as a person starts it", () => {
  const dir = mkdtempSync(join(tmpdir(), "pc-serve-cli-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (args: string[]) => {
    const child = spawn(process.execPath, [PORTCULLIS_BIN, "serve", "--data", join(dir, "data"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, output: () => ({ out, err }) };
  };

  it("with --log-format pretty, the first line says where it listens, in words", async () => {
    const port = await freePort();
    const served = start(["--listen", `127.0.0.1:${port}`, "--log-format", "pretty"]);
    const until = Date.now() + 30_000;
    while (!served.output().out.includes("\n")) {
      if (Date.now() > until) throw new Error(`no output: ${JSON.stringify(served.output())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const first = served.output().out.split("\n")[0]!;
    expect(first).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d INFO  Portcullis \\S+ listening on http://127\\.0\\.0\\.1:${port}$`),
    );
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  }, 60_000);

  it("on a port in use, says so and suggests --listen instead of a stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const served = start(["--listen", `127.0.0.1:${port}`]);
      const code = await served.exited;
      const { err } = served.output();
      expect(code).not.toBe(0);
      expect(err).toContain(`127.0.0.1:${port} is already in use`);
      expect(err).toContain(`--listen 127.0.0.1:${port + 1}`);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
