/**
 * Test helpers for core (its second public face, for `*.test.ts` files only; never built).
 *
 * `craftZip` builds ZIP archives byte by byte, including ones no archiver would write: central
 * directory entries that point at the same or overlapping local data, lying sizes, truncated ZIP64
 * extra fields, and ZIP64 end records (PKWARE APPNOTE.TXT 4.3.7, 4.3.12, 4.3.14-4.3.16, 4.5.3).
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
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** A ZIP64 extended information extra field (id 1) holding `values`, each 8 bytes (APPNOTE 4.5.3). */
export function zip64Extra(values: number[]): Buffer {
  return Buffer.concat([u16(1), u16(values.length * 8), ...values.map(u64)]);
}

export interface CraftOptions {
  /** Write a ZIP64 end record and locator, with the end record's fields saturated. */
  zip64?: boolean;
}

export function craftZip(
  locals: CraftedLocal[],
  central: CraftedCentral[],
  options: CraftOptions = {},
): Buffer {
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
  const zip64: Buffer[] = [];
  if (options.zip64) {
    const recordAt = cdOffset + cd.length;
    zip64.push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(central.length),
        u64(central.length),
        u64(cd.length),
        u64(cdOffset),
      ]),
      Buffer.concat([u32(0x07064b50), u32(0), u64(recordAt), u32(1)]),
    );
  }
  const count = options.zip64 ? 0xffff : Math.min(central.length, 0xffff);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(count),
    u16(count),
    u32(options.zip64 ? 0xffffffff : cd.length),
    u32(options.zip64 ? 0xffffffff : cdOffset),
    u16(0),
  ]);
  return Buffer.concat([...parts, cd, ...zip64, end]);
}
