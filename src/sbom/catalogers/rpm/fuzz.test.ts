import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { damagedCopies } from "../../../../test/support/damaged.js";
import { SbomError } from "../../errors.js";
import { readBerkeleyDbHash } from "./bdb.js";
import { readRpmDatabase } from "./database.js";
import { rpmEntryFromHeader } from "./entry.js";
import { readNdb } from "./ndb.js";

/**
 * Malformed input must end in a result or in SbomError: never a TypeError, RangeError or a hang.
 * Each property starts from real bytes (truncated, or with bytes overwritten) as well as from
 * random ones, so the parsers get past their magic checks into the interesting code.
 */
const fixture = (path: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`testdata/${path}`, import.meta.url)));
const headerBlob = fixture("go-rpmdb/blob.bin");
const bdbFile = fixture("go-rpmdb/libuuid/Packages");
const ndbFile = fixture("go-rpmdb/sle15-bci/Packages.db").subarray(0, 64 * 1024);

function onlyDomainErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof SbomError)) throw error;
    expect(error.code).toBe("PACKAGE_DB_INVALID");
  }
}

const runs = { numRuns: 300 };

describe("fuzz: rpm header", () => {
  it("decodes the real blob", () => {
    expect(rpmEntryFromHeader(headerBlob).name).not.toBe("");
  });
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        onlyDomainErrors(() => rpmEntryFromHeader(bytes)),
      ),
      runs,
    );
  });
  it("mutated and truncated real blob", () => {
    fc.assert(
      fc.property(damagedCopies(headerBlob), (bytes) => onlyDomainErrors(() => rpmEntryFromHeader(bytes))),
      runs,
    );
  });
  it("index entries with arbitrary tag, type, offset and count", () => {
    const entry = fc.tuple(
      fc.constantFrom(1000, 1001, 1002, 1003, 1009, 1047, 1049),
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: -2, max: 80 }),
      fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(0xffffffff)),
    );
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        (entries, data) => {
          const blob = new Uint8Array(8 + entries.length * 16 + data.length);
          const view = new DataView(blob.buffer);
          view.setUint32(0, entries.length);
          view.setUint32(4, data.length);
          entries.forEach(([tag, type, offset, count], i) => {
            view.setInt32(8 + i * 16, tag);
            view.setUint32(12 + i * 16, type);
            view.setInt32(16 + i * 16, offset);
            view.setUint32(20 + i * 16, count);
          });
          blob.set(data, 8 + entries.length * 16);
          onlyDomainErrors(() => rpmEntryFromHeader(blob));
        },
      ),
      runs,
    );
  });
});

describe("fuzz: Berkeley DB", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) =>
        onlyDomainErrors(() => readBerkeleyDbHash(bytes)),
      ),
      runs,
    );
  });
  it("mutated and truncated real database (through header decoding)", () => {
    fc.assert(
      fc.property(damagedCopies(bdbFile), (bytes) => onlyDomainErrors(() => readRpmDatabase("bdb", bytes))),
      runs,
    );
  });
  it("an overflow chain that loops ends with an error", () => {
    const copy = Uint8Array.from(bdbFile);
    const view = new DataView(copy.buffer);
    const pageSize = view.getUint32(20, true);
    // Point every overflow page's next_pgno at itself.
    for (let page = 1; page * pageSize < copy.length; page++) {
      if (copy[page * pageSize + 25] === 7) view.setUint32(page * pageSize + 16, page, true);
    }
    const { values, warnings } = readBerkeleyDbHash(copy);
    expect(values).toEqual([]);
    expect(warnings.join("\n")).toMatch(/reached twice|not an overflow page|reaches page/);
  });
});

describe("fuzz: NDB", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => onlyDomainErrors(() => readNdb(bytes))),
      runs,
    );
  });
  it("mutated and truncated real database", () => {
    fc.assert(
      fc.property(damagedCopies(ndbFile), (bytes) => onlyDomainErrors(() => readRpmDatabase("ndb", bytes))),
      runs,
    );
  });
});

describe("fuzz: SQLite", () => {
  it("random bytes behind a valid SQLite magic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
        const file = new Uint8Array(16 + bytes.length);
        file.set(new TextEncoder().encode("SQLite format 3\0"));
        file.set(bytes, 16);
        onlyDomainErrors(() => readRpmDatabase("sqlite", file));
      }),
      { numRuns: 100 },
    );
  });
});
