import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Platform } from "../../../app/index.js";
import { AuditError, exportRecord, parseSince } from "../../../audit/index.js";
import { authorize } from "../../authorize.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import {
  ConsistencyAnswer,
  ConsistencyQuery,
  EntriesAnswer,
  EntriesQuery,
  EntryAnswer,
  EntryParams,
  EntryQuery,
  ExportQuery,
  InclusionAnswer,
  InclusionQuery,
} from "./schemas.js";

/**
 * The one record (issue 15) over HTTP: signed checkpoints, entries with their exact leaf text, and
 * inclusion and consistency proofs, which a client checks against a checkpoint it keeps
 * (`portcullis audit verify`). The record is the whole installation's, so reading it takes
 * `system.audit` (the decision log's whole-log permission); a project's reader sees its part through
 * /api/v1/audit/decisions.
 */
const ACCESS = { kind: "permission", permission: "system.audit" } as const;

async function withLeaves(platform: Platform, from: number, limit: number) {
  const [size, entries, leaves] = await Promise.all([
    platform.record.size(),
    platform.record.query({ after: from - 1, limit }),
    platform.record.leaves(from, limit),
  ]);
  const text = new Map(leaves.map((l) => [l.index, l.leaf]));
  // Pruned entries have no text, but a remote verifier needs their kept leaf hashes to fold the root.
  const pruned = leaves.flatMap((l) =>
    l.pruned ? [{ index: l.index, leafHash: Buffer.from(l.pruned).toString("hex") }] : [],
  );
  // `after` skips gaps (a pruned range): entries past the page asked for are not part of it.
  return {
    size,
    items: entries
      .filter((e) => e.index < from + limit)
      .map((e) => ({ ...e, leaf: text.get(e.index) ?? "" })),
    ...(pruned.length > 0 ? { pruned } : {}),
  };
}

export const RECORD_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "recordCheckpoint",
    method: "GET",
    path: "/api/v1/audit/record/checkpoint",
    summary:
      "The record's current tree head as a C2SP signed checkpoint (text/plain): origin, size, base64 root, then the Ed25519 signature line",
    tag: "audit",
    access: ACCESS,
    produces: ["text/plain"],
    external: true,
    handle: async ({ platform }) => platform.record.checkpoint(),
  } as Parameters<typeof openRoute>[0]),
  openRoute({
    id: "recordKey",
    method: "GET",
    path: "/api/v1/audit/record/key",
    summary: "The verifier key of the record's checkpoints (C2SP vkey, text/plain), to pin",
    tag: "audit",
    access: ACCESS,
    produces: ["text/plain"],
    external: true,
    handle: async ({ platform }) => platform.record.signer?.verifier.toString(),
  } as Parameters<typeof openRoute>[0]),
  openRoute({
    id: "listRecordEntries",
    method: "GET",
    path: "/api/v1/audit/record/entries",
    summary:
      "Entries of the record from leaf `from`, in order, each with the exact leaf text that was hashed",
    tag: "audit",
    access: ACCESS,
    query: EntriesQuery,
    response: EntriesAnswer,
    handle: async ({ platform, query }) => withLeaves(platform, query.from, query.limit),
  }),
  openRoute({
    id: "getRecordEntry",
    method: "GET",
    path: "/api/v1/audit/record/entries/{index}",
    summary: "One entry and its inclusion proof in the current tree (or in the tree of `size`)",
    tag: "audit",
    access: ACCESS,
    params: EntryParams,
    query: EntryQuery,
    response: EntryAnswer,
    handle: async ({ platform, params, query }) => {
      const { items } = await withLeaves(platform, params.index, 1);
      const entry = items[0];
      if (entry) return { ...entry, proof: await platform.record.inclusionProof(params.index, query.size) };
      // Retention pruned its text: its kept leaf hash, still provably in the tree.
      const pruned = await platform.record.lookup(params.index);
      if (!pruned || !("pruned" in pruned)) {
        throw new AuditError("NOT_FOUND", `the record has no entry ${params.index}`);
      }
      return { ...pruned, proof: await platform.record.inclusionProof(params.index, query.size) };
    },
  }),
  openRoute({
    id: "exportRecord",
    method: "GET",
    path: "/api/v1/audit/record/export",
    summary:
      "The record as JSON lines (application/x-ndjson), streamed: one entry a line from leaf `from` (entries at or after `since` only), then a last line {size, root, checkpoint} with the signed head they are all in",
    tag: "audit",
    access: ACCESS,
    query: ExportQuery,
    produces: ["application/x-ndjson"],
    external: true,
    handle: async () => undefined,
  } as Parameters<typeof openRoute>[0]),
  openRoute({
    id: "recordInclusionProof",
    method: "GET",
    path: "/api/v1/audit/record/proof/inclusion",
    summary: "The inclusion proof of leaf `index` in the tree of `size` leaves (default: the current tree)",
    tag: "audit",
    access: ACCESS,
    query: InclusionQuery,
    response: InclusionAnswer,
    handle: async ({ platform, query }) => platform.record.inclusionProof(query.index, query.size),
  }),
  openRoute({
    id: "recordConsistencyProof",
    method: "GET",
    path: "/api/v1/audit/record/proof/consistency",
    summary:
      "The proof that the tree of `from` leaves is a prefix of the tree of `to` (default: the current tree)",
    tag: "audit",
    access: ACCESS,
    query: ConsistencyQuery,
    response: ConsistencyAnswer,
    handle: async ({ platform, query }) => platform.record.consistencyProof(query.from, query.to),
  }),
];

/** The two text/plain answers, which the JSON route wrapper does not send. */
export function registerRecordTextRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/audit/record/checkpoint", async (request, reply) => {
    request.routeName = "api.recordCheckpoint";
    await authorize(platform, request, undefined, "system.audit", false);
    return reply.type("text/plain; charset=utf-8").send(await platform.record.checkpoint());
  });
  app.get("/api/v1/audit/record/export", async (request, reply) => {
    request.routeName = "api.exportRecord";
    await authorize(platform, request, undefined, "system.audit", false);
    const parsed = ExportQuery.safeParse(request.query);
    if (!parsed.success) {
      throw new AuditError("INVALID_ARGUMENT", `bad export query: ${parsed.error.issues[0]?.message ?? ""}`);
    }
    const since = parsed.data.since === undefined ? undefined : parseSince(parsed.data.since);
    // Paged from the database as the client reads: a slow reader holds one page, never the record.
    const lines = Readable.from(
      exportRecord(platform.record, {
        since: parsed.data.from,
        ...(since !== undefined ? { from: since } : {}),
      }),
    );
    return reply.type("application/x-ndjson; charset=utf-8").send(lines);
  });
  app.get("/api/v1/audit/record/key", async (request, reply) => {
    request.routeName = "api.recordKey";
    await authorize(platform, request, undefined, "system.audit", false);
    const signer = platform.record.signer;
    if (!signer) throw new AuditError("NOT_FOUND", "this server's record has no signing key");
    return reply.type("text/plain; charset=utf-8").send(`${signer.verifier.toString()}\n`);
  });
}
