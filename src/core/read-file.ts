import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { CoreError, isPortcullisError } from "./errors.js";

export interface ReadRegularFileOptions {
  /** The most bytes the file may hold; a larger file is refused (FILE_TOO_LARGE), never read whole. */
  readonly maxBytes: number;
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isDirectory()) return "a directory";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function notRegular(path: string, stats: Stats): CoreError {
  return new CoreError("FILE_NOT_REGULAR", `${path} is ${kindOf(stats)}, not a regular file`, {
    detail: { path, kind: kindOf(stats) },
  });
}

function tooLarge(path: string, maxBytes: number): CoreError {
  return new CoreError("FILE_TOO_LARGE", `${path} is larger than the ${maxBytes}-byte limit`, {
    detail: { path, maxBytes },
  });
}

/**
 * Reads a file the user named (a key, a policy, a certificate, a trusted root) without letting it
 * block or exhaust the process: the file is opened with O_NONBLOCK, so a FIFO opens at once instead
 * of waiting for a writer (open(2)), then fstat'ed, and anything but a regular file (FIFO, device
 * such as /dev/zero, directory, socket) is refused by what it is. At most `maxBytes + 1` bytes are
 * read, so a file that grows while read is refused too. Symlinks are followed: Kubernetes mounts
 * ConfigMaps and Secrets through them. Failures to open keep Node's errno error (ENOENT, EACCES).
 */
export function readRegularFile(path: string, options: ReadRegularFileOptions): Buffer {
  const { maxBytes } = options;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // A Unix socket cannot be opened (ENXIO): say what it is rather than the errno.
    if ((err as NodeJS.ErrnoException).code === "ENXIO") {
      const stats = statSync(path, { throwIfNoEntry: false });
      if (stats && !stats.isFile()) throw notRegular(path, stats);
    }
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    if (stats.size > maxBytes) throw tooLarge(path, maxBytes);
    // Sized by fstat, one byte over to notice growth; grown (never past maxBytes + 1) if it grew.
    let buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(path, maxBytes);
        const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, for a message: our coded errors by their message, errno errors by code. */
export function describeReadError(err: unknown): string {
  if (isPortcullisError(err)) return err.message;
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
