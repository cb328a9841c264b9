import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventRecord, openTreeCheckpoint, storedRecordVerifier } from "../audit/index.js";
import type { Database } from "../storage/index.js";
import { auditCli, pullEvent, withDataDatabase } from "./testing/audit.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-cli-export-");
const T0 = Date.parse("2026-01-01T00:00:00Z");

const event = (i: number) => pullEvent(i, T0 + i * 86_400_000);

const withDatabase = (run: (db: Database) => Promise<void>) => withDataDatabase(io.dir, run);
const cli = auditCli(io);

describe("portcullis audit export and audit prune", () => {
  it("exports JSON lines ending with the signed head, prunes, and still verifies against an older checkpoint", async () => {
    // The record's key is made (and sealed) by the first command that opens the record.
    const saved = join(io.dir, "before.checkpoint");
    await withDatabase(async (database) => {
      await new EventRecord(database).append(Array.from({ length: 10 }, (_, i) => event(i)));
    });
    expect(await cli("checkpoint", "--out", saved)).toBe(0);

    expect(await cli("export", "--format", "jsonl", "--since", "7")).toBe(0);
    const lines = io.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.index)).toEqual([7, 8, 9, undefined]);
    expect(lines[0]).toMatchObject({ index: 7, kind: "image.pulled", payload: { i: 7 } });
    expect(lines[0].leafHash).toMatch(/^[0-9a-f]{64}$/);
    const trailer = lines[3] as { size: number; root: string; checkpoint: string };
    await withDatabase(async (database) => {
      const verifier = (await storedRecordVerifier(database))!;
      const head = openTreeCheckpoint(trailer.checkpoint, verifier.name, [verifier]);
      expect(head.size).toBe(10);
      expect(Buffer.from(head.root).toString("hex")).toBe(trailer.root);
    });

    const out = join(io.dir, "record.jsonl");
    expect(await cli("export", "--from", "2026-01-09T00:00:00Z", "--out", out)).toBe(0);
    const fromFile = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(fromFile.map((l) => JSON.parse(l).index)).toEqual([8, 9, undefined]);

    expect(await cli("prune", "--before", "2026-01-05T00:00:00Z")).toBe(0);
    expect(io.out).toBe("pruned 4 entries: the record now starts at entry 4 (recorded as entry 10)\n");
    expect(await cli("prune", "--keep", "100")).toBe(0);
    expect(io.out).toBe("nothing to prune: the record starts at entry 4\n");
    expect(await cli("verify", "--checkpoint", saved)).toBe(0);
    expect(io.out).toBe(
      "record verified: 11 entries hash into the current root (4 pruned entries by their kept leaf hashes); " +
        "it extends the saved checkpoint of 10 entries\n",
    );
    expect(await cli("export")).toBe(0);
    const after = io.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(after.map((l) => l.index)).toEqual([4, 5, 6, 7, 8, 9, 10, undefined]);
    expect(after[6]).toMatchObject({ kind: "record.pruned", payload: { before: 4, size: 10 } });
  });

  it("refuses a prune without a cut and an unknown format with exit 2", async () => {
    expect(await cli("prune")).toBe(2);
    expect(io.err).toContain("--before TIME or --keep N");
    expect(await cli("export", "--format", "csv")).toBe(2);
  });
});
