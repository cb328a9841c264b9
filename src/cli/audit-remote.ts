import { z } from "zod";
import {
  canonicalJson,
  extensionProblem,
  hexToHash,
  NoteVerifier,
  openTreeCheckpoint,
  type RecordSource,
  type RecordVerification,
  type StoredLeaf,
  verifyRecord,
} from "../audit/index.js";
import type { ApiClient } from "./api-client.js";

/** The parts of GET /api/v1/audit/record/entries this check reads (the server's schema has more). */
const Entries = z.object({
  size: z.number().int(),
  items: z.array(
    z.looseObject({
      index: z.number().int(),
      leaf: z.string(),
      at: z.number(),
      kind: z.string(),
      summary: z.string(),
      payload: z.unknown(),
    }),
  ),
  pruned: z.array(z.object({ index: z.number().int(), leafHash: z.string() })).optional(),
});
const Consistency = z.object({ from: z.number(), to: z.number(), hashes: z.array(z.string()) });

const INDEXED = ["actor", "digest", "repository", "namespace", "pod", "containerId"] as const;

/**
 * Why the fields a server shows for an entry differ from the leaf text it says was hashed, if they do:
 * a server that rehashes honestly but shows other fields (an edited row) must not pass.
 */
function shownProblem(item: z.output<typeof Entries>["items"][number]): string | undefined {
  let leaf: Record<string, unknown>;
  try {
    leaf = JSON.parse(item.leaf) as Record<string, unknown>;
  } catch {
    return "its leaf text is not JSON";
  }
  const pairs: [string, unknown, unknown][] = [
    ["at", item.at, leaf.at],
    ["kind", item.kind, leaf.kind],
    ["summary", item.summary, leaf.summary],
    ...INDEXED.map((f): [string, unknown, unknown] => [f, item[f], leaf[f]]),
  ];
  for (const [name, shown, hashed] of pairs) {
    if (shown !== hashed) return `the server shows a ${name} that is not the hashed entry's`;
  }
  if (canonicalJson(item.payload ?? null) !== canonicalJson(leaf.payload ?? null)) {
    return "the server shows a payload that is not the hashed entry's";
  }
  return undefined;
}

/** The record as a server's API serves it, for `verifyRecord`: the head is its signed checkpoint. */
function apiSource(client: ApiClient, head: { size: number; root: Uint8Array }): RecordSource {
  const base = "/api/v1/audit/record";
  return {
    head: async () => head,
    leaves: async (from, limit) => {
      const page = await client.request("GET", `${base}/entries?from=${from}&limit=${limit}`, Entries);
      const kept = page.items.map((item): StoredLeaf => {
        const problem = shownProblem(item);
        return { index: item.index, leaf: item.leaf, ...(problem ? { problem } : {}) };
      });
      // Pruned entries fold in by the leaf hash the server kept, as the local verifier does: a changed
      // one breaks the root here or, re-signed, the consistency proof from a checkpoint saved before.
      const pruned = (page.pruned ?? []).map(
        (p): StoredLeaf => ({
          index: p.index,
          leaf: "",
          pruned: hexToHash(p.leafHash, `the kept leaf hash of pruned entry ${p.index}`),
        }),
      );
      return [...pruned, ...kept].sort((a, b) => a.index - b.index);
    },
    consistency: async (from, to) => {
      const proof = await client.request(
        "GET",
        `${base}/proof/consistency?from=${from}&to=${to}`,
        Consistency,
      );
      return proof.hashes.map((h, i) => hexToHash(h, `consistency proof hash ${i}`));
    },
  };
}

export interface RemoteVerification {
  readonly outcome: RecordVerification;
  /** Whether the checkpoints were checked with a key the caller pinned (else the server's own). */
  readonly pinned: boolean;
}

/**
 * Verifies a running server's record over its API: its current checkpoint signed by the pinned key
 * (or the key it serves, which only proves self-consistency), a consistency proof from the saved
 * checkpoint, and, with `rehash`, every entry rehashed into the signed root.
 */
export async function verifyServerRecord(
  client: ApiClient,
  options: { readonly saved?: string; readonly key?: string; readonly rehash: boolean },
): Promise<RemoteVerification> {
  const verifier = NoteVerifier.parse(
    (options.key ?? (await client.text("/api/v1/audit/record/key"))).trim(),
  );
  const pinned = options.key !== undefined;
  const fail = (problem: string): RemoteVerification => ({ outcome: { ok: false, problem }, pinned });
  let current: ReturnType<typeof openTreeCheckpoint>;
  try {
    current = openTreeCheckpoint(await client.text("/api/v1/audit/record/checkpoint"), verifier.name, [
      verifier,
    ]);
  } catch (err) {
    return fail(`the server's current checkpoint: ${(err as Error).message}`);
  }
  let saved: ReturnType<typeof openTreeCheckpoint> | undefined;
  if (options.saved !== undefined) {
    try {
      saved = openTreeCheckpoint(options.saved, verifier.name, [verifier]);
    } catch (err) {
      return fail(`the saved checkpoint: ${(err as Error).message}`);
    }
  }
  const source = apiSource(client, { size: current.size, root: current.root });
  if (options.rehash) return { outcome: await verifyRecord(source, saved), pinned };
  // Without the rehash only the signed head and the proof are checked: cheap enough for every cron run.
  const problem = saved ? await extensionProblem(source, current, saved) : undefined;
  return {
    outcome: problem
      ? { ok: false, problem }
      : { ok: true, size: current.size, ...(saved ? { checkpointSize: saved.size } : {}) },
    pinned,
  };
}

export type ServerCheckpoint =
  | { readonly ok: true; readonly note: string; readonly size: number; readonly pinned: boolean }
  | { readonly ok: false; readonly problem: string; readonly pinned: boolean };

/**
 * A running server's current signed checkpoint, to keep where its operators cannot rewrite it
 * (`audit checkpoint --server`), checked before it is kept: signed by the pinned key, or by the key
 * the server serves (which only proves the note is well-formed and self-consistent).
 */
export async function fetchServerCheckpoint(client: ApiClient, key?: string): Promise<ServerCheckpoint> {
  const verifier = NoteVerifier.parse((key ?? (await client.text("/api/v1/audit/record/key"))).trim());
  const pinned = key !== undefined;
  const note = await client.text("/api/v1/audit/record/checkpoint");
  try {
    const head = openTreeCheckpoint(note, verifier.name, [verifier]);
    return { ok: true, note, size: head.size, pinned };
  } catch (err) {
    return { ok: false, problem: (err as Error).message, pinned };
  }
}
