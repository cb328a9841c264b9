import { describe, expect, it } from "vitest";
import {
  formatTreeCheckpoint,
  openTreeCheckpoint,
  parseTreeCheckpoint,
  signTreeCheckpoint,
} from "./checkpoint.js";
import { NoteSigner } from "./note-keys.js";
import { MemoryTree, rootHash } from "./tree.js";

const ORIGIN = "portcullis.example/audit";

async function head(size: number) {
  const tree = new MemoryTree();
  for (let i = 0; i < size; i++) tree.append(Buffer.from(`entry ${i}`));
  return { origin: ORIGIN, size, root: await rootHash(tree), extensions: [] };
}

describe("tree checkpoints (C2SP tlog-checkpoint)", () => {
  it("writes origin, size and root as three lines, then extensions", async () => {
    const checkpoint = await head(3);
    const root = Buffer.from(checkpoint.root).toString("base64");
    expect(formatTreeCheckpoint(checkpoint)).toBe(`${ORIGIN}\n3\n${root}\n`);
    expect(formatTreeCheckpoint({ ...checkpoint, extensions: ["- note 1"] })).toBe(
      `${ORIGIN}\n3\n${root}\n- note 1\n`,
    );
  });

  it("signs and opens a checkpoint with the log's key, and only for that log", async () => {
    const signer = NoteSigner.generate(ORIGIN);
    const checkpoint = await head(1_000);
    const note = signTreeCheckpoint(checkpoint, [signer]);
    const opened = openTreeCheckpoint(note, ORIGIN, [signer.verifier]);
    expect(opened.size).toBe(1_000);
    expect(Buffer.from(opened.root)).toEqual(Buffer.from(checkpoint.root));
    expect(() => openTreeCheckpoint(note, "other.example/log", [signer.verifier])).toThrow(
      expect.objectContaining({ code: "NOTE_UNVERIFIED" }),
    );
    const forged = note.replace("\n1000\n", "\n1001\n");
    expect(() => openTreeCheckpoint(forged, ORIGIN, [signer.verifier])).toThrow(
      expect.objectContaining({ code: "SIGNATURE_INVALID" }),
    );
    const stranger = NoteSigner.generate(ORIGIN);
    expect(() => openTreeCheckpoint(note, ORIGIN, [stranger.verifier])).toThrow(
      expect.objectContaining({ code: "NOTE_UNVERIFIED" }),
    );
  });

  it.each([
    ["no root line", `${ORIGIN}\n3\n`],
    ["an empty origin", "\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"],
    ["a size with a leading zero", `${ORIGIN}\n03\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`],
    ["a negative size", `${ORIGIN}\n-3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`],
    ["a size past 2^53", `${ORIGIN}\n9007199254740993\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`],
    ["a short root", `${ORIGIN}\n3\nAAAA\n`],
    ["a root that is not base64", `${ORIGIN}\n3\n!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`],
    ["an empty extension line", `${ORIGIN}\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n`],
    ["no final newline", `${ORIGIN}\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`],
  ])("refuses a checkpoint body with %s", (_, text) => {
    expect(() => parseTreeCheckpoint(text)).toThrow(expect.objectContaining({ code: "NOTE_MALFORMED" }));
  });

  it("refuses to write a checkpoint it could not read back", async () => {
    const checkpoint = await head(2);
    for (const bad of [
      { ...checkpoint, origin: "" },
      { ...checkpoint, origin: "a\nb" },
      { ...checkpoint, size: -1 },
      { ...checkpoint, root: new Uint8Array(31) },
      { ...checkpoint, extensions: [""] },
    ]) {
      expect(() => formatTreeCheckpoint(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });
});
