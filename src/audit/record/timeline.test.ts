import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { merkleLeafHash, openTreeCheckpoint } from "../merkle/index.js";
import type { RecordEventInput } from "./entry.js";
import { loadRecordSigner } from "./key.js";
import { leafIncluded } from "./proofs.js";
import { EventRecord } from "./record.js";

const IMAGE = `sha256:${"ab".repeat(32)}`;
const OTHER = `sha256:${"cd".repeat(32)}`;
const CONTAINER = "0123456789ab".padEnd(64, "f");
const T = 1_700_000_000_000;

function ev(at: number, overrides: Partial<RecordEventInput> = {}): RecordEventInput {
  return { kind: "image.pulled", at: T + at, summary: `event at ${at}`, payload: { at }, ...overrides };
}

for (const target of databaseTestTargets()) {
  describe(`EventRecord.timeline on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;

    beforeEach(async () => {
      database = await target.open();
      record = new EventRecord(database, { signer: await loadRecordSigner(database, randomBytes(32)) });
      await record.append([
        ev(5, { kind: "image.pushed", digest: IMAGE }),
        ev(1, { digest: OTHER }),
        // Ingested late, happened early: the timeline orders by time, not by leaf.
        ev(2, { kind: "image.scanned", digest: IMAGE }),
        ev(7, { kind: "k8s.audit", digest: IMAGE, namespace: "shop", pod: "web-1" }),
        ev(8, { kind: "k8s.audit", namespace: "shop", pod: "web-1" }),
        ev(9, { kind: "runtime.alert", digest: IMAGE, containerId: CONTAINER.slice(0, 12) }),
        ev(9, { kind: "runtime.alert", containerId: CONTAINER }),
        ev(3, { kind: "k8s.audit", namespace: "shop", pod: "web-2", digest: OTHER }),
      ]);
    });
    afterEach(async () => {
      await record.settled();
      await database.close();
    });

    it("orders an image's entries by time, each proved against the one signed checkpoint", async () => {
      const timeline = await record.timeline({ digests: [IMAGE] });
      expect(timeline.size).toBe(8);
      expect(timeline.entries.map((e) => e.index)).toEqual([2, 0, 3, 5]);
      const verifier = record.signer!.verifier;
      const head = openTreeCheckpoint(timeline.checkpoint, verifier.name, [verifier]);
      expect(head.size).toBe(8);
      for (const entry of timeline.entries) {
        expect(leafIncluded(entry.leaf, entry.index, head.size, entry.proof!, head.root)).toBe(true);
        // Read from the stored level-0 node, not hashed again: the same hash.
        expect(entry.leafHash).toBe(Buffer.from(merkleLeafHash(Buffer.from(entry.leaf))).toString("hex"));
      }
      const forged = timeline.entries[0]!.leaf.replace("event at 2", "event at 3");
      expect(leafIncluded(forged, 2, head.size, timeline.entries[0]!.proof!, head.root)).toBe(false);
    });

    it("takes in a pod's own events and every entry of the digests it ran", async () => {
      const timeline = await record.timeline({ pod: { namespace: "shop", name: "web-1" } });
      expect(timeline.digests).toEqual([IMAGE]);
      expect(timeline.entries.map((e) => e.index)).toEqual([2, 0, 3, 4, 5]);
    });

    it("finds a container by its short or its full id", async () => {
      const short = await record.timeline({ containerId: CONTAINER.slice(0, 12) }, { proofs: false });
      const full = await record.timeline({ containerId: CONTAINER }, { proofs: false });
      expect(full.entries.map((e) => e.index)).toEqual(short.entries.map((e) => e.index));
      expect(short.entries.map((e) => e.index)).toEqual([2, 0, 3, 5, 6]);
      expect(short.entries[0]!.proof).toBeUndefined();
    });

    it("pages by (time, index) with the cursor it returns", async () => {
      const first = await record.timeline({ digests: [IMAGE] }, { limit: 3 });
      expect(first.entries.map((e) => e.index)).toEqual([2, 0, 3]);
      const second = await record.timeline({ digests: [IMAGE] }, { limit: 3, after: first.next! });
      expect(second.entries.map((e) => e.index)).toEqual([5]);
      expect(second.next).toBeUndefined();
    });

    it("proves many entries in one batch the same as one by one", async () => {
      await record.append(Array.from({ length: 300 }, (_, i) => ev(100 + i, i % 3 ? {} : { digest: IMAGE })));
      const timeline = await record.timeline({ digests: [IMAGE] });
      for (const entry of timeline.entries.slice(0, 40)) {
        const single = await record.inclusionProof(entry.index, timeline.size);
        expect(entry.proof).toEqual(single.hashes);
      }
    });
  });
}

describe("inclusionProofs", () => {
  it("gives the proofs merkle/proof.ts gives, for every leaf of trees of 1 to 70 leaves", async () => {
    const { MemoryTree, inclusionProof } = await import("../merkle/index.js");
    const { inclusionProofs, NodeCache } = await import("./proofs.js");
    const { openDatabase } = await import("../../storage/index.js");
    const { nodesForAppend } = await import("./tree.js");
    for (const size of [1, 2, 3, 5, 8, 13, 31, 64, 70]) {
      const { tmpdir } = await import("node:os");
      const file = `${tmpdir()}/portcullis-proofs-${process.pid}-${size}.db`;
      const database = await openDatabase(file);
      try {
        const leaves = Array.from({ length: size }, (_, i) => new Uint8Array(32).fill(i + 1));
        const nodes = nodesForAppend([], 0, leaves);
        await database.db
          .insertInto("record_nodes")
          .values(nodes.map((n) => ({ level: n.level, idx: n.idx, hash: Buffer.from(n.hash) })))
          .execute();
        const tree = new MemoryTree();
        for (const leaf of leaves) tree.appendLeafHash(leaf);
        const all = Array.from({ length: size }, (_, i) => i);
        const batch = await inclusionProofs(database.db, all, size);
        // Through a node cache, cold then warm, and through one too small to hold a proof's nodes.
        const cache = new NodeCache();
        const cold = await inclusionProofs(database.db, all, size, cache);
        const warm = await inclusionProofs(database.db, all, size, cache);
        const tiny = new NodeCache(4);
        const evicting = [
          await inclusionProofs(database.db, all, size, tiny),
          await inclusionProofs(database.db, all.slice().reverse(), size, tiny),
        ];
        for (const i of all) {
          const single = (await inclusionProof(tree, i, size)).map((h) => Buffer.from(h).toString("hex"));
          expect(batch.get(i)).toEqual(single);
          expect(cold.get(i)).toEqual(single);
          expect(warm.get(i)).toEqual(single);
          for (const proofs of evicting) expect(proofs.get(i)).toEqual(single);
        }
      } finally {
        await database.close();
        const { rmSync } = await import("node:fs");
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      }
    }
  });
});
