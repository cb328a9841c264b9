import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readNdb } from "./ndb.js";

const sle15 = new Uint8Array(
  readFileSync(new URL("testdata/go-rpmdb/sle15-bci/Packages.db", import.meta.url)),
);

describe("readNdb", () => {
  it("reads one blob per used slot of a real database", () => {
    const { values, warnings } = readNdb(sle15);
    expect(warnings).toEqual([]);
    expect(values).toHaveLength(35);
  });

  it("decodes a block only once when a crafted file points every slot at it", () => {
    const copy = Uint8Array.from(sle15);
    const view = new DataView(copy.buffer);
    let first: number | undefined;
    for (let at = 32; at + 16 <= 4096 * view.getUint32(12, true); at += 16) {
      if (view.getUint32(at + 4, true) === 0) continue;
      first ??= view.getUint32(at + 8, true);
      view.setUint32(at + 8, first, true);
    }
    const { values, warnings } = readNdb(copy);
    expect(values).toHaveLength(1);
    expect(warnings).toHaveLength(34);
  });

  it.each([
    ["too small", sle15.subarray(0, 16), /too small/],
    ["without the RpmP magic", new Uint8Array(8192), /magic/],
    ["with slot pages past the end", sle15.subarray(0, 100), /past the file/],
  ])("refuses a file %s", (_name, bytes, message) => {
    expect(() => readNdb(bytes)).toThrow(message);
  });
});
