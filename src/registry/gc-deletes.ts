import type { StorageDriver } from "../storage/index.js";

/** Single deletes in flight at once when the driver has no bulk delete (an object store answers each in ~10 ms). */
const DELETE_CONCURRENCY = 8;

/**
 * Deletes objects the caller has already decided are garbage, with the driver's bulk delete when it
 * has one, else `delete` a few at a time. Failures are ignored as GC always has: a file left behind
 * has no row any more, so the orphan sweep of a later run removes it.
 */
export async function deleteObjects(store: StorageDriver, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  if (store.deleteMany) {
    await store.deleteMany(paths).catch(() => {});
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      await store.delete(path).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, paths.length) }, worker));
}
