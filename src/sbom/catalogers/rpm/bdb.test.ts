import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readBerkeleyDbHash } from "./bdb.js";
import { rpmEntryFromHeader } from "./entry.js";

const libuuid = new Uint8Array(readFileSync(new URL("testdata/go-rpmdb/libuuid/Packages", import.meta.url)));

/**
 * Rewrites a little-endian hash database as a big-endian machine (s390x, ppc64) would have
 * written it: every multi-byte field the reader uses, in the metadata page, the page headers,
 * the hash index and the HOFFPAGE items. The rpm headers inside are big-endian either way.
 */
function toBigEndian(file: Uint8Array): Uint8Array {
  const out = Uint8Array.from(file);
  const le = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const be = new DataView(out.buffer);
  const u32 = (at: number) => be.setUint32(at, le.getUint32(at, true), false);
  const u16 = (at: number) => be.setUint16(at, le.getUint16(at, true), false);
  for (const at of [8, 12, 16, 20, 28, 32, 36, 40, 44, 48]) u32(at);
  const pageSize = le.getUint32(20, true);
  for (let start = pageSize; start + pageSize <= file.length; start += pageSize) {
    for (const at of [8, 12, 16]) u32(start + at);
    u16(start + 20);
    u16(start + 22);
    const type = file[start + 25];
    if (type !== 2 && type !== 13) continue;
    const entries = le.getUint16(start + 20, true);
    for (let i = 0; i < entries; i++) {
      u16(start + 26 + i * 2);
      const item = start + le.getUint16(start + 26 + i * 2, true);
      if (file[item] === 3) {
        u32(item + 4);
        u32(item + 8);
      }
    }
  }
  return out;
}

describe("readBerkeleyDbHash", () => {
  it("reads the header blob of a little-endian database", () => {
    const { values, warnings } = readBerkeleyDbHash(libuuid);
    expect(warnings).toEqual([]);
    expect(values.map((v) => rpmEntryFromHeader(v).name)).toEqual(["libuuid"]);
  });

  it("reads the same blob from the big-endian form of the database", () => {
    const { values, warnings } = readBerkeleyDbHash(toBigEndian(libuuid));
    expect(warnings).toEqual([]);
    expect(values).toEqual(readBerkeleyDbHash(libuuid).values);
  });

  it.each([
    ["too small", libuuid.subarray(0, 100), /too small/],
    ["not a hash database", new Uint8Array(4096), /magic/],
  ])("refuses a file that is %s", (_name, bytes, message) => {
    expect(() => readBerkeleyDbHash(bytes)).toThrow(message);
  });

  it("warns about a database cut short and keeps going", () => {
    const { warnings } = readBerkeleyDbHash(libuuid.subarray(0, libuuid.length - 8192));
    expect(warnings.length).toBeGreaterThan(0);
  });
});
