import { checkPath, StorageError } from "../driver.js";

/**
 * Top-level folder the local driver keeps its in-flight temporary files in. It is reserved in every
 * bundled driver (paths starting with it are INVALID_PATH) so code tested against the memory driver
 * cannot come to depend on a path the local driver refuses.
 */
export const RESERVED_TOP_LEVEL = "_tmp";

/** `checkPath` plus the driver-level reservation of {@link RESERVED_TOP_LEVEL}. */
export function checkDriverPath(path: string): string {
  checkPath(path);
  const first = path.split("/", 1)[0];
  if (first === RESERVED_TOP_LEVEL) {
    throw new StorageError(
      "INVALID_PATH",
      `invalid storage path ${JSON.stringify(path.slice(0, 200))}: reserved`,
    );
  }
  return path;
}

/** Plain code-unit order (not locale order), so every driver sorts the same way. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders paths segment by segment, which is the order of a depth-first walk visiting siblings in
 * sorted order (`a/b/c` comes before `a/b.txt`, because `b` sorts before `b.txt`).
 */
export function compareWalkOrder(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const order = compareNames(left[i]!, right[i]!);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/** Validates a read range; returns the offset and the end (exclusive, or undefined for "to the end"). */
export function checkRange(range: { offset?: number; length?: number } | undefined): {
  offset: number;
  length: number | undefined;
} {
  const offset = range?.offset ?? 0;
  const length = range?.length;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new StorageError("IO", `invalid read offset ${String(offset)}`);
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new StorageError("IO", `invalid read length ${String(length)}`);
  }
  return { offset, length };
}

/** Validates a writer offset (undefined means "the current end"). */
export function checkWriterOffset(offset: number | undefined): void {
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw new StorageError("IO", `invalid writer offset ${String(offset)}`);
  }
}
