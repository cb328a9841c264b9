import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../audit/index.js";
import { startTestServer, type TestServer, testDatabases } from "../../testing.js";
import { chainStatus } from "./chain.js";

function record(n: number): AuditRecord {
  return {
    gate: "registry-pull",
    image: `127.0.0.1:5000/team/app@sha256:${n.toString(16).padStart(64, "0")}`,
    effect: "allow",
    mode: "enforce",
    reason: "every requirement passed",
    rules: [],
  };
}

/**
 * The badge on the decisions page must be current: rows appended after a walk are verified on the next
 * request (from the last sound row on), not answered from a finished walk's count for 30 s.
 */
describe.each(testDatabases())("the console's chain verification (%s)", (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ database, storage: "memory" });
    for (let n = 1; n <= 5; n++) await server.platform.audit.append(record(n));
  });
  afterAll(async () => server.close());

  it("counts rows appended since the last walk at once", async () => {
    expect(await chainStatus(server.platform)).toMatchObject({
      state: "done",
      ok: true,
      checked: 5,
      total: 5,
    });
    await server.platform.audit.append(record(6));
    await server.platform.audit.append(record(7));
    expect(await chainStatus(server.platform)).toMatchObject({
      state: "done",
      ok: true,
      checked: 7,
      total: 7,
    });
    // Nothing appended: the finished outcome stands, no walk.
    expect(await chainStatus(server.platform)).toMatchObject({ ok: true, checked: 7 });
  });

  it("names a break in the appended rows without waiting for the next full walk", async () => {
    const added = await server.platform.audit.append(record(8));
    await sql`update decisions set effect = 'deny' where id = ${added.id}`.execute(
      server.platform.database.db,
    );
    const status = await chainStatus(server.platform);
    expect(status).toMatchObject({ state: "done", ok: false, brokenAt: added.id, checked: 7 });
    expect(status.problem).toMatch(/changed after it was written/);
    // A broken chain stays broken until a full walk: repaired, refresh asks for one.
    await sql`update decisions set effect = 'allow' where id = ${added.id}`.execute(
      server.platform.database.db,
    );
    expect(await chainStatus(server.platform)).toMatchObject({ ok: false });
    expect(await chainStatus(server.platform, { refresh: true })).toMatchObject({ ok: true, checked: 8 });
  });

  it("refuses to go on from a verified row that was rewritten since", async () => {
    const last = await server.platform.audit.head();
    await sql`update decisions set hash = ${"0".repeat(64)} where id = ${last!.id}`.execute(
      server.platform.database.db,
    );
    await server.platform.audit.append(record(9));
    const status = await chainStatus(server.platform);
    expect(status).toMatchObject({ ok: false, brokenAt: last!.id });
    expect(status.problem).toMatch(/differs from when it was verified/);
  });
});
