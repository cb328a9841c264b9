import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { AuditLog, type AuditRecord, entryHash, GENESIS_HASH } from "../audit/index.js";
import type { Database } from "../storage/index.js";
import { auditCli, withDataDatabase } from "./testing/audit.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-cli-audit-");

function record(i: number): AuditRecord {
  return {
    gate: "registry-pull",
    image: `127.0.0.1:5000/team/app:${i}`,
    effect: i === 2 ? "deny" : "allow",
    mode: "enforce",
    reason: i === 2 ? "denied by defaultRule: scan: 1 critical vulnerability" : "allowed",
    rules: [],
  };
}

/** Runs SQL against the data folder's database, as someone with database access would. */
const withDatabase = (run: (log: AuditLog, db: Database) => Promise<void>) =>
  withDataDatabase(io.dir, (database) => run(new AuditLog(database), database));
const cli = auditCli(io);

describe("portcullis audit checkpoint and decisions --checkpoints", () => {
  it("prints nothing to stdout for an empty log, then one checkpoint line per call", async () => {
    expect(await cli("checkpoint")).toBe(0);
    expect(io.out).toBe("");
    expect(io.err).toContain("the audit log is empty");

    await withDatabase(async (log) => {
      for (let i = 1; i <= 3; i++) await log.append(record(i));
    });
    expect(await cli("checkpoint")).toBe(0);
    expect(io.err).toBe("");
    expect(io.out.endsWith("\n")).toBe(true);
    expect(io.out.split("\n")).toHaveLength(2);
    expect(JSON.parse(io.out)).toEqual({
      id: 3,
      hash: expect.stringMatching(/^sha256:/),
      count: 3,
      at: expect.any(String),
    });
  });

  it("catches deleted newest rows with checkpoint files, which --verify alone cannot", async () => {
    const early = join(io.dir, "early.jsonl");
    const late = join(io.dir, "late.jsonl");
    await withDatabase(async (log) => {
      for (let i = 1; i <= 2; i++) await log.append(record(i));
    });
    expect(await cli("checkpoint")).toBe(0);
    await writeFile(early, io.out);
    await withDatabase(async (log) => {
      for (let i = 3; i <= 5; i++) await log.append(record(i));
    });
    expect(await cli("checkpoint")).toBe(0);
    await writeFile(late, io.out);

    expect(await cli("decisions", "--verify", "--checkpoints", early, "--checkpoints", late)).toBe(0);
    expect(io.out).toContain("chain verified: 5 decisions, none edited or deleted; it matches 2 checkpoints");

    await withDatabase(async (_log, database) => {
      await sql`delete from decisions where id > 3`.execute(database.db);
    });
    expect(await cli("decisions", "--verify")).toBe(0);
    expect(io.out).toContain("chain verified: 3 decisions");

    expect(await cli("decisions", "--verify", "--checkpoints", early, "--checkpoints", late)).toBe(1);
    expect(io.out).toMatch(
      /CHAIN BROKEN at row 5: the log was truncated: checkpoint row 5 \(taken [^)]+\) is missing; the log now ends at row 3/,
    );

    // --checkpoints implies --verify; JSON carries the same verdict in `chain`.
    expect(await cli("decisions", "-o", "json", "--checkpoints", late)).toBe(1);
    const json = JSON.parse(io.out) as { decisions: unknown[]; chain: Record<string, unknown> };
    expect(json.decisions).toHaveLength(3);
    expect(json.chain).toMatchObject({ ok: false, count: 3, id: 5 });
    expect(json.chain.problem).toContain("the log was truncated");
  });

  it("catches a chain rewritten with recomputed hashes", async () => {
    const file = join(io.dir, "audit.jsonl");
    await withDatabase(async (log) => {
      for (let i = 1; i <= 3; i++) await log.append(record(i));
    });
    expect(await cli("checkpoint")).toBe(0);
    await writeFile(file, io.out);
    await withDatabase(async (log, database) => {
      // Turn the deny into an allow and recompute every hash from there on.
      let prev = GENESIS_HASH;
      for (const entry of await log.list()) {
        const forged = { ...entry, effect: "allow" as const, reason: "allowed" };
        const hash = entryHash(entry.at, forged, prev);
        await database.db
          .updateTable("decisions")
          .set({ effect: "allow", reason: "allowed", prev_hash: prev, hash })
          .where("id", "=", entry.id)
          .execute();
        prev = hash;
      }
    });
    expect(await cli("decisions", "--verify")).toBe(0);
    expect(await cli("decisions", "-o", "json", "--verify", "--checkpoints", file)).toBe(1);
    const { chain } = JSON.parse(io.out) as { chain: { ok: boolean; id: number; problem: string } };
    expect(chain).toMatchObject({ ok: false, id: 3 });
    expect(chain.problem).toMatch(/^row 3 differs from the checkpoint taken .* \(the log was rewritten\)$/);
  });

  it("names the file and line of a bad checkpoint, and a file it cannot read", async () => {
    const file = join(io.dir, "audit.jsonl");
    await writeFile(
      file,
      `{"id":1,"hash":"sha256:${"ab".repeat(32)}","count":1,"at":"2026-01-01T00:00:00Z"}\n{"id":2\n`,
    );
    expect(await cli("decisions", "--verify", "--checkpoints", file)).toBe(2);
    expect(io.err).toContain(`${file}:2: not a JSON checkpoint line`);
    expect(await cli("decisions", "--checkpoints", join(io.dir, "missing.jsonl"))).toBe(2);
    expect(io.err).toContain(`cannot read checkpoint file ${join(io.dir, "missing.jsonl")}`);
  });
});
