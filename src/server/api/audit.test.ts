import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditCheckpoint, parseCheckpoints } from "../../audit/index.js";
import { startTestServer, type TestServer, testDatabases } from "../testing.js";

describe.each(testDatabases())("GET /api/v1/audit/checkpoint (%s)", (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ database });
  });

  afterAll(async () => {
    await server?.close();
  });

  it("answers 404 with a JSON error while the log is empty, then the head as one checkpoint line", async () => {
    const empty = await fetch(`${server.url}/api/v1/audit/checkpoint`);
    expect(empty.status).toBe(404);
    expect(empty.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await empty.json()).toEqual({
      errors: [{ code: "AUDIT_LOG_EMPTY", message: expect.stringContaining("empty") }],
    });

    for (let i = 0; i < 3; i++) {
      await server.platform.audit.append({
        gate: "registry-push",
        image: `127.0.0.1/team/app:${i}`,
        effect: "allow",
        mode: "enforce",
        reason: "allowed",
        rules: [],
      });
    }
    const head = (await server.platform.audit.head())!;
    const res = await fetch(`${server.url}/api/v1/audit/checkpoint`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text.endsWith("}\n")).toBe(true);
    const checkpoint = JSON.parse(text) as AuditCheckpoint;
    expect(checkpoint).toEqual({ id: head.id, hash: head.hash, count: 3, at: expect.any(String) });
    expect(parseCheckpoints(text, "response")).toEqual([checkpoint]);

    // What an operator keeps from it catches a later truncation.
    const { audit } = server.platform;
    await audit.append({
      gate: "admission",
      image: "x",
      effect: "deny",
      mode: "enforce",
      reason: "r",
      rules: [],
    });
    const later = JSON.parse(
      await (await fetch(`${server.url}/api/v1/audit/checkpoint`)).text(),
    ) as AuditCheckpoint;
    expect(later.count).toBe(4);
    await sql`delete from decisions where id = ${later.id}`.execute(server.platform.database.db);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, count: 3 });
    expect(await audit.verifyChain({ checkpoints: [checkpoint, later] })).toMatchObject({
      ok: false,
      id: later.id,
    });
  });
});
