import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../../testing.js";
import { ZipFormatError, ZipReader } from "./zip.js";

function write(bytes: Uint8Array): string {
  const path = join(dirname(tempDatabasePath()), "test.zip");
  writeFileSync(path, bytes);
  return path;
}

const text = (s: string) => new TextEncoder().encode(s);

describe("ZipReader", () => {
  it("lists entries from the central directory and reads stored and deflated ones", () => {
    const big = "x".repeat(10_000);
    const path = write(
      zipSync(
        { "a/stored.json": [text('{"a":1}'), { level: 0 }], "b.json": [text(big), { level: 9 }] },
        { comment: "OSV" },
      ),
    );
    const zip = new ZipReader(path);
    expect(zip.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ["a/stored.json", 0, 7],
      ["b.json", 8, 10_000],
    ]);
    expect(zip.read(zip.entries[0]!).toString()).toBe('{"a":1}');
    expect(zip.read(zip.entries[1]!).toString()).toBe(big);
    expect(zip.entries[1]!.compressedSize).toBeLessThan(200);
    zip.close();
  });

  it("refuses an entry over the size limit before inflating it", () => {
    const zip = new ZipReader(write(zipSync({ "bomb.json": text("0".repeat(100_000)) })), 1_000);
    expect(() => zip.read(zip.entries[0]!)).toThrow(ZipFormatError);
    zip.close();
  });

  it.each([
    ["not a zip", text("just some text, no end record")],
    ["an empty file", new Uint8Array()],
  ])("refuses %s", (_name, bytes) => {
    expect(() => new ZipReader(write(bytes))).toThrow(ZipFormatError);
  });
});
