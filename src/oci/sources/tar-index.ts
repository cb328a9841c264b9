import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { ImageError } from "../errors.js";
import { normalisePath, parentOf } from "../image/paths.js";
import type { FileTree } from "./files.js";

/**
 * A tar archive read in place: one pass over the 512-byte headers (POSIX ustar, pax `path` records,
 * GNU long names; pubs.opengroup.org pax "ustar Interchange Format") records each regular file's
 * offset and size, and files are then streamed by position. Nothing is extracted to disk, and
 * content blocks are skipped, not read, while indexing.
 */
interface Entry {
  offset: number;
  size: number;
}

const BLOCK = 512;
const MAX_ENTRIES = 1_000_000;
const MAX_LONG_NAME = 64 * 1024;

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** Size field: octal text, or base-256 when the high bit of the first byte is set (GNU). */
function sizeOf(block: Buffer): number {
  const field = block.subarray(124, 136);
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const digits = text(block, 124, 12).trim();
  return digits === "" ? 0 : Number.parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = Number.parseInt(text(block, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}

function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(at, space).toString("ascii"), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") path = record.slice(eq + 1);
    at += length;
  }
  return path;
}

export async function openTarTree(file: string, description: string): Promise<FileTree> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    throw new ImageError("IMAGE_NOT_FOUND", `${description}: cannot open ${file}`, { cause: err });
  }
  try {
    const entries = await indexTar(handle, description);
    return {
      description,
      async size(path) {
        return entries.get(normalisePath(path).path)?.size;
      },
      async open(path) {
        const entry = entries.get(normalisePath(path).path);
        if (entry === undefined)
          throw new ImageError("IMAGE_NOT_FOUND", `${description}: ${path} is not in the archive`);
        if (entry.size === 0) return Readable.from([]);
        return handle.createReadStream({
          start: entry.offset,
          end: entry.offset + entry.size - 1,
          autoClose: false,
          highWaterMark: 1024 * 1024,
        });
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function indexTar(handle: FileHandle, description: string): Promise<Map<string, Entry>> {
  const { size: fileSize } = await handle.stat();
  const entries = new Map<string, Entry>();
  const block = Buffer.alloc(BLOCK);
  let offset = 0;
  let longName: string | undefined;
  const links = new Map<string, string>();
  const unreadable = (why: string) =>
    new ImageError("IMAGE_UNREADABLE", `${description}: not a valid tar archive (${why})`);
  while (offset + BLOCK <= fileSize) {
    await handle.read(block, 0, BLOCK, offset);
    if (block.every((b) => b === 0)) break;
    if (!checksumOk(block)) throw unreadable(`bad header checksum at offset ${offset}`);
    const size = sizeOf(block);
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > fileSize)
      throw unreadable(`entry at offset ${offset} runs past the end of the file`);
    const type = String.fromCharCode(block[156]!);
    if (type === "L" || type === "x") {
      if (size > MAX_LONG_NAME) throw unreadable("oversized long-name record");
      const data = Buffer.alloc(size);
      await handle.read(data, 0, size, dataOffset);
      longName = type === "L" ? text(data, 0, size) : (paxPath(data) ?? longName);
    } else if (type !== "g") {
      const prefix = text(block, 257, 6).startsWith("ustar") ? text(block, 345, 155) : "";
      const name = longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
      longName = undefined;
      if (type === "0" || type === "\0" || type === "7") {
        if (entries.size >= MAX_ENTRIES) throw unreadable("too many entries");
        entries.set(normalisePath(name).path, { offset: dataOffset, size });
      } else if (type === "2") {
        // docker save links identical layers ("../<id>/layer.tar"); resolved once indexing ends.
        const path = normalisePath(name).path;
        links.set(path, normalisePath(text(block, 157, 100), parentOf(path)).path);
      }
    }
    offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
  }
  for (const [path, target] of links) {
    const entry = entries.get(target);
    if (entry !== undefined && !entries.has(path)) entries.set(path, entry);
  }
  return entries;
}
