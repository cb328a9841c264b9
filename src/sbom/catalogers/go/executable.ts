/**
 * Just enough of the three executable formats to find a named section and to read bytes at a
 * virtual address: ELF (System V gABI, "Sections" and "Program Header" chapters), PE/COFF
 * (Microsoft PE Format, "Section Table"), Mach-O (Apple's <mach-o/loader.h> and <mach-o/fat.h>).
 * Both the Go and the Rust catalogers use it. Every read is bounds-checked: a truncated or hostile
 * file yields undefined, never an exception, because `reduce` runs on every executable of an image.
 */

export type ExecutableFormat = "elf" | "pe" | "macho";

/** A part of the file mapped at a virtual address (an ELF section or segment, a PE or Mach-O section). */
export interface MappedRange {
  name: string;
  /** Virtual address the range is loaded at. */
  addr: number;
  /** Offset of its bytes in the file, and how many of them the file holds (0 for .bss-like ranges). */
  offset: number;
  fileSize: number;
  writable: boolean;
  /** Mach-O only: the segment holding the section. */
  segment?: string;
}

export interface Executable {
  format: ExecutableFormat;
  littleEndian: boolean;
  /** Pointer size in bytes: 4 for 32-bit, 8 for 64-bit targets. */
  ptrSize: 4 | 8;
  sections: MappedRange[];
  /** ELF loadable segments (PT_LOAD); empty for PE and Mach-O, whose sections cover their data. */
  segments: MappedRange[];
}

/** A bounds-checked view of the file: every accessor returns undefined past the end. */
export class ByteView {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, littleEndian: boolean) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(at: number): number | undefined {
    return at >= 0 && at + 2 <= this.bytes.length ? this.view.getUint16(at, this.littleEndian) : undefined;
  }
  u32(at: number): number | undefined {
    return at >= 0 && at + 4 <= this.bytes.length ? this.view.getUint32(at, this.littleEndian) : undefined;
  }
  /** A 64-bit value, undefined when it does not fit a safe integer (no real offset or address does). */
  u64(at: number): number | undefined {
    if (at < 0 || at + 8 > this.bytes.length) return undefined;
    const value = this.view.getBigUint64(at, this.littleEndian);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }
  word(at: number, size: 4 | 8): number | undefined {
    return size === 8 ? this.u64(at) : this.u32(at);
  }
  /** A NUL-terminated string of at most `max` bytes. */
  cstring(at: number, max: number): string | undefined {
    if (at < 0 || at >= this.bytes.length) return undefined;
    const end = Math.min(this.bytes.length, at + max);
    let stop = at;
    while (stop < end && this.bytes[stop] !== 0) stop++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, stop - at).toString("latin1");
  }
}

/** Sanity bound on section and load-command counts, so a forged header cannot make us loop long. */
const MAX_TABLE_ENTRIES = 4096;

/** Recognises an executable by its magic number and reads its section tables; undefined otherwise. */
export function parseExecutable(bytes: Uint8Array): Executable | undefined {
  if (bytes.length < 64) return undefined;
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0x7f && b1 === 0x45 && b2 === 0x4c && b3 === 0x46) return parseElf(bytes);
  if (b0 === 0x4d && b1 === 0x5a) return parsePe(bytes);
  const magic = new ByteView(bytes, false).u32(0);
  if (magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe) {
    return parseMachO(bytes, 0);
  }
  if (magic === 0xcafebabe) return parseFatMachO(bytes);
  return undefined;
}

/** The file bytes of a section, clipped to the file; undefined when it holds none. */
export function rangeBytes(bytes: Uint8Array, range: MappedRange): Uint8Array | undefined {
  if (range.fileSize <= 0 || range.offset >= bytes.length) return undefined;
  return bytes.subarray(range.offset, Math.min(bytes.length, range.offset + range.fileSize));
}

/** Reads `length` bytes at virtual address `addr` through the section and segment tables. */
export function readAddress(
  exe: Executable,
  bytes: Uint8Array,
  addr: number,
  length: number,
): Uint8Array | undefined {
  for (const range of [...exe.sections, ...exe.segments]) {
    if (addr < range.addr || addr + length > range.addr + range.fileSize) continue;
    const start = range.offset + (addr - range.addr);
    if (start + length > bytes.length) return undefined;
    return bytes.subarray(start, start + length);
  }
  return undefined;
}

function parseElf(bytes: Uint8Array): Executable | undefined {
  const is64 = bytes[4] === 2;
  if (bytes[4] !== 1 && !is64) return undefined;
  if (bytes[5] !== 1 && bytes[5] !== 2) return undefined;
  const v = new ByteView(bytes, bytes[5] === 1);
  const ptrSize = is64 ? 8 : 4;
  const shoff = v.word(is64 ? 0x28 : 0x20, ptrSize);
  const shentsize = v.u16(is64 ? 0x3a : 0x2e);
  const shnum = v.u16(is64 ? 0x3c : 0x30);
  const shstrndx = v.u16(is64 ? 0x3e : 0x32);
  const phoff = v.word(is64 ? 0x20 : 0x1c, ptrSize);
  const phentsize = v.u16(is64 ? 0x36 : 0x2a);
  const phnum = v.u16(is64 ? 0x38 : 0x2c);
  if ([shoff, shentsize, shnum, shstrndx, phoff, phentsize, phnum].some((x) => x === undefined))
    return undefined;

  const raw: { nameOffset: number; range: MappedRange }[] = [];
  for (let i = 0; i < Math.min(shnum!, MAX_TABLE_ENTRIES) && shoff! > 0; i++) {
    const at = shoff! + i * shentsize!;
    const nameOffset = v.u32(at);
    const type = v.u32(at + 4);
    const flags = v.word(at + 8, ptrSize);
    const addr = v.word(at + (is64 ? 0x10 : 0x0c), ptrSize);
    const offset = v.word(at + (is64 ? 0x18 : 0x10), ptrSize);
    const size = v.word(at + (is64 ? 0x20 : 0x14), ptrSize);
    if ([nameOffset, type, flags, addr, offset, size].some((x) => x === undefined)) break;
    const noBits = type === 8; // SHT_NOBITS: occupies memory, not file
    raw.push({
      nameOffset: nameOffset!,
      range: {
        name: "",
        addr: addr!,
        offset: offset!,
        fileSize: noBits ? 0 : size!,
        writable: (flags! & 1) !== 0,
      },
    });
  }
  const strtab = raw[shstrndx!]?.range;
  const sections = raw.map(({ nameOffset, range }) => ({
    ...range,
    name: strtab ? (v.cstring(strtab.offset + nameOffset, 256) ?? "") : "",
  }));

  const segments: MappedRange[] = [];
  for (let i = 0; i < Math.min(phnum!, MAX_TABLE_ENTRIES) && phoff! > 0; i++) {
    const at = phoff! + i * phentsize!;
    const type = v.u32(at);
    const flags = v.u32(at + (is64 ? 4 : 0x18));
    const offset = v.word(at + (is64 ? 8 : 4), ptrSize);
    const addr = v.word(at + (is64 ? 0x10 : 8), ptrSize);
    const fileSize = v.word(at + (is64 ? 0x20 : 0x10), ptrSize);
    if ([type, flags, offset, addr, fileSize].some((x) => x === undefined)) break;
    if (type !== 1) continue; // PT_LOAD
    segments.push({
      name: "PT_LOAD",
      addr: addr!,
      offset: offset!,
      fileSize: fileSize!,
      writable: (flags! & 2) !== 0,
    });
  }
  return { format: "elf", littleEndian: v.littleEndian, ptrSize, sections, segments };
}

function parsePe(bytes: Uint8Array): Executable | undefined {
  const v = new ByteView(bytes, true);
  const pe = v.u32(0x3c);
  if (pe === undefined || v.u32(pe) !== 0x00004550) return undefined; // "PE\0\0"
  const numberOfSections = v.u16(pe + 6);
  const sizeOfOptionalHeader = v.u16(pe + 20);
  const optional = pe + 24;
  const optMagic = v.u16(optional);
  if (numberOfSections === undefined || sizeOfOptionalHeader === undefined) return undefined;
  if (optMagic !== 0x10b && optMagic !== 0x20b) return undefined;
  const ptrSize = optMagic === 0x20b ? 8 : 4;
  const imageBase = ptrSize === 8 ? v.u64(optional + 24) : v.u32(optional + 28);
  if (imageBase === undefined) return undefined;
  const sections: MappedRange[] = [];
  const table = optional + sizeOfOptionalHeader;
  for (let i = 0; i < Math.min(numberOfSections, MAX_TABLE_ENTRIES); i++) {
    const at = table + i * 40;
    const name = v.cstring(at, 8);
    const virtualSize = v.u32(at + 8);
    const virtualAddress = v.u32(at + 12);
    const rawSize = v.u32(at + 16);
    const rawPointer = v.u32(at + 20);
    const characteristics = v.u32(at + 36);
    if (
      [name, virtualSize, virtualAddress, rawSize, rawPointer, characteristics].some((x) => x === undefined)
    )
      break;
    sections.push({
      name: name!,
      addr: imageBase + virtualAddress!,
      offset: rawPointer!,
      // The raw data is padded to the file alignment; the virtual size is the meaningful length.
      fileSize: Math.min(rawSize!, virtualSize! || rawSize!),
      writable: (characteristics! & 0x80000000) !== 0,
    });
  }
  return { format: "pe", littleEndian: true, ptrSize, sections, segments: [] };
}

/** A universal binary: the first architecture is enough, every slice carries the same build info. */
function parseFatMachO(bytes: Uint8Array): Executable | undefined {
  const v = new ByteView(bytes, false);
  const count = v.u32(4);
  // Java class files share the 0xCAFEBABE magic; their "count" is a class-file version (>= 45).
  if (count === undefined || count === 0 || count > 20) return undefined;
  const offset = v.u32(8 + 8);
  const size = v.u32(8 + 12);
  if (offset === undefined || size === undefined || offset + size > bytes.length) return undefined;
  const slice = parseMachO(bytes.subarray(offset, offset + size), offset);
  return slice;
}

function parseMachO(bytes: Uint8Array, base: number): Executable | undefined {
  const be = new ByteView(bytes, false).u32(0);
  const littleEndian = be === 0xcefaedfe || be === 0xcffaedfe;
  const v = new ByteView(bytes, littleEndian);
  const magic = v.u32(0);
  const is64 = magic === 0xfeedfacf;
  if (!is64 && magic !== 0xfeedface) return undefined;
  const ncmds = v.u32(16);
  if (ncmds === undefined) return undefined;
  const ptrSize = is64 ? 8 : 4;
  const sections: MappedRange[] = [];
  let at = is64 ? 32 : 28;
  for (let i = 0; i < Math.min(ncmds, MAX_TABLE_ENTRIES); i++) {
    const cmd = v.u32(at);
    const cmdsize = v.u32(at + 4);
    if (cmd === undefined || cmdsize === undefined || cmdsize < 8) break;
    if (cmd === (is64 ? 0x19 : 0x1)) readMachOSegment(v, at, is64, base, sections);
    at += cmdsize;
  }
  return { format: "macho", littleEndian, ptrSize, sections, segments: [] };
}

function readMachOSegment(v: ByteView, at: number, is64: boolean, base: number, out: MappedRange[]): void {
  const segment = v.cstring(at + 8, 16) ?? "";
  const initprot = v.u32(at + (is64 ? 60 : 44));
  const nsects = v.u32(at + (is64 ? 64 : 48));
  if (nsects === undefined || initprot === undefined) return;
  let sect = at + (is64 ? 72 : 56);
  for (let i = 0; i < Math.min(nsects, MAX_TABLE_ENTRIES); i++) {
    const name = v.cstring(sect, 16);
    const addr = v.word(sect + 32, is64 ? 8 : 4);
    const size = v.word(sect + (is64 ? 40 : 36), is64 ? 8 : 4);
    const offset = v.u32(sect + (is64 ? 48 : 40));
    const flags = v.u32(sect + (is64 ? 64 : 56));
    if ([name, addr, size, offset, flags].some((x) => x === undefined)) return;
    const zeroFill = (flags! & 0xff) === 1 || (flags! & 0xff) === 0x0c; // S_ZEROFILL, S_GB_ZEROFILL
    out.push({
      name: name!,
      segment,
      addr: addr!,
      offset: base + offset!,
      fileSize: zeroFill || offset === 0 ? 0 : size!,
      writable: (initprot & 2) !== 0,
    });
    sect += is64 ? 80 : 68;
  }
}
