import type { Readable } from "node:stream";
import { PortcullisError } from "../core/index.js";

/**
 * A small path-keyed byte store. Drivers know nothing about registries: the layer above owns the
 * layout (which paths mean what). Paths are relative, `/`-separated keys such as
 * `blobs/sha256/ab/ab12...`; a driver refuses anything else (absolute, `..`, empty segments, NUL).
 * Every driver passes the shared conformance suite in `drivers/conformance.ts`.
 */
export interface StorageDriver {
  readonly name: string;
  /** Reads a whole (small) object. NOT_FOUND when missing. */
  get(path: string): Promise<Buffer>;
  /** Writes a whole object atomically: a reader sees the old content or the new one, never a mix. */
  put(path: string, data: Uint8Array): Promise<void>;
  /** Streams an object, optionally from `offset` for `length` bytes. NOT_FOUND when missing. */
  reader(path: string, range?: { offset?: number; length?: number }): Promise<Readable>;
  /**
   * Opens an object for positional reads into the caller's buffers: the way to serve large objects
   * without allocating a buffer per chunk. NOT_FOUND when missing. Close it when done.
   */
  open(path: string): Promise<RandomAccessFile>;
  /**
   * Opens a writer. Without `append` the object starts empty. With `append` it continues an
   * existing object from `offset` (default: its end), discarding any bytes past `offset` first, so a
   * writer interrupted mid-chunk can be resumed from the last offset the caller knows to be good.
   */
  writer(path: string, options?: { append?: boolean; offset?: number }): Promise<FileWriter>;
  /** Size and modification time of an object or directory. NOT_FOUND when missing. */
  stat(path: string): Promise<FileInfo>;
  /** Immediate children of a directory, as full paths, sorted. NOT_FOUND when the directory is missing. */
  list(path: string): Promise<string[]>;
  /** Moves an object, replacing any object at `to`; atomic where the backend allows. */
  move(from: string, to: string): Promise<void>;
  /** Deletes an object or a directory and everything under it. NOT_FOUND when missing. */
  delete(path: string): Promise<void>;
  /**
   * Deletes several objects (not directories), missing ones ignored: for backends with a bulk delete
   * (S3 DeleteObjects takes 1,000 keys a request). Optional: callers fall back to `delete` one by one
   * (registry/gc-deletes.ts).
   */
  deleteMany?(paths: readonly string[]): Promise<void>;
  /** Every object (not directory) under `path`, depth first, in sorted order. Nothing when missing. */
  walk(path: string): AsyncIterable<FileInfo>;
  /**
   * Removes the driver's own temporary files older than `maxAgeMs` (left by a process killed mid
   * `put`); returns how many. Optional: drivers without temporary files leave it out.
   */
  cleanTemp?(maxAgeMs: number): Promise<number>;
  /**
   * A URL that lets anyone holding it GET the object for `expiresInSeconds` without credentials, for
   * redirecting downloads to the store. Optional: only drivers over an object store offer it.
   */
  presignGet?(path: string, expiresInSeconds: number): Promise<string>;
}

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly modifiedAt: Date;
  readonly isDirectory: boolean;
}

export interface RandomAccessFile {
  /** Size of the object when it was opened. */
  readonly size: number;
  /** Reads up to `length` bytes at `position` into the start of `buffer`; returns how many (0 at the end). */
  read(buffer: Uint8Array, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface FileWriter {
  /**
   * Appends bytes; resolves once the driver has taken them. The driver may read `chunk` until the
   * promise settles and never after, so a caller may reuse the buffer once it has awaited.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes in the object so far, including what existed before an append. */
  readonly size: number;
  /**
   * Makes the bytes durable (fsync where the driver can) and closes the writer. The object's name
   * is made durable by the `move` that puts it in place (writers hold bytes on their way somewhere:
   * syncing their directory too would only cost a second journal commit per object).
   */
  commit(): Promise<void>;
  /** Closes and removes the object. */
  cancel(): Promise<void>;
  /** Closes, keeping what was written for a later append, without the cost of making it durable. */
  close(): Promise<void>;
}

export type StorageErrorCode = "NOT_FOUND" | "INVALID_PATH" | "IO";

export class StorageError extends PortcullisError<StorageErrorCode> {}

/** Validates a driver path; every driver calls this before touching its backend. */
export function checkPath(path: string): string {
  const bad =
    path.length === 0 ||
    path.length > 1024 ||
    path.startsWith("/") ||
    path.endsWith("/") ||
    path.includes("\0") ||
    path.includes("\\") ||
    path.split("/").some((segment) => segment === "" || segment === "." || segment === "..");
  if (bad)
    throw new StorageError("INVALID_PATH", `invalid storage path ${JSON.stringify(path.slice(0, 200))}`);
  return path;
}
