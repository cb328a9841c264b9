import { createHash } from "node:crypto";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { canonicalBytes, entryHash, GENESIS_HASH } from "./entry.js";
import { AuditLog } from "./log.js";
import { decisionRow as record } from "./testing.js";

describe("canonicalBytes", () => {
  it("hashes a row without a caller exactly as before the field existed (v1 rows still verify)", () => {
    const at = Date.parse("2026-01-01T00:00:00Z");
    const r = record();
    const v1 = JSON.stringify([
      "portcullis.dev/audit/v1",
      at,
      r.gate,
      r.actor,
      null,
      null,
      r.image,
      r.digest,
      r.effect,
      r.mode,
      null,
      r.reason,
      r.rules.map((x) => [x.rule, x.passed, x.reason]),
      r.policyDigest,
      GENESIS_HASH,
    ]);
    expect(canonicalBytes(at, r, GENESIS_HASH)).toBe(v1);
    expect(entryHash(at, r, GENESIS_HASH)).toBe(`sha256:${createHash("sha256").update(v1).digest("hex")}`);
    expect(entryHash(at, { ...r, caller: "none" }, GENESIS_HASH)).not.toBe(entryHash(at, r, GENESIS_HASH));
  });
});

describe.each(databaseTestTargets())("AuditLog ($name)", (target) => {
  let database: Database;
  let clock: number;
  let log: AuditLog;

  beforeEach(async () => {
    database = await target.open();
    clock = Date.parse("2026-01-01T00:00:00Z");
    log = new AuditLog(database, () => clock++);
  });

  afterEach(async () => {
    await database.close();
  });

  it("chains every appended decision to the one before it", async () => {
    const first = await log.append(record());
    const second = await log.append(record({ gate: "registry-pull", effect: "allow", reason: "allowed" }));
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(entryHash(second.at, second, first.hash));
    expect(await log.verifyChain()).toEqual({ ok: true, count: 2 });
    expect(await log.head()).toEqual({ id: second.id, hash: second.hash });
  });

  it("keeps the chain linear when many decisions are appended at once", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(record({ image: `img-${i}` }))));
    expect(await log.verifyChain()).toEqual({ ok: true, count: 20 });
  });

  it("reads back what it stored, filtered by image, time and gate", async () => {
    await log.append(
      record({ image: "registry.example/team/API:1", breakGlass: { annotation: "a", value: "b" } }),
    );
    clock += 60_000;
    const later = await log.append(record({ image: "registry.example/other/app:1", gate: "admission" }));
    const all = await log.list();
    expect(all.map((e) => e.image)).toEqual(["registry.example/team/API:1", "registry.example/other/app:1"]);
    expect(all[0]).toMatchObject({
      actor: "alice",
      breakGlass: { annotation: "a", value: "b" },
      rules: record().rules,
    });
    expect((await log.list({ image: "team/api" })).map((e) => e.id)).toEqual([all[0]!.id]);
    expect((await log.list({ image: "100%_" })).length).toBe(0);
    expect((await log.list({ since: later.at })).map((e) => e.id)).toEqual([later.id]);
    expect((await log.list({ gate: "admission" })).map((e) => e.id)).toEqual([later.id]);
    expect((await log.list({ limit: 1 })).map((e) => e.id)).toEqual([later.id]);
  });

  it("stores how the caller was authenticated, hashed with the row", async () => {
    const entry = await log.append(record({ gate: "admission", caller: "mtls:kube-apiserver" }));
    expect((await log.list())[0]).toMatchObject({ id: entry.id, caller: "mtls:kube-apiserver" });
    expect(canonicalBytes(entry.at, entry, entry.prevHash)).toContain('"portcullis.dev/audit/v2"');
    expect(await log.verifyChain()).toEqual({ ok: true, count: 1 });
    await sql`update decisions set caller = 'token' where id = ${entry.id}`.execute(database.db);
    expect(await log.verifyChain()).toMatchObject({ ok: false, id: entry.id });
  });

  it("refuses an unknown gate", async () => {
    await expect(log.append(record({ gate: "ftp" as never }))).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it.each([
    ["an edited effect", sql`update decisions set effect = 'allow' where id = 2`, 2, "changed"],
    ["an edited rule list", sql`update decisions set rules = '[]' where id = 1`, 1, "changed"],
    ["unreadable rules", sql`update decisions set rules = 'not json' where id = 3`, 3, "unreadable"],
    ["a deleted row", sql`delete from decisions where id = 2`, 3, "missing"],
    ["a replaced first row", sql`delete from decisions where id = 1`, 2, "missing"],
  ])("detects %s", async (_name, tamper, id, problem) => {
    for (let i = 0; i < 4; i++) await log.append(record({ image: `img-${i}` }));
    expect((await log.verifyChain()).ok).toBe(true);
    await tamper.execute(database.db);
    const result = await log.verifyChain();
    expect(result).toMatchObject({ ok: false, id });
    expect(result.ok ? "" : result.problem).toContain(problem);
  });
});
