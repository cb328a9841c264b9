import { SbomError } from "../../errors.js";

/**
 * Blobs of rpm's NDB database, /var/lib/rpm/Packages.db on SUSE (rpm lib/backend/ndb/rpmpkg.c;
 * little-endian throughout). A 32-byte header ("RpmP" magic, version 0, generation, slot page
 * count) is followed by slot pages of 4096 bytes holding 16-byte slots ("Slot" magic, package
 * index, block offset, block count; the header takes the first two slots). A used slot points at
 * a block (offset in 16-byte units) starting with a 16-byte blob header ("BlbS" magic, package
 * index, Adler-32 checksum, length) and then the header blob itself.
 */
const HEADER_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_MAGIC = 0x53626c42; // "BlbS"
const SLOT_PAGE = 4096;
const SLOT_SIZE = 16;
const BLOCK = 16;
const MAX_SLOT_PAGES = 2048;

export interface NdbBlobs {
  values: Uint8Array[];
  warnings: string[];
}

function invalid(message: string): SbomError {
  return new SbomError("PACKAGE_DB_INVALID", `rpm NDB: ${message}`);
}

export function readNdb(file: Uint8Array): NdbBlobs {
  if (file.length < 32) throw invalid(`file of ${file.length} bytes is too small for the header`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) !== HEADER_MAGIC) throw invalid("magic RpmP missing");
  if (view.getUint32(4, true) !== 0) throw invalid(`unsupported version ${view.getUint32(4, true)}`);
  const slotPages = view.getUint32(12, true);
  if (slotPages === 0 || slotPages > MAX_SLOT_PAGES)
    throw invalid(`slot page count ${slotPages} out of range`);
  const slotsEnd = slotPages * SLOT_PAGE;
  if (slotsEnd > file.length)
    throw invalid(`slot pages end at ${slotsEnd}, past the file's ${file.length} bytes`);
  const warnings: string[] = [];
  const blocks: Array<{ slot: number; pkgIndex: number; start: number }> = [];
  for (let at = 2 * SLOT_SIZE; at + SLOT_SIZE <= slotsEnd; at += SLOT_SIZE) {
    if (view.getUint32(at, true) !== SLOT_MAGIC) throw invalid(`slot at byte ${at} has a bad magic`);
    const pkgIndex = view.getUint32(at + 4, true);
    if (pkgIndex !== 0)
      blocks.push({ slot: blocks.length, pkgIndex, start: view.getUint32(at + 8, true) * BLOCK });
  }
  // Blobs never overlap in a sound database; refusing overlaps keeps a crafted file from making
  // us decode the same bytes once per slot.
  blocks.sort((a, b) => a.start - b.start);
  const found: Array<{ slot: number; value: Uint8Array }> = [];
  let end = slotsEnd;
  for (const { slot, pkgIndex, start } of blocks) {
    if (start < end) {
      warnings.push(`package ${pkgIndex}: block at ${start} overlaps the slots or another blob`);
      continue;
    }
    if (start + BLOCK > file.length) {
      warnings.push(`package ${pkgIndex}: block at ${start} is outside the file`);
      continue;
    }
    if (view.getUint32(start, true) !== BLOB_MAGIC || view.getUint32(start + 4, true) !== pkgIndex) {
      warnings.push(`package ${pkgIndex}: no blob header at ${start}`);
      continue;
    }
    const length = view.getUint32(start + 12, true);
    if (start + BLOCK + length > file.length) {
      warnings.push(`package ${pkgIndex}: blob of ${length} bytes runs past the end of the file`);
      continue;
    }
    found.push({ slot, value: file.subarray(start + BLOCK, start + BLOCK + length) });
    end = start + BLOCK + length;
  }
  // Slot order is rpm's own listing order.
  const values = found.sort((a, b) => a.slot - b.slot).map(({ value }) => value);
  return { values, warnings };
}
