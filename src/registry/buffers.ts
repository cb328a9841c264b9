/**
 * A small pool of 1 MiB buffers shared by uploads and downloads. Streaming a multi-GiB blob
 * through fresh buffers would make V8 collect garbage every few dozen MiB (external memory counts
 * towards its heap limits); reusing a handful keeps the collector out of the byte path.
 */
export const BUFFER_SIZE = 1024 * 1024;
const MAX_SPARE = 16;
const spare: Buffer[] = [];

export function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(BUFFER_SIZE);
}

/** Gives a buffer back; only once nothing (a driver, a socket) can still read it. */
export function releaseBuffer(buffer: Buffer | undefined): void {
  if (buffer && buffer.length === BUFFER_SIZE && spare.length < MAX_SPARE && !spare.includes(buffer)) {
    spare.push(buffer);
  }
}
