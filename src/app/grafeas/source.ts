import type { OccurrenceSource } from "../../evidence/index.js";
import type { OccurrenceStore } from "./store.js";

/**
 * The `occurrences` evidence port over the stored outside occurrences: those posted about the image
 * in the repository it is judged in, with the account that posted each.
 */
export function storedOccurrenceSource(store: OccurrenceStore): OccurrenceSource {
  return {
    async occurrences(subject) {
      const rows = await store.forImage(subject.repository, subject.digest);
      return rows.map((r) => ({
        noteName: r.occurrence.noteName,
        kind: r.occurrence.kind,
        author: r.createdBy,
        digest: r.digest,
        ...(r.occurrence.createTime ? { createTime: r.occurrence.createTime } : {}),
      }));
    },
  };
}
