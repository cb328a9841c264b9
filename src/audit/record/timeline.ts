import { type Kysely, sql } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import { decodeLeaf, type RecordEntry } from "./entry.js";
import { type NodeCache, storedLeafHashes } from "./proofs.js";

/** What a timeline follows: an image's digests, a pod, or a container; entries matching any are in it. */
export interface TimelineScope {
  readonly digests?: readonly string[];
  readonly pod?: { readonly namespace: string; readonly name: string };
  /** Full (64 hex) or short (at least 12) runtime id; a short one matches every id it begins. */
  readonly containerId?: string;
}

/** Where the previous page stopped: entries come after (at, index). */
export interface TimelineCursor {
  readonly at: number;
  readonly index: number;
}

/** A timeline entry with the exact leaf text that was hashed, to check its proof against. */
export type TimelineEntry = RecordEntry & { readonly leaf: string };

/** An entry as a timeline returns it: its proof is set once the page's proofs are made. */
export type ProvedEntry = TimelineEntry & { proof?: readonly string[] };

export const MAX_TIMELINE_PAGE = 10_000;

/**
 * Entries of the tree of `size` leaves in `scope`, by time then leaf index (ingested events carry
 * their own time, so leaf order is not time order), `limit` of them after `after`.
 */
export async function timelineEntries(
  db: Kysely<Schema>,
  scope: TimelineScope,
  size: number,
  limit: number,
  after?: TimelineCursor,
  cache?: NodeCache,
): Promise<ProvedEntry[]> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TIMELINE_PAGE) {
    throw new AuditError("INVALID_ARGUMENT", `limit must be an integer from 1 to ${MAX_TIMELINE_PAGE}`);
  }
  const digests = [...new Set(scope.digests ?? [])];
  const id = scope.containerId;
  if (digests.length === 0 && !scope.pod && id === undefined) return [];
  // The leaf holds every field (the columns are lookups copied from it): read only it.
  const rows = await db
    .selectFrom("record_entries")
    .select(["idx", "at", "leaf"])
    .where("idx", "<", size)
    .where((eb) => {
      const any = [];
      if (digests.length > 0) any.push(eb("digest", "in", digests));
      if (scope.pod) {
        any.push(eb.and([eb("namespace", "=", scope.pod.namespace), eb("pod", "=", scope.pod.name)]));
      }
      if (id !== undefined) {
        // Falco names containers by the 12-character short id, other sources by the full one.
        any.push(eb("container_id", "=", id));
        if (id.length === 64) any.push(eb("container_id", "=", id.slice(0, 12)));
        else any.push(eb.and([eb("container_id", ">", id), eb("container_id", "<", `${id}~`)]));
      }
      return eb.or(any);
    })
    .$if(after !== undefined, (q) =>
      q.where(sql<boolean>`(at > ${after!.at} or (at = ${after!.at} and idx > ${after!.index}))`),
    )
    .orderBy("at", "asc")
    .orderBy("idx", "asc")
    .limit(limit)
    .execute();
  const indices = rows.map((row) => Number(row.idx));
  // The tree stores every leaf's hash (level 0): read, not hashed again (a client hashes `leaf` itself).
  const hashes = await storedLeafHashes(db, indices, cache);
  // One object per entry: the decoded leaf, completed in place.
  return rows.map((row, i) =>
    Object.assign(decodeLeaf(row.leaf), {
      index: indices[i]!,
      leafHash: hashes.get(indices[i]!)!,
      leaf: row.leaf,
    }),
  );
}

/** The digests a pod's or a container's entries name (what it ran), for its timeline's image entries. */
export async function digestsRunBy(
  db: Kysely<Schema>,
  scope: Omit<TimelineScope, "digests">,
  size: number,
): Promise<string[]> {
  if (!scope.pod && scope.containerId === undefined) return [];
  const rows = await db
    .selectFrom("record_entries")
    .select("digest")
    .distinct()
    .where("idx", "<", size)
    .where("digest", "is not", null)
    .where((eb) => {
      const any = [];
      if (scope.pod) {
        any.push(eb.and([eb("namespace", "=", scope.pod.namespace), eb("pod", "=", scope.pod.name)]));
      }
      const id = scope.containerId;
      if (id !== undefined) {
        any.push(eb("container_id", "=", id));
        if (id.length === 64) any.push(eb("container_id", "=", id.slice(0, 12)));
        else any.push(eb.and([eb("container_id", ">", id), eb("container_id", "<", `${id}~`)]));
      }
      return eb.or(any);
    })
    .limit(1000)
    .execute();
  return rows.flatMap((r) => (r.digest === null ? [] : [r.digest]));
}
