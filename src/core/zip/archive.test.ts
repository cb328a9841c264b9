import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { damagedCopies } from "../../../test/support/damaged.js";
import { thrownBy } from "../../../test/support/errors.js";
import { craftZip, zip64Extra } from "../testing.js";
import { ZipArchive, ZipFile } from "./archive.js";
import { ZipError } from "./error.js";

function write(bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), "portcullis-zip-")), "test.zip");
  writeFileSync(path, bytes);
  return path;
}

const text = (s: string) => new TextEncoder().encode(s);

describe("ZipFile (an archive read from its file)", () => {
  it("lists entries from the central directory and reads stored and deflated ones", () => {
    const big = "x".repeat(10_000);
    const path = write(
      zipSync(
        { "a/stored.json": [text('{"a":1}'), { level: 0 }], "b.json": [text(big), { level: 9 }] },
        { comment: "OSV" },
      ),
    );
    const zip = ZipFile.open(path);
    expect(zip.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ["a/stored.json", 0, 7],
      ["b.json", 8, 10_000],
    ]);
    expect(zip.read(zip.entries[0]!).toString()).toBe('{"a":1}');
    expect(zip.read(zip.entries[1]!).toString()).toBe(big);
    expect(zip.entries[1]!.compressedSize).toBeLessThan(200);
    const stored = zip.readStored(zip.entries[1]!);
    expect(stored.length).toBe(zip.entries[1]!.compressedSize);
    expect(zip.inflate(zip.entries[1]!, stored).toString()).toBe(big);
    zip.close();
  });

  it("refuses an entry over the size limit before inflating it", () => {
    const zip = ZipFile.open(write(zipSync({ "bomb.json": text("0".repeat(100_000)) })), {
      maxEntryBytes: 1_000,
    });
    expect(thrownBy(ZipError, () => zip.read(zip.entries[0]!))).toMatchObject({
      code: "ZIP_LIMIT",
      entry: "bomb.json",
    });
    zip.close();
  });

  it.each([
    ["not a zip", text("just some text, no end record")],
    ["an empty file", new Uint8Array()],
  ])("refuses %s", (_name, bytes) => {
    expect(thrownBy(ZipError, () => ZipFile.open(write(bytes))).code).toBe("ZIP_INVALID");
  });

  it("lets the file system's own errors through", () => {
    expect(() => ZipFile.open("/nonexistent/all.zip")).toThrow(/ENOENT/);
  });
});

describe("ZipArchive: hostile archives", () => {
  it("refuses central directory entries that share one local entry (the overlapping zip bomb)", () => {
    const bytes = craftZip(
      [{ name: "a.json", data: text('{"a":1}') }],
      [
        { name: "a.json", local: 0 },
        { name: "b.json", local: 0 },
      ],
    );
    expect(thrownBy(ZipError, () => new ZipArchive(bytes)).message).toMatch(/overlap/);
    expect(thrownBy(ZipError, () => ZipFile.open(write(bytes))).message).toMatch(/overlap/);
  });

  it("refuses an entry whose data holds another entry (the quoted overlap)", () => {
    const inner = craftZip([{ name: "b.json", data: text('{"b":2}') }], []);
    const innerLocal = inner.subarray(0, 30 + "b.json".length + 7);
    const bytes = craftZip(
      [{ name: "a.json", data: innerLocal }],
      [
        { name: "a.json", local: 0 },
        { name: "b.json", offset: 30 + "a.json".length },
      ],
    );
    expect(thrownBy(ZipError, () => new ZipArchive(bytes)).message).toMatch(/overlap/);
  });

  it.each([
    ["an empty ZIP64 field", Buffer.from([1, 0, 0, 0])],
    ["a ZIP64 field shorter than its header says", Buffer.from([1, 0, 16, 0, 1, 2, 3, 4])],
    ["an extra field running past the entry", Buffer.from([9, 0, 200, 0])],
  ])("refuses %s with a ZipError naming the entry, not Node's RangeError", (_name, extra) => {
    const bytes = craftZip(
      [{ name: "a.json", data: text("{}") }],
      [{ name: "a.json", local: 0, size: 0xffffffff, extra }],
    );
    const err = thrownBy(ZipError, () => new ZipArchive(bytes));
    expect(err.code).toBe("ZIP_INVALID");
    expect(err.entry).toBe("a.json");
    expect(err.message).toMatch(/a\.json.*(ZIP64|extra field)/);
  });

  it("refuses an entry that inflates past the size its central directory declares", () => {
    const data = deflateRawSync(Buffer.alloc(10_000, 0x20));
    const zip = new ZipArchive(
      craftZip([{ name: "a.json", data, method: 8, size: 10 }], [{ name: "a.json", local: 0 }]),
    );
    expect(thrownBy(ZipError, () => zip.read(zip.entries[0]!)).message).toMatch(/declares 10 bytes/);
  });

  it("refuses an entry that inflates to less than it declares", () => {
    const data = deflateRawSync(Buffer.alloc(10, 0x20));
    const zip = new ZipArchive(
      craftZip([{ name: "a.json", data, method: 8, size: 500 }], [{ name: "a.json", local: 0 }]),
    );
    expect(thrownBy(ZipError, () => zip.read(zip.entries[0]!)).message).toBe(
      "a.json: declares 500 bytes uncompressed but holds 10 bytes",
    );
  });

  it("refuses an archive with more entries than allowed when it is opened", () => {
    const bytes = zipSync({ a: text("1"), b: text("2"), c: text("3") });
    expect(new ZipArchive(bytes, { maxEntries: 3 }).entries).toHaveLength(3);
    expect(thrownBy(ZipError, () => new ZipArchive(bytes, { maxEntries: 2 })).code).toBe("ZIP_LIMIT");
  });

  it("refuses a count the central directory is too small to hold, before reading it", () => {
    const bytes = Buffer.from(zipSync({ a: text("1") }));
    bytes.writeUInt16LE(5_000, bytes.length - 22 + 10);
    expect(thrownBy(ZipError, () => new ZipArchive(bytes)).message).toMatch(/cannot hold the 5000 entries/);
  });

  it("spends one decompressed budget across archives, refusing an entry before inflating past it", () => {
    const budget = { remaining: 25_000 };
    const outer = new ZipArchive(zipSync({ a: new Uint8Array(10_000), b: new Uint8Array(10_000) }), {
      budget,
    });
    const inner = new ZipArchive(zipSync({ c: new Uint8Array(10_000) }), { budget });
    outer.read(outer.entries[0]!);
    outer.read(outer.entries[1]!);
    expect(budget.remaining).toBe(5_000);
    const err = thrownBy(ZipError, () => inner.read(inner.entries[0]!));
    expect(err.code).toBe("ZIP_LIMIT");
    expect(err.message).toBe("c: 10000 bytes uncompressed, over the 5000 left of the decompressed budget");
    expect(budget.remaining).toBe(5_000);
  });

  it.each([
    ["encrypted", { flags: 1 }, "ZIP_UNSUPPORTED", /encrypted/],
    ["bzip2", { method: 12 }, "ZIP_UNSUPPORTED", /compression method 12/],
  ])("refuses a %s entry when read", (_name, change, code, message) => {
    const bytes = Buffer.from(zipSync({ "a.json": [text("{}"), { level: 0 }] }));
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
    if ("flags" in change) bytes.writeUInt16LE(change.flags, central + 8);
    if ("method" in change) bytes.writeUInt16LE(change.method, central + 10);
    const zip = new ZipArchive(bytes);
    const err = thrownBy(ZipError, () => zip.read(zip.entries[0]!));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it("gives a ZipError, never a RangeError, for any truncated or corrupted archive", () => {
    const real = Buffer.from(
      zipSync({ "META-INF/MANIFEST.MF": text("Manifest-Version: 1.0\n"), "a/b.json": text("x".repeat(300)) }),
    );
    fc.assert(
      fc.property(damagedCopies(real), (bytes) => {
        try {
          const zip = new ZipArchive(bytes);
          for (const entry of zip.entries) zip.read(entry);
        } catch (err) {
          if (!(err instanceof ZipError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ZipArchive: archive shapes", () => {
  it("reads an archive behind a prefix (an executable jar's launch script)", () => {
    const script = text('#!/bin/sh\nexec java -jar "$0" "$@"\n');
    const zip = new ZipArchive(
      Buffer.concat([script, zipSync({ "META-INF/MANIFEST.MF": text("Main-Class: A\n") })]),
    );
    expect(zip.prefix).toBe(script.length);
    expect(zip.read(zip.entries[0]!).toString()).toBe("Main-Class: A\n");
  });

  it("reads a ZIP64 archive: its end record, and sizes and offsets from the extra field", () => {
    const data = deflateRawSync(Buffer.from("hello, zip64"));
    const bytes = craftZip(
      [
        { name: "first.txt", data: text("first") },
        { name: "big.txt", data, method: 8, size: 12 },
      ],
      [
        { name: "first.txt", local: 0 },
        {
          name: "big.txt",
          method: 8,
          size: 0xffffffff,
          compressedSize: 0xffffffff,
          offset: 0xffffffff,
          extra: zip64Extra([12, data.length, 30 + "first.txt".length + 5]),
        },
      ],
      { zip64: true },
    );
    const zip = new ZipArchive(bytes);
    expect(zip.entries.map((e) => [e.name, e.size, e.compressedSize])).toEqual([
      ["first.txt", 5, 5],
      ["big.txt", 12, data.length],
    ]);
    expect(zip.read(zip.entries[1]!).toString()).toBe("hello, zip64");
  });

  it("refuses a ZIP64 locator pointing at something else", () => {
    const bytes = craftZip([{ name: "a", data: text("1") }], [{ name: "a", local: 0 }], { zip64: true });
    bytes.writeUInt32LE(0, bytes.length - 22 - 20 - 56);
    expect(thrownBy(ZipError, () => new ZipArchive(bytes)).message).toMatch(
      /bad ZIP64 end of central directory/,
    );
  });
});
