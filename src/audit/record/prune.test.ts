import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { type TreeCheckpoint, verifyConsistency, verifyInclusion } from "../merkle/index.js";
import { signedRecord } from "../testing.js";
import { pruneRecord } from "./prune.js";
import type { EventRecord } from "./record.js";
import { nodesForAppend } from "./tree.js";
import { verifyRecord } from "./verify.js";

const T0 = 1_700_000_000_000;
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

for (const target of databaseTestTargets()) {
  describe(`pruneRecord on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;
    let saved: TreeCheckpoint;

    beforeEach(async () => {
      database = await target.open();
      ({ record, saved } = await signedRecord(database, 40, 1000));
    });
    afterEach(async () => {
      await record.settled();
      await database.close();
    });

    it("prunes old entries' text, records the prune, and keeps root, proofs and verification", async () => {
      const before = await record.root();
      const entry7 = (await record.entry(7))!;
      const result = await pruneRecord(database, record, { before: T0 + 25 * 1000, actor: "admin" });
      expect(result).toMatchObject({ before: 25, pruned: 25 });
      expect(result.entry).toMatchObject({ index: 40, kind: "record.pruned", actor: "admin" });
      expect(result.entry!.payload).toMatchObject({ before: 25, previous: 0, size: 40, root: before.root });
      expect(await record.size()).toBe(41);
      expect(await record.prunedBelow()).toBe(25);
      // The rows are gone; the tree is not: a pruned entry answers with its kept leaf hash.
      expect(await record.entry(7)).toBeUndefined();
      expect(await record.lookup(7)).toEqual({ index: 7, pruned: true, leafHash: entry7.leafHash });
      expect(await record.lookup(30)).toMatchObject({ index: 30, kind: "image.pushed" });
      expect(await record.lookup(41)).toBeUndefined();
      expect(await record.root(40)).toEqual(before);
      // Proofs of pruned and kept entries, and consistency with the earlier checkpoint, still verify.
      const root = fromHex((await record.root()).root);
      for (const index of [7, 30]) {
        const leaf = (await record.lookup(index))!.leafHash;
        const proof = await record.inclusionProof(index);
        verifyInclusion(index, 41, fromHex(leaf), proof.hashes.map(fromHex), root);
      }
      const consistency = await record.consistencyProof(40);
      verifyConsistency(40, 41, saved.root, root, consistency.hashes.map(fromHex));
      expect(await verifyRecord(record.source(), saved)).toEqual({
        ok: true,
        size: 41,
        checkpointSize: 40,
        pruned: 25,
      });
    });

    it("only moves the horizon forward; keep N prunes all but the newest N", async () => {
      expect(await pruneRecord(database, record, { keep: 30 })).toMatchObject({ before: 10, pruned: 10 });
      expect(await pruneRecord(database, record, { keep: 35 })).toEqual({ before: 10, pruned: 0 });
      // 41 entries now (the first prune is one); keep 11: the horizon is 30.
      expect(await pruneRecord(database, record, { keep: 11 })).toMatchObject({ before: 30, pruned: 20 });
      expect(await verifyRecord(record.source(), saved)).toMatchObject({ ok: true, size: 42, pruned: 30 });
      await expect(pruneRecord(database, record, {})).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });

    it("catches an edited kept leaf hash of a pruned entry, and a consistent rewrite against the checkpoint", async () => {
      await pruneRecord(database, record, { keep: 8 });
      await database.db
        .updateTable("record_nodes")
        .set({ hash: Buffer.alloc(32, 9) })
        .where("level", "=", 0)
        .where("idx", "=", 5)
        .execute();
      const edited = await verifyRecord(record.source(), saved);
      expect(edited.ok ? "" : edited.problem).toMatch(/tree node 1\/2 does not match/);

      // Every node above the edited leaf rewritten to agree: only the saved checkpoint catches it.
      const level0 = await database.db
        .selectFrom("record_nodes")
        .select("hash")
        .where("level", "=", 0)
        .orderBy("idx")
        .execute();
      await database.db.deleteFrom("record_nodes").where("level", ">", 0).execute();
      const upper = nodesForAppend(
        [],
        0,
        level0.map((n) => new Uint8Array(n.hash)),
      ).filter((n) => n.level > 0);
      await database.db
        .insertInto("record_nodes")
        .values(upper.map((n) => ({ level: n.level, idx: n.idx, hash: Buffer.from(n.hash) })))
        .execute();
      expect(await verifyRecord(record.source())).toMatchObject({ ok: true, pruned: 32 });
      const rewritten = await verifyRecord(record.source(), saved);
      expect(rewritten.ok ? "" : rewritten.problem).toMatch(/not an append-only extension/);
    });

    it("refuses entries missing above the horizon", async () => {
      await pruneRecord(database, record, { keep: 20 });
      await database.db.deleteFrom("record_entries").where("idx", "=", 25).execute();
      const outcome = await verifyRecord(record.source(), saved);
      expect(outcome.ok ? "" : outcome.problem).toBe("entry 25 is missing");
    });
  });
}
