import { describe, expect, it } from "vitest";
import { SbomError } from "../../errors.js";
import { rpmEntryFromHeader } from "./entry.js";
import { parseRpmHeader, RpmTag } from "./header.js";
import { buildHeader, type Field } from "./testing-header.js";

const bash: Field[] = [
  [RpmTag.NAME, 6, "bash"],
  [RpmTag.VERSION, 6, "5.1.8"],
  [RpmTag.RELEASE, 6, "6.el9"],
  [RpmTag.EPOCH, 4, [1]],
  [RpmTag.SUMMARY, 9, ["The GNU Bourne Again shell", "Le shell"]],
  [RpmTag.ARCH, 6, "x86_64"],
  [RpmTag.SOURCERPM, 6, "bash-5.1.8-6.el9.src.rpm"],
  [RpmTag.LICENSE, 6, "GPLv3+"],
  [RpmTag.PROVIDENAME, 8, ["/bin/bash", "bash", "bash(x86-64)"]],
];

describe("rpm header", () => {
  it("reads strings, an INT32 epoch, the C-locale I18N string and string arrays", () => {
    expect(rpmEntryFromHeader(buildHeader(bash))).toEqual({
      name: "bash",
      version: "5.1.8",
      release: "6.el9",
      epoch: 1,
      summary: "The GNU Bourne Again shell",
      arch: "x86_64",
      sourceRpm: "bash-5.1.8-6.el9.src.rpm",
      license: "GPLv3+",
      provides: ["/bin/bash", "bash", "bash(x86-64)"],
      requires: [],
    });
  });

  it("skips tags it was not asked for without decoding them", () => {
    const blob = buildHeader([
      [RpmTag.NAME, 6, "a"],
      [9999, 77, "garbage type"],
    ]);
    expect(parseRpmHeader(blob, new Set([RpmTag.NAME]))).toEqual(new Map([[RpmTag.NAME, "a"]]));
  });

  const malformed: Array<[string, (blob: Uint8Array) => Uint8Array]> = [
    ["shorter than the preamble", (b) => b.subarray(0, 7)],
    ["truncated data", (b) => b.subarray(0, b.length - 3)],
    ["zero index entries", (b) => setU32(b, 0, 0)],
    ["an absurd index count", (b) => setU32(b, 0, 0x10000)],
    ["an offset past the data", (b) => setU32(b, 16, 0x7fffffff)],
    ["a negative offset", (b) => setU32(b, 16, 0xffffffff)],
    ["an unterminated string", (b) => b.map((byte, i) => (i >= b.length - 30 && byte === 0 ? 65 : byte))],
    ["a string array count larger than the data", (b) => setU32(b, 8 + 8 * 16 + 12, 0xffffffff)],
  ];
  it.each(malformed)("throws PACKAGE_DB_INVALID for %s", (_name, corrupt) => {
    const blob = corrupt(Uint8Array.from(buildHeader(bash)));
    expect(() => rpmEntryFromHeader(blob)).toThrow(SbomError);
    try {
      rpmEntryFromHeader(blob);
    } catch (error) {
      expect((error as SbomError).code).toBe("PACKAGE_DB_INVALID");
    }
  });
});

function setU32(blob: Uint8Array, at: number, value: number): Uint8Array {
  new DataView(blob.buffer, blob.byteOffset).setUint32(at, value);
  return blob;
}
