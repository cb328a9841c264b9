/**
 * A small pool of 1 MiB buffers shared by uploads and downloads. Streaming a multi-GiB blob
 * through fresh buffers would make V8 collect garbage every few dozen MiB (external memory counts
 * towards its heap limits); reusing a handful keeps the collector out of the byte path.
 *
 * The pool lends at most MAX_LENT buffers at once: memory must not grow with the number of clients,
 * and a thousand stalled uploads each holding a partly filled 1 MiB buffer took a gigabyte (issue 11,
 * item 6). Beyond the cap `tryTakeBuffer` says no, and callers go on without a pooled buffer
 * (uploads write socket chunks as they come, downloads read in small pieces): slower, never stuck.
 */
export const BUFFER_SIZE = 1024 * 1024;
/** What a download reads into when the pool has nothing to lend. */
export const SMALL_BUFFER_SIZE = 64 * 1024;
const MAX_SPARE = 16;
export const MAX_LENT = 64;
const spare: Buffer[] = [];
const lent = new WeakSet<Buffer>();
let lentCount = 0;

/** A pooled buffer, or undefined when MAX_LENT are already out. */
export function tryTakeBuffer(): Buffer | undefined {
  if (lentCount >= MAX_LENT) return undefined;
  const buffer = spare.pop() ?? Buffer.allocUnsafe(BUFFER_SIZE);
  lent.add(buffer);
  lentCount++;
  return buffer;
}

/** Gives a buffer back; only once nothing (a driver, a socket) can still read it. Others are ignored. */
export function releaseBuffer(buffer: Buffer | undefined): void {
  if (!buffer || !lent.has(buffer)) return;
  lent.delete(buffer);
  lentCount--;
  if (spare.length < MAX_SPARE) spare.push(buffer);
}

/** Pooled buffers out now (tests, metrics). */
export function lentBuffers(): number {
  return lentCount;
}
