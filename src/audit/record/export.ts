import { AuditError } from "../errors.js";
import type { RecordEntry } from "./entry.js";
import { type EventRecord, MAX_RECORD_PAGE } from "./record.js";

/** Where an export starts: a leaf index, or the first entry at or after a time. */
export interface ExportOptions {
  /** The first leaf index to export (default 0; pruned entries below the horizon are skipped). */
  readonly since?: number;
  /** Only entries at or after this epoch millisecond. */
  readonly from?: number;
}

/** The last line of an export: the tree head it was taken at, signed when the record has a key. */
export interface ExportTrailer {
  readonly size: number;
  readonly root: string;
  /** The C2SP signed checkpoint of that head (absent when the record has no signing key). */
  readonly checkpoint?: string;
}

/**
 * The record as JSON lines (issue 15): each entry as one JSON object (its index, leaf hash and every
 * field), in leaf order, read a page at a time so memory stays flat however large the record, then one
 * last line `{"size", "root", "checkpoint"}` with the head of the tree the export was taken at: entries
 * appended meanwhile are not written, so every exported entry is provably in that head (its inclusion
 * proof: GET /api/v1/audit/record/proof/inclusion?index=&size=).
 */
export async function* exportRecord(
  record: EventRecord,
  options: ExportOptions = {},
): AsyncGenerator<string, void, undefined> {
  const since = options.since ?? 0;
  if (!Number.isSafeInteger(since) || since < 0) {
    throw new AuditError("INVALID_ARGUMENT", `since must be a non-negative leaf index, not ${since}`);
  }
  const { size, root } = await record.root();
  let after = since - 1;
  for (;;) {
    const page: RecordEntry[] = await record.query({
      after,
      limit: MAX_RECORD_PAGE,
      ...(options.from !== undefined ? { since: options.from } : {}),
    });
    for (const entry of page) {
      if (entry.index >= size) break;
      yield `${JSON.stringify(entry)}\n`;
    }
    if (page.length < MAX_RECORD_PAGE || page[page.length - 1]!.index >= size - 1) break;
    after = page[page.length - 1]!.index;
  }
  const trailer: ExportTrailer = {
    size,
    root,
    ...(record.signer && size > 0 ? { checkpoint: await record.checkpoint(size) } : {}),
  };
  yield `${JSON.stringify(trailer)}\n`;
}
