import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/app/index.js";
import { AuditLog } from "../../src/audit/index.js";
import { openDatabase } from "../../src/storage/index.js";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  type ReviewResponseBody,
  SERVER_NAME,
  serveArgs,
  startAdmissionServe,
  TESTDATA,
  type TestCerts,
} from "./support.js";

/**
 * `admission serve` shuts down as `serve` does (cli/drain.ts): on SIGTERM it stops listening, lets the
 * review in flight finish and answer, closes the connection that review came on although the caller
 * keeps connections alive (as the API server does; the server's keep-alive timeout is a minute), and
 * closes the database only after that review's decision is recorded, then exits 0.
 */
const TOKEN = "drain-test-token";
const IMAGE = `registry.example.com/team/app@sha256:${"cd".repeat(32)}`;

/** Resolves once nothing accepts connections on the port any more (the server stopped listening). */
async function refusedAt(port: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });
    if (refused) return;
    if (Date.now() > until) throw new Error(`port ${port} still accepts connections after 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("admission serve drains on SIGTERM", () => {
  let certs: TestCerts;
  let dataDir = "";
  let child: ChildProcess | undefined;

  beforeAll(() => {
    certs = makeCerts();
    dataDir = mkdtempSync(join(tmpdir(), "portcullis-admission-drain-"));
    writeFileSync(join(dataDir, "token"), `${TOKEN}\n`);
  });
  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    certs?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers and records the review in flight, then exits 0 without waiting for the idle connection", async () => {
    const args = serveArgs(certs, join(TESTDATA, "require-digest.yaml"), "--data", dataDir);
    const started = await startAdmissionServe([...args, "--token-file", join(dataDir, "token")]);
    child = started.child;
    const exited = once(child, "exit").then(([code]) => code as number | null);

    const body = Buffer.from(JSON.stringify(podReview([IMAGE], { namespace: "apps" })));
    const half = Math.floor(body.length / 2);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const review = request({
      host: "127.0.0.1",
      port: started.port,
      path: "/validate",
      method: "POST",
      agent,
      ca: certs.ca,
      servername: SERVER_NAME,
      headers: {
        "content-type": "application/json",
        "content-length": body.length,
        authorization: `Bearer ${TOKEN}`,
        // The server answers 100 Continue once it has read the headers: then the review is in flight.
        expect: "100-continue",
      },
    });
    const answered = once(review, "response").then(async ([res]) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return { status: res.statusCode as number, body: JSON.parse(Buffer.concat(chunks).toString()) };
    });
    await once(review, "continue");
    review.write(body.subarray(0, half));

    child.kill("SIGTERM");
    await refusedAt(started.port);
    // Shutting down, yet the review whose body is still arriving is decided and answered.
    review.end(body.subarray(half));
    const reply = await answered;
    expect(reply.status).toBe(200);
    expect((reply.body as ReviewResponseBody).response.allowed).toBe(true);

    // The kept-alive connection is closed once its review is answered, not after the keep-alive timeout.
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve("still running after 10 s"), 10_000)),
    ]);
    agent.destroy();
    expect(code).toBe(0);
    expect(started.lines.join("\n")).toContain("shutting down");

    // The decision was written before the database closed.
    const database = await openDatabase(
      resolveConfig({ flags: { "storage.dataDir": dataDir } }).database.url,
    );
    try {
      const entries = await new AuditLog(database).list({ gate: "admission" });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ effect: "allow", caller: "token", digest: IMAGE.split("@")[1] });
    } finally {
      await database.close();
    }
  });
});
