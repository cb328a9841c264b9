import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../../testing.js";
import { craftZip } from "./crafted-zip.js";
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

  it("refuses central directory entries that share one local entry (the overlapping zip bomb)", () => {
    const path = write(
      craftZip(
        [{ name: "a.json", data: text('{"a":1}') }],
        [
          { name: "a.json", local: 0 },
          { name: "b.json", local: 0 },
        ],
      ),
    );
    expect(() => new ZipReader(path)).toThrow(/overlap/);
  });

  it("refuses an entry whose data holds another entry (the quoted overlap)", () => {
    const inner = craftZip([{ name: "b.json", data: text('{"b":2}') }], []);
    const innerLocal = inner.subarray(0, 30 + "b.json".length + 7);
    const path = write(
      craftZip(
        [{ name: "a.json", data: innerLocal }],
        [
          { name: "a.json", local: 0 },
          { name: "b.json", offset: 30 + "a.json".length },
        ],
      ),
    );
    expect(() => new ZipReader(path)).toThrow(/overlap/);
  });

  it.each([
    ["an empty ZIP64 field", Buffer.from([1, 0, 0, 0])],
    ["a ZIP64 field shorter than its header says", Buffer.from([1, 0, 16, 0, 1, 2, 3, 4])],
    ["an extra field running past the entry", Buffer.from([9, 0, 200, 0])],
  ])("refuses %s with a clear error, not Node's RangeError", (_name, extra) => {
    const path = write(
      craftZip(
        [{ name: "a.json", data: text("{}") }],
        [{ name: "a.json", local: 0, size: 0xffffffff, extra }],
      ),
    );
    const err = (() => {
      try {
        new ZipReader(path);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ZipFormatError);
    expect((err as Error).message).toMatch(/a\.json.*(ZIP64|extra field)/);
  });

  it("refuses an entry that inflates past the size its central directory declares", () => {
    const data = deflateRawSync(Buffer.alloc(10_000, 0x20));
    const path = write(
      craftZip([{ name: "a.json", data, method: 8, size: 10 }], [{ name: "a.json", local: 0 }]),
    );
    const zip = new ZipReader(path);
    expect(() => zip.read(zip.entries[0]!)).toThrow(/declares 10 bytes/);
    zip.close();
  });
});
