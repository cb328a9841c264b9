import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import {
  MemoryTree,
  merkleLeafHash,
  merkleRoot,
  openTreeCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../merkle/index.js";
import { encodeLeaf, type RecordEventInput } from "./entry.js";
import { loadRecordSigner } from "./key.js";
import { EventRecord } from "./record.js";
import { verifyRecord } from "./verify.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

function event(n: number, overrides: Partial<RecordEventInput> = {}): RecordEventInput {
  return {
    kind: "image.pushed",
    at: 1_700_000_000_000 + n,
    actor: "alice",
    digest: DIGEST,
    repository: "team/app",
    summary: `alice pushed team/app:v${n}`,
    payload: { tag: `v${n}`, n },
    ...overrides,
  };
}

for (const target of databaseTestTargets()) {
  describe(`EventRecord on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;
    const kek = randomBytes(32);

    beforeEach(async () => {
      database = await target.open();
      record = new EventRecord(database, { signer: await loadRecordSigner(database, kek) });
    });
    afterEach(async () => {
      await record.settled();
      await database.close();
    });

    it("numbers entries from 0 in append order, and one call's events share a batch", async () => {
      const [first, second] = await Promise.all([
        record.append([event(0), event(1)]),
        record.append([event(2, { kind: "image.pulled" })]),
      ]);
      expect(first!.map((e) => e.index)).toEqual([0, 1]);
      expect(second!.map((e) => e.index)).toEqual([2]);
      expect(await record.size()).toBe(3);
      expect(await record.entry(2)).toMatchObject({ kind: "image.pulled", index: 2, digest: DIGEST });
      expect((await record.query({ kind: "image.pushed" })).map((e) => e.index)).toEqual([0, 1]);
      expect((await record.query({ digest: DIGEST, after: 0, limit: 1 })).map((e) => e.index)).toEqual([1]);
    });

    it("builds the tree an in-memory RFC 9162 tree builds, and serves proofs the verifier accepts", async () => {
      const events = Array.from({ length: 37 }, (_, i) => event(i));
      // Several transactions of different sizes: the carried frontier must join them correctly.
      await record.append(events.slice(0, 1));
      await record.append(events.slice(1, 6));
      await record.append(events.slice(6, 16));
      await record.append(events.slice(16));
      const memory = new MemoryTree();
      for (const e of events) memory.append(Buffer.from(encodeLeaf({ ...e, at: e.at! })));
      for (const size of [1, 2, 5, 16, 17, 37]) {
        const { root } = await record.root(size);
        expect(root).toBe(Buffer.from(await merkleRoot(memory, size)).toString("hex"));
      }
      const root37 = fromHex((await record.root()).root);
      for (const index of [0, 5, 16, 36]) {
        const entry = (await record.entry(index))!;
        const proof = await record.inclusionProof(index);
        verifyInclusion(index, 37, fromHex(entry.leafHash), proof.hashes.map(fromHex), root37);
      }
      const root5 = fromHex((await record.root(5)).root);
      const consistency = await record.consistencyProof(5, 37);
      verifyConsistency(5, 37, root5, root37, consistency.hashes.map(fromHex));
    });

    it("keeps one tree when replicas take turns appending (a cached frontier another replica overtook)", async () => {
      // Two records on one database: each remembers the tree its last batch left, which the other's
      // appends make stale; its next batch must notice and read the tree again.
      const other = new EventRecord(database);
      const events = Array.from({ length: 23 }, (_, i) => event(i));
      const cuts = [0, 3, 4, 9, 10, 17, 23];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const by = i % 2 === 0 ? record : other;
        const entries = await by.append(events.slice(cuts[i], cuts[i + 1]));
        expect(entries.map((e) => e.index)).toEqual(
          Array.from({ length: cuts[i + 1]! - cuts[i]! }, (_, j) => cuts[i]! + j),
        );
      }
      await other.settled();
      const memory = new MemoryTree();
      for (const e of events) memory.append(Buffer.from(encodeLeaf({ ...e, at: e.at! })));
      for (const size of [3, 4, 10, 23]) {
        expect((await other.root(size)).root).toBe(
          Buffer.from(await merkleRoot(memory, size)).toString("hex"),
        );
      }
      expect(await verifyRecord(record.source())).toMatchObject({ ok: true, size: 23 });
    });

    it("stores text as given, whatever array syntax it holds (PostgreSQL binds each column as an array)", async () => {
      const awkward = ["NULL", "{a,b}", 'say "hi"', "back\\slash", "line\nbreak", "\u00e9\u{1f600}", " pad "];
      const summary = (text: string) => text.replace("\n", " ");
      const entries = await record.append(
        awkward.map((text, i) => event(i, { summary: summary(text), actor: text, pod: text })),
      );
      for (const [i, text] of awkward.entries()) {
        const stored = await record.entry(entries[i]!.index);
        expect(stored).toMatchObject({ summary: summary(text), actor: text, pod: text });
      }
      expect(await verifyRecord(record.source())).toMatchObject({ ok: true });
    });

    it("signs checkpoints that open with the served verifier key, naming the record as origin", async () => {
      await record.append([event(0), event(1), event(2)]);
      const note = await record.checkpoint();
      const checkpoint = openTreeCheckpoint(note, record.signer!.name, [record.signer!.verifier]);
      expect(checkpoint.size).toBe(3);
      expect(Buffer.from(checkpoint.root).toString("hex")).toBe((await record.root()).root);
      // The same key comes back sealed from the database; another key file does not open it.
      expect((await loadRecordSigner(database, kek)).verifier.toString()).toBe(
        record.signer!.verifier.toString(),
      );
      await expect(loadRecordSigner(database, randomBytes(32))).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    });

    it("refuses bad input with INVALID_ARGUMENT and stores nothing of the call", async () => {
      const bad: RecordEventInput[] = [
        event(0, { kind: "nope" as RecordEventInput["kind"] }),
        event(0, { summary: "" }),
        event(0, { summary: "two\nlines" }),
        event(0, { payload: { big: "x".repeat(64 * 1024) } }),
        event(0, { payload: { n: Number.NaN } }),
        event(0, { containerId: "ABC" }),
        event(0, { at: -1 }),
      ];
      for (const e of bad) {
        await expect(record.append([event(1), e])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      expect(await record.size()).toBe(0);
    });

    it("records a mirrored decision once, however often it is appended", async () => {
      const mirrored = { ...event(0, { kind: "gate.decision" }), decisionId: 7 };
      await record.appendMirrored([mirrored]);
      const again = await record.appendMirrored([mirrored, { ...mirrored, decisionId: 8 }]);
      expect(again.map((e) => e.index)).toEqual([1]);
      expect(await record.size()).toBe(2);
    });

    it("appends thousands of events in a few transactions", async () => {
      const many = Array.from({ length: 5000 }, (_, i) => event(i, { payload: { i } }));
      const calls = [];
      for (let i = 0; i < many.length; i += 50) calls.push(record.append(many.slice(i, i + 50)));
      const results = await Promise.all(calls);
      expect(results.flat().map((e) => e.index)).toEqual(many.map((_, i) => i));
      const leaf = merkleLeafHash(Buffer.from(encodeLeaf({ ...many[4999]!, at: many[4999]!.at! })));
      expect((await record.entry(4999))!.leafHash).toBe(Buffer.from(leaf).toString("hex"));
    });
  });
}
