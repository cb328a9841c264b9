/**
 * Test support: writes a minimal ELF file (header, section data, .shstrtab, section header table,
 * no program headers) in either class and byte order, enough for the section-reading code paths.
 */

export interface ElfSection {
  name: string;
  addr: number;
  data: Uint8Array;
  writable?: boolean;
}

export function buildElf(
  sections: ElfSection[],
  options: { is64?: boolean; littleEndian?: boolean } = {},
): Buffer {
  const is64 = options.is64 ?? true;
  const le = options.littleEndian ?? true;
  const headerSize = is64 ? 64 : 52;
  const entSize = is64 ? 64 : 40;
  const names = Buffer.concat([
    Buffer.from([0]),
    ...sections.map((s) => Buffer.from(`${s.name}\0`)),
    Buffer.from(".shstrtab\0"),
  ]);
  const offsets: number[] = [];
  let cursor = headerSize;
  for (const s of sections) {
    offsets.push(cursor);
    cursor += s.data.length;
  }
  const namesOffset = cursor;
  cursor += names.length;
  const shoff = cursor;
  const shnum = sections.length + 2;
  const out = Buffer.alloc(shoff + shnum * entSize);
  const u16 = (v: number, at: number) => (le ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  const word = (v: number, at: number) =>
    is64 ? (le ? out.writeBigUInt64LE(BigInt(v), at) : out.writeBigUInt64BE(BigInt(v), at)) : u32(v, at);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  u16(2, 16); // ET_EXEC
  word(shoff, is64 ? 0x28 : 0x20);
  u16(headerSize, is64 ? 0x34 : 0x28);
  u16(entSize, is64 ? 0x3a : 0x2e);
  u16(shnum, is64 ? 0x3c : 0x30);
  u16(shnum - 1, is64 ? 0x3e : 0x32);
  let nameCursor = 1;
  const writeHeader = (
    index: number,
    nameOffset: number,
    type: number,
    flags: number,
    addr: number,
    offset: number,
    size: number,
  ) => {
    const at = shoff + index * entSize;
    u32(nameOffset, at);
    u32(type, at + 4);
    word(flags, at + 8);
    word(addr, at + (is64 ? 0x10 : 0x0c));
    word(offset, at + (is64 ? 0x18 : 0x10));
    word(size, at + (is64 ? 0x20 : 0x14));
  };
  sections.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    writeHeader(i + 1, nameCursor, 1, s.writable ? 3 : 2, s.addr, offsets[i]!, s.data.length);
    nameCursor += Buffer.byteLength(s.name) + 1;
  });
  out.set(names, namesOffset);
  writeHeader(shnum - 1, nameCursor, 3, 0, 0, namesOffset, names.length);
  return out;
}
