/**
 * Builds ZIP archives byte by byte for tests, including ones no archiver would write: central
 * directory entries that point at the same or overlapping local data, lying sizes, and truncated
 * ZIP64 extra fields (PKWARE APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16). Test support only.
 */

export interface CraftedLocal {
  name: string;
  /** The bytes as stored (already deflated for method 8). */
  data: Uint8Array;
  method?: number;
  /** Uncompressed size to declare; defaults to data's length. */
  size?: number;
}

export interface CraftedCentral {
  name: string;
  /** Offset of the local header this entry names: a local's index (`local`) or a raw `offset`. */
  local?: number;
  offset?: number;
  method?: number;
  size?: number;
  compressedSize?: number;
  extra?: Uint8Array;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

export function craftZip(locals: CraftedLocal[], central: CraftedCentral[]): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const local of locals) {
    const name = Buffer.from(local.name);
    const header = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(0),
      u16(local.method ?? 0),
      u32(0),
      u32(0),
      u32(local.data.length),
      u32(local.size ?? local.data.length),
      u16(name.length),
      u16(0),
      name,
    ]);
    offsets.push(at);
    parts.push(header, Buffer.from(local.data));
    at += header.length + local.data.length;
  }
  const cdOffset = at;
  const records: Buffer[] = [];
  for (const entry of central) {
    const target = entry.local !== undefined ? locals[entry.local] : undefined;
    const name = Buffer.from(entry.name);
    const extra = Buffer.from(entry.extra ?? new Uint8Array());
    records.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(20),
        u16(20),
        u16(0),
        u16(entry.method ?? target?.method ?? 0),
        u32(0),
        u32(0),
        u32(entry.compressedSize ?? target?.data.length ?? 0),
        u32(entry.size ?? target?.size ?? target?.data.length ?? 0),
        u16(name.length),
        u16(extra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(entry.offset ?? offsets[entry.local ?? 0] ?? 0),
        name,
        extra,
      ]),
    );
  }
  const cd = Buffer.concat(records);
  const count = Math.min(central.length, 0xffff);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(count),
    u16(count),
    u32(cd.length),
    u32(cdOffset),
    u16(0),
  ]);
  return Buffer.concat([...parts, cd, end]);
}
