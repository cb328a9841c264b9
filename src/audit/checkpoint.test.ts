import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { type AuditCheckpoint, formatCheckpoint, parseCheckpoints } from "./checkpoint.js";
import { type AuditRecord, entryHash, GENESIS_HASH } from "./entry.js";
import { AuditLog } from "./log.js";

const HASH = `sha256:${"0a".repeat(32)}`;
const TAKEN = "2026-02-01T10:00:00.000Z";

function record(i: number): AuditRecord {
  return {
    gate: "admission",
    image: `registry.example/team/app:${i}`,
    effect: i % 3 === 0 ? "deny" : "allow",
    mode: "enforce",
    reason: i % 3 === 0 ? "denied by defaultRule: signedBy: no signature" : "allowed",
    rules: [{ rule: "signedBy", passed: i % 3 !== 0, reason: "checked" }],
    actor: "system:serviceaccount:ci:deployer",
    namespace: "team",
    workload: `Deployment/app-${i}`,
  };
}

describe("the checkpoint file format", () => {
  const checkpoint: AuditCheckpoint = { id: 42, hash: HASH, count: 40, at: TAKEN };

  it("writes one JSON line with fixed keys and reads it back", () => {
    const line = formatCheckpoint({ at: TAKEN, count: 40, hash: HASH, id: 42 });
    expect(line).toBe(`{"id":42,"hash":"${HASH}","count":40,"at":"${TAKEN}"}`);
    expect(line).not.toContain("\n");
    const text = `${line}\n\n${formatCheckpoint({ ...checkpoint, id: 43, count: 41 })}\r\n`;
    expect(parseCheckpoints(text, "audit.jsonl")).toEqual([checkpoint, { ...checkpoint, id: 43, count: 41 }]);
    expect(parseCheckpoints("", "empty.jsonl")).toEqual([]);
  });

  it.each([
    ["a torn line", `{"id":42,"hash":"${HASH}","cou`, "not a JSON checkpoint line"],
    ["a list", "[42]", "not a JSON object"],
    ["an unknown key", JSON.stringify({ ...checkpoint, note: "x" }), 'unknown key "note"'],
    ["a string id", JSON.stringify({ ...checkpoint, id: "42" }), "id must be a positive integer"],
    ["a zero count", JSON.stringify({ ...checkpoint, count: 0 }), "count must be a positive integer"],
    ["a short hash", JSON.stringify({ ...checkpoint, hash: "sha256:abc" }), "hash must be sha256:"],
    ["an upper-case hash", JSON.stringify({ ...checkpoint, hash: HASH.toUpperCase() }), "hash must be"],
    ["a date without time", JSON.stringify({ ...checkpoint, at: "2026-02-01" }), "at must be an ISO 8601"],
    ["an impossible date", JSON.stringify({ ...checkpoint, at: "2026-13-40T00:00:00Z" }), "at must be"],
  ])("refuses %s, naming the file and line", (_name, bad, message) => {
    const text = `${formatCheckpoint(checkpoint)}\n${bad}\n`;
    let error: unknown;
    try {
      parseCheckpoints(text, "/mnt/worm/audit.jsonl");
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((error as Error).message).toContain(`/mnt/worm/audit.jsonl:2: ${message}`);
  });
});

describe.each(databaseTestTargets())("AuditLog checkpoints ($name)", (target) => {
  let database: Database;
  let clock: number;
  let log: AuditLog;

  beforeEach(async () => {
    database = await target.open();
    clock = Date.parse("2026-02-01T10:00:00Z");
    log = new AuditLog(database, () => clock++);
  });

  afterEach(async () => {
    await database.close();
  });

  async function appendMany(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await log.append(record(i));
  }

  /** Rows written straight into the table with a valid chain: fast, and ids may skip values. */
  async function insertChain(ids: number[]): Promise<void> {
    let prev = GENESIS_HASH;
    const rows = ids.map((id, i) => {
      const at = clock + i;
      const r = record(i);
      const hash = entryHash(at, r, prev);
      const row = {
        id,
        at,
        gate: r.gate,
        actor: r.actor ?? null,
        namespace: r.namespace ?? null,
        workload: r.workload ?? null,
        image: r.image,
        digest: null,
        effect: r.effect,
        mode: r.mode,
        break_glass: null,
        reason: r.reason,
        rules: JSON.stringify(r.rules),
        policy_digest: null,
        prev_hash: prev,
        hash,
      };
      prev = hash;
      return row;
    });
    for (let i = 0; i < rows.length; i += 200) {
      await database.db
        .insertInto("decisions")
        .values(rows.slice(i, i + 200))
        .execute();
    }
  }

  /** What an operator with write access could do: change every row and recompute the whole chain. */
  async function rewriteChain(): Promise<void> {
    const entries = await log.list({ limit: 10_000 });
    let prev = GENESIS_HASH;
    for (const entry of entries) {
      const forged = { ...entry, effect: "allow" as const, reason: "allowed" };
      const hash = entryHash(entry.at, forged, prev);
      await database.db
        .updateTable("decisions")
        .set({ effect: forged.effect, reason: forged.reason, prev_hash: prev, hash })
        .where("id", "=", entry.id)
        .execute();
      prev = hash;
    }
  }

  it("takes no checkpoint of an empty log, then one of the head with its position and time", async () => {
    expect(await log.checkpoint()).toBeUndefined();
    await appendMany(3);
    const head = await log.head();
    const checkpoint = await log.checkpoint();
    expect(checkpoint).toEqual({ id: head!.id, hash: head!.hash, count: 3, at: expect.any(String) });
    expect(Date.parse(checkpoint!.at)).toBeGreaterThanOrEqual(Date.parse("2026-02-01T10:00:00Z"));
    expect(parseCheckpoints(formatCheckpoint(checkpoint!), "x")).toEqual([checkpoint]);
  });

  it("counts rows, not ids, when ids skip values", async () => {
    await insertChain([1, 2, 5, 9, 10]);
    const checkpoint = await log.checkpoint();
    expect(checkpoint).toMatchObject({ id: 10, count: 5 });
    expect(await log.verifyChain({ checkpoints: [checkpoint!] })).toEqual({
      ok: true,
      count: 5,
      checkpoints: 1,
    });
  });

  it("detects deleted newest rows with a checkpoint, which the chain alone cannot", async () => {
    await appendMany(4);
    const early = (await log.checkpoint())!;
    await appendMany(3);
    const late = (await log.checkpoint())!;
    expect(await log.verifyChain({ checkpoints: [late, early] })).toEqual({
      ok: true,
      count: 7,
      checkpoints: 2,
    });

    await sql`delete from decisions where id > ${early.id}`.execute(database.db);
    expect(await log.verifyChain()).toEqual({ ok: true, count: 4 });
    const result = await log.verifyChain({ checkpoints: [early, late] });
    expect(result).toMatchObject({ ok: false, count: 4, id: late.id });
    expect(result.ok ? "" : result.problem).toBe(
      `the log was truncated: checkpoint row ${late.id} (taken ${late.at}) is missing; ` +
        `the log now ends at row ${early.id}`,
    );
    // The older checkpoint still matches: what it anchored was not touched.
    expect((await log.verifyChain({ checkpoints: [early] })).ok).toBe(true);

    await sql`delete from decisions`.execute(database.db);
    const emptied = await log.verifyChain({ checkpoints: [early] });
    expect(emptied.ok ? "" : emptied.problem).toMatch(/truncated: .* the log is empty$/);
  });

  it("detects a whole chain rewritten with recomputed hashes", async () => {
    await appendMany(5);
    const checkpoint = (await log.checkpoint())!;
    await rewriteChain();
    expect(await log.verifyChain()).toEqual({ ok: true, count: 5 });
    const result = await log.verifyChain({ checkpoints: [checkpoint] });
    expect(result).toMatchObject({ ok: false, count: 4, id: checkpoint.id });
    expect(result.ok ? "" : result.problem).toBe(
      `row ${checkpoint.id} differs from the checkpoint taken ${checkpoint.at} (the log was rewritten)`,
    );
  });

  it("detects a rewrite that dropped a checkpointed row from the middle", async () => {
    await appendMany(6);
    const rows = await log.list();
    const third = rows[2]!;
    const checkpoint: AuditCheckpoint = { id: third.id, hash: third.hash, count: 3, at: TAKEN };
    await sql`delete from decisions where id = ${third.id}`.execute(database.db);
    await rewriteChain();
    const result = await log.verifyChain({ checkpoints: [checkpoint] });
    expect(result).toMatchObject({ ok: false, count: 2, id: third.id });
    expect(result.ok ? "" : result.problem).toContain(
      `checkpoint row ${third.id} (taken ${TAKEN}) is missing`,
    );
  });

  it("reports a checkpoint whose row moved position (rows inserted or deleted before it)", async () => {
    await appendMany(3);
    const checkpoint = (await log.checkpoint())!;
    const result = await log.verifyChain({ checkpoints: [{ ...checkpoint, count: 2 }] });
    expect(result).toMatchObject({ ok: false, id: checkpoint.id });
    expect(result.ok ? "" : result.problem).toContain("is row number 3 of the log, but number 2");
  });

  it("checks checkpoints on every page of a long log, still reporting the chain's own breaks first", async () => {
    const ids = Array.from({ length: 1_234 }, (_, i) => i + 1);
    await insertChain(ids);
    const all = await log.list({ limit: 10_000 });
    const at = (id: number, count = id): AuditCheckpoint => ({
      id,
      hash: all[id - 1]!.hash,
      count,
      at: TAKEN,
    });
    const checkpoints = [at(1_234), at(1), at(499), at(500), at(501), at(1_000)];
    expect(await log.verifyChain({ checkpoints })).toEqual({ ok: true, count: 1_234, checkpoints: 6 });

    await sql`update decisions set effect = 'allow' where id = 700`.execute(database.db);
    const edited = await log.verifyChain({ checkpoints });
    expect(edited).toMatchObject({ ok: false, id: 700, count: 699 });
    expect(edited.ok ? "" : edited.problem).toContain("was changed after it was written");

    await sql`update decisions set effect = ${all[699]!.effect} where id = 700`.execute(database.db);
    await sql`delete from decisions where id > 1100`.execute(database.db);
    const truncated = await log.verifyChain({ checkpoints });
    expect(truncated).toMatchObject({ ok: false, id: 1_234, count: 1_100 });
  });
});
