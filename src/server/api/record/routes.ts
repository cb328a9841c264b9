import type { FastifyInstance } from "fastify";
import type { Platform } from "../../../app/index.js";
import { AuditError } from "../../../audit/index.js";
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
  return { size, items: entries.map((e) => ({ ...e, leaf: text.get(e.index) ?? "" })) };
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
      if (!entry) throw new AuditError("NOT_FOUND", `the record has no entry ${params.index}`);
      return { ...entry, proof: await platform.record.inclusionProof(params.index, query.size) };
    },
  }),
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
  app.get("/api/v1/audit/record/key", async (request, reply) => {
    request.routeName = "api.recordKey";
    await authorize(platform, request, undefined, "system.audit", false);
    const signer = platform.record.signer;
    if (!signer) throw new AuditError("NOT_FOUND", "this server's record has no signing key");
    return reply.type("text/plain; charset=utf-8").send(`${signer.verifier.toString()}\n`);
  });
}
