import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { AuditLog } from "../log.js";
import { DECISION_DIGEST as DIGEST, decisionRow as decision } from "../testing.js";
import { pruneRecord } from "./prune.js";
import { EventRecord } from "./record.js";
import { verifyRecord } from "./verify.js";

for (const target of databaseTestTargets()) {
  describe(`the decision chain in the record on ${target.name}`, () => {
    let database: Database;
    beforeEach(async () => {
      database = await target.open();
    });
    afterEach(async () => {
      await database.close();
    });

    it("mirrors each decision as it is appended, with its row id and chain hash", async () => {
      const record = new EventRecord(database);
      const log = new AuditLog(database, Date.now, record);
      const pushed = await log.append(decision());
      const access = await log.append(
        decision({ gate: "access", image: "user:bob", digest: undefined, actor: "root" }),
      );
      const entries = await record.query();
      expect(entries.map((e) => e.kind)).toEqual(["gate.decision", "access"]);
      expect(entries[0]).toMatchObject({ actor: "alice", digest: DIGEST, at: pushed.at });
      expect(entries[0]!.payload).toMatchObject({
        decisionId: pushed.id,
        chainHash: pushed.hash,
        effect: "deny",
      });
      expect(entries[1]!.payload).toMatchObject({ decisionId: access.id, chainHash: access.hash });
    });

    it("backfills rows written before the record, in id order, once however often it runs", async () => {
      const plain = new AuditLog(database);
      const old = [];
      for (let i = 0; i < 5; i++) old.push(await plain.append(decision({ actor: `user${i}` })));
      const record = new EventRecord(database);
      const log = new AuditLog(database, Date.now, record);
      expect(await log.backfillRecord()).toBe(5);
      expect(await log.backfillRecord()).toBe(0);
      await log.append(decision({ actor: "late" }));
      // A row whose mirror was lost (a crash between the two commits) is added by the next run.
      const lost = await plain.append(decision({ actor: "crashed" }));
      await log.append(decision({ actor: "later" }));
      expect(await log.backfillRecord()).toBe(1);
      const ids = (await record.query()).map((e) => (e.payload as { decisionId: number }).decisionId);
      expect(ids).toEqual([...old.map((d) => d.id), 6, 8, lost.id]);
      expect(await verifyRecord(record.source())).toEqual({ ok: true, size: 8 });
      expect((await log.verifyChain()).ok).toBe(true);
    });

    it("keeps the old chain verifiable and the tree whole after the backfill", async () => {
      const plain = new AuditLog(database);
      for (let i = 0; i < 3; i++) await plain.append(decision());
      const record = new EventRecord(database);
      const log = new AuditLog(database, Date.now, record);
      await log.backfillRecord();
      await log.append(decision({ effect: "allow" }));
      expect((await log.verifyChain()).ok).toBe(true);
      expect(await verifyRecord(record.source())).toEqual({ ok: true, size: 4 });
      const ids = (await record.query()).map((e) => (e.payload as { decisionId: number }).decisionId);
      expect(ids).toEqual([1, 2, 3, 4]);
    });

    it("does not mirror again the decisions whose entries retention pruned", async () => {
      const record = new EventRecord(database);
      const log = new AuditLog(database, Date.now, record);
      for (let i = 0; i < 4; i++) await log.append(decision({ actor: `user${i}` }));
      await pruneRecord(database, record, { keep: 1 });
      expect(await record.prunedBelow()).toBe(3);
      expect(await log.backfillRecord()).toBe(0);
      expect(await record.size()).toBe(5);
    });
  });
}
