import { type Executable, parseExecutable, rangeBytes, readAddress } from "./executable.js";

/**
 * Finds the build-info blob the Go linker writes into every executable since Go 1.13, as
 * `debug/buildinfo` reads it (go/src/debug/buildinfo/buildinfo.go and cmd/link/internal/ld/data.go,
 * `Link.buildinfo`): a 32-byte header at 16-byte alignment, starting "\xff Go buildinf:", then the
 * pointer size and a flags byte. Flag bit 2 (Go 1.18+) means the Go version and the module info
 * follow inline as uvarint-length-prefixed strings; otherwise two pointers to Go string headers
 * (data pointer, length) follow, read through the section tables with the endianness of flag bit 1.
 */

export interface GoBuildInfo {
  /** The toolchain version, "go1.21.5" (may carry " X:experiment" suffixes). */
  goVersion: string;
  /** The module info text (runtime/debug.BuildInfo.String() form), sentinels removed; "" when absent. */
  modinfo: string;
}

const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER_SIZE = 32;
const ALIGN = 16;
/** Strings longer than this are not real build info; bounds what a forged header can make us copy. */
const MAX_STRING = 4 * 1024 * 1024;

/** Result of looking at one file: not Go at all, Go build info, or Go magic with unreadable data. */
export type BuildInfoResult =
  | { kind: "none" }
  | { kind: "found"; info: GoBuildInfo }
  | { kind: "bad"; reason: string };

/** Reads the build info of a Go executable. Never throws: hostile input becomes "bad" or "none". */
export function readGoBuildInfo(bytes: Uint8Array): BuildInfoResult {
  const exe = parseExecutable(bytes);
  if (!exe) return { kind: "none" };
  const data = dataRegion(exe, bytes);
  if (!data) return { kind: "none" };
  const at = findMagic(data);
  if (at < 0) return { kind: "none" };
  const header = data.subarray(at, at + HEADER_SIZE);
  if (header.length < HEADER_SIZE) return { kind: "bad", reason: "build info header is truncated" };
  const ptrSize = header[14];
  const flags = header[15] ?? 0;
  if (flags & 2) return inlineStrings(data.subarray(at + HEADER_SIZE));
  if (ptrSize !== 4 && ptrSize !== 8) return { kind: "bad", reason: `pointer size ${ptrSize} is invalid` };
  return pointerStrings(exe, bytes, header, ptrSize, (flags & 1) === 0);
}

/**
 * Where the linker put the blob: its own section when there is one (ELF ".go.buildinfo", Mach-O
 * "__go_buildinfo"), else the start of the writable data (old ELF and PE binaries), as
 * debug/buildinfo's `DataStart` chooses.
 */
function dataRegion(exe: Executable, bytes: Uint8Array): Uint8Array | undefined {
  const own = exe.sections.find((s) => s.name === ".go.buildinfo" || s.name === "__go_buildinfo");
  if (own) return rangeBytes(bytes, own);
  if (exe.format === "elf") {
    const segment = exe.segments.find((s) => s.writable);
    return segment ? rangeBytes(bytes, segment) : undefined;
  }
  if (exe.format === "pe") {
    const data = exe.sections.find((s) => s.name === ".data") ?? exe.sections.find((s) => s.writable);
    return data ? rangeBytes(bytes, data) : undefined;
  }
  const data = exe.sections.find((s) => s.segment === "__DATA" && s.fileSize > 0);
  return data ? rangeBytes(bytes, data) : undefined;
}

function findMagic(data: Uint8Array): number {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let from = 0;
  for (;;) {
    const at = buffer.indexOf(MAGIC, from);
    if (at < 0 || at % ALIGN === 0) return at;
    from = at + 1;
  }
}

function inlineStrings(rest: Uint8Array): BuildInfoResult {
  const version = readVarintString(rest, 0);
  if (!version) return { kind: "bad", reason: "Go version string is truncated" };
  const mod = readVarintString(rest, version.next);
  if (!mod) return { kind: "bad", reason: "module info string is truncated" };
  return found(version.text, mod.text);
}

function readVarintString(bytes: Uint8Array, at: number): { text: Uint8Array; next: number } | undefined {
  let length = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined || shift > 28) return undefined;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (length > MAX_STRING || pos + length > bytes.length) return undefined;
  return { text: bytes.subarray(pos, pos + length), next: pos + length };
}

function pointerStrings(
  exe: Executable,
  bytes: Uint8Array,
  header: Uint8Array,
  ptrSize: 4 | 8,
  littleEndian: boolean,
): BuildInfoResult {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const word = (b: DataView, at: number) =>
    ptrSize === 8 ? Number(b.getBigUint64(at, littleEndian)) : b.getUint32(at, littleEndian);
  const readString = (pointer: number): Uint8Array | undefined => {
    const stringHeader = readAddress(exe, bytes, pointer, 2 * ptrSize);
    if (!stringHeader) return undefined;
    const h = new DataView(stringHeader.buffer, stringHeader.byteOffset, stringHeader.byteLength);
    const data = word(h, 0);
    const length = word(h, ptrSize);
    if (length === 0) return new Uint8Array(0);
    if (length > MAX_STRING) return undefined;
    return readAddress(exe, bytes, data, length);
  };
  const version = readString(word(view, 16));
  if (version === undefined) return { kind: "bad", reason: "Go version pointer does not resolve" };
  const mod = readString(word(view, 16 + ptrSize));
  if (mod === undefined) return { kind: "bad", reason: "module info pointer does not resolve" };
  return found(version, mod);
}

/**
 * The module info is wrapped in two 16-byte sentinels (cmd/go/internal/modload/build.go, `infoStart`
 * and `infoEnd`) so the linker can find it; a binary built outside module mode has an empty string.
 */
function found(goVersion: Uint8Array, modinfo: Uint8Array): BuildInfoResult {
  let text = modinfo;
  if (text.length >= 33 && text[text.length - 17] === 0x0a) text = text.subarray(16, text.length - 16);
  const decode = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");
  return { kind: "found", info: { goVersion: decode(goVersion), modinfo: decode(text) } };
}
