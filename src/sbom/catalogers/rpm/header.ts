import { SbomError } from "../../errors.js";

/**
 * An rpm header as rpmdb stores it (rpm docs/manual/format_header.md; lib/header.c headerImport):
 * a big-endian "header blob" without the 8-byte magic a package file has: index length il
 * (int32), data length dl (int32), il index entries of 16 bytes (tag, type, offset, count), then
 * dl bytes of data. Every offset and count is checked against the blob before it is read.
 */
export type RpmTagValue = string | string[] | number[] | Uint8Array;

/** Tag numbers from rpm lib/rpmtag.h. */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  PROVIDENAME: 1047,
  REQUIRENAME: 1049,
  MODULARITYLABEL: 5096,
} as const;

/** Data types from rpm lib/rpmtag.h (rpmTagType). */
const TYPE = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** rpm's own limits (lib/header.c: hdrchkTags, hdrchkData). */
const MAX_TAGS = 0xffff;
const MAX_DATA = 0x0fffffff;
const ENTRY_SIZE = 16;

const utf8 = new TextDecoder("utf-8", { fatal: false });

function invalid(message: string): SbomError {
  return new SbomError("PACKAGE_DB_INVALID", `rpm header: ${message}`);
}

/**
 * Reads the wanted tags of one header blob. Unknown tags are skipped without being decoded;
 * a malformed blob throws SbomError (PACKAGE_DB_INVALID).
 */
export function parseRpmHeader(blob: Uint8Array, wanted: ReadonlySet<number>): Map<number, RpmTagValue> {
  if (blob.length < 8) throw invalid(`blob of ${blob.length} bytes is shorter than its 8-byte preamble`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il < 1 || il > MAX_TAGS) throw invalid(`index length ${il} out of range`);
  if (dl > MAX_DATA) throw invalid(`data length ${dl} out of range`);
  const dataStart = 8 + il * ENTRY_SIZE;
  if (dataStart + dl > blob.length) {
    throw invalid(`declares ${dataStart + dl} bytes but the blob has ${blob.length}`);
  }
  const data = blob.subarray(dataStart, dataStart + dl);
  const values = new Map<number, RpmTagValue>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * ENTRY_SIZE;
    const tag = view.getInt32(at);
    if (!wanted.has(tag) || values.has(tag)) continue;
    const type = view.getUint32(at + 4);
    const offset = view.getInt32(at + 8);
    const count = view.getUint32(at + 12);
    if (offset < 0 || offset >= dl) throw invalid(`tag ${tag} offset ${offset} outside data of ${dl} bytes`);
    values.set(tag, readValue(data, tag, type, offset, count));
  }
  return values;
}

function readValue(data: Uint8Array, tag: number, type: number, offset: number, count: number): RpmTagValue {
  switch (type) {
    case TYPE.STRING:
      return readString(data, offset, tag).text;
    case TYPE.STRING_ARRAY:
    case TYPE.I18NSTRING:
      return readStrings(data, offset, count, tag);
    case TYPE.INT8:
    case TYPE.CHAR:
      return [...slice(data, offset, count, tag)];
    case TYPE.INT16:
      return readInts(data, offset, count, 2, tag);
    case TYPE.INT32:
      return readInts(data, offset, count, 4, tag);
    case TYPE.INT64:
      return readInts(data, offset, count, 8, tag);
    case TYPE.BIN:
      return slice(data, offset, count, tag);
    default:
      throw invalid(`tag ${tag} has unknown type ${type}`);
  }
}

function slice(data: Uint8Array, offset: number, length: number, tag: number): Uint8Array {
  if (length > data.length - offset) throw invalid(`tag ${tag} runs past the end of the data`);
  return data.subarray(offset, offset + length);
}

function readString(data: Uint8Array, offset: number, tag: number): { text: string; next: number } {
  const end = data.indexOf(0, offset);
  if (end < 0) throw invalid(`tag ${tag} string is not terminated`);
  return { text: utf8.decode(data.subarray(offset, end)), next: end + 1 };
}

function readStrings(data: Uint8Array, offset: number, count: number, tag: number): string[] {
  // Each string takes at least one byte, which bounds count before anything is allocated.
  if (count > data.length - offset) throw invalid(`tag ${tag} count ${count} exceeds the data`);
  const strings: string[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const { text, next } = readString(data, at, tag);
    strings.push(text);
    at = next;
  }
  return strings;
}

function readInts(data: Uint8Array, offset: number, count: number, width: 2 | 4 | 8, tag: number): number[] {
  const bytes = slice(data, offset, count * width, tag);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    if (width === 2) values.push(view.getUint16(i * 2));
    else if (width === 4) values.push(view.getUint32(i * 4));
    else values.push(Number(view.getBigUint64(i * 8)));
  }
  return values;
}
