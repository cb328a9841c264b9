import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { openTreeCheckpoint, type TreeCheckpoint } from "../merkle/index.js";
import { pushEvent, signedRecord } from "../testing.js";
import { EventRecord } from "./record.js";
import { verifyRecord } from "./verify.js";

for (const target of databaseTestTargets()) {
  describe(`verifyRecord on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;
    let saved: TreeCheckpoint;

    beforeEach(async () => {
      database = await target.open();
      ({ record, saved } = await signedRecord(database, 21));
      await record.append(Array.from({ length: 11 }, (_, i) => pushEvent(21 + i)));
    });
    afterEach(async () => {
      await database.close();
    });

    it("proves an untouched record intact and an append-only extension of a saved checkpoint", async () => {
      expect(await verifyRecord(record.source(), saved)).toEqual({ ok: true, size: 32, checkpointSize: 21 });
      expect(await verifyRecord(record.source())).toEqual({ ok: true, size: 32 });
    });

    it("fails when an entry's stored text is edited", async () => {
      const leaf = (
        await database.db
          .selectFrom("record_entries")
          .select("leaf")
          .where("idx", "=", 3)
          .executeTakeFirstOrThrow()
      ).leaf;
      await database.db
        .updateTable("record_entries")
        .set({ leaf: leaf.replace("alice", "mallory") })
        .where("idx", "=", 3)
        .execute();
      const outcome = await verifyRecord(record.source(), saved);
      expect(outcome).toMatchObject({ ok: false });
      expect(outcome.ok ? "" : outcome.problem).toMatch(/^entry 3:/);
    });

    it("fails when an entry's lookup column is edited", async () => {
      await database.db
        .updateTable("record_entries")
        .set({ actor: "mallory" })
        .where("idx", "=", 30)
        .execute();
      const outcome = await verifyRecord(record.source());
      expect(outcome.ok ? "" : outcome.problem).toMatch(/entry 30: its actor column/);
    });

    it("fails when a stored node is edited", async () => {
      await database.db
        .updateTable("record_nodes")
        .set({ hash: Buffer.alloc(32, 7) })
        .where("level", "=", 4)
        .where("idx", "=", 1)
        .execute();
      const outcome = await verifyRecord(record.source());
      expect(outcome.ok ? "" : outcome.problem).toMatch(/tree node 4\/1 does not match/);
    });

    it("fails when an entry and its leaf hash are rewritten together (the saved checkpoint catches it)", async () => {
      // A consistent rewrite of the whole table: every node recomputed from edited leaves.
      const rows = await database.db.selectFrom("record_entries").selectAll().orderBy("idx").execute();
      await database.db.deleteFrom("record_entries").execute();
      await database.db.deleteFrom("record_nodes").execute();
      const rewritten = new EventRecord(database, { signer: record.signer! });
      await rewritten.append(
        rows.map((_row, i) => ({ ...pushEvent(i), ...(i === 2 ? { actor: "mallory" } : {}) })),
      );
      expect(await verifyRecord(rewritten.source())).toMatchObject({ ok: true });
      const outcome = await verifyRecord(rewritten.source(), saved);
      expect(outcome.ok ? "" : outcome.problem).toMatch(/not an append-only extension/);
    });

    it("fails when the newest entries are removed, against a checkpoint that saw them", async () => {
      const full = openTreeCheckpoint(await record.checkpoint(), record.signer!.name, [
        record.signer!.verifier,
      ]);
      await database.db.deleteFrom("record_entries").where("idx", ">=", 29).execute();
      await database.db
        .deleteFrom("record_nodes")
        .where(sql<boolean>`idx * power(2, level) + power(2, level) > 29`)
        .execute();
      const outcome = await verifyRecord(record.source(), full);
      expect(outcome.ok ? "" : outcome.problem).toMatch(/fewer than the 32 of the saved checkpoint/);
    });
  });
}
