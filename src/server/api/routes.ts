import type { FastifyInstance } from "fastify";
import type { Platform } from "../../app/index.js";
import {
  AUDIT_GATES,
  AuditError,
  type AuditFilter,
  type AuditGate,
  formatCheckpoint,
  parseSince,
} from "../../audit/index.js";
import { authorize } from "../authorize.js";
import { ServerError } from "../errors.js";

/**
 * The management API's audit routes under /api/v1/ (repositories and images: api/images/).
 *
 *   GET /api/v1/audit/decisions?image=&since=&gate=&limit=             the gate decision log
 *   GET /api/v1/audit/checkpoint                                        the log's head, one checkpoint line
 */
export function registerApiRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/audit/decisions", async (request, reply) => {
    request.routeName = "api.audit.decisions";
    // The log spans every repository: the same permission as listing the catalog.
    await authorize(platform, request, undefined, "system.audit", false);
    let filter: AuditFilter;
    try {
      filter = auditFilter(request.query as Record<string, unknown>);
    } catch (err) {
      throw new ServerError("INVALID_ARGUMENT", (err as Error).message, { cause: err });
    }
    return reply.type("application/json").send({ decisions: await platform.audit.list(filter) });
  });

  app.get("/api/v1/audit/checkpoint", async (request, reply) => {
    request.routeName = "api.audit.checkpoint";
    await authorize(platform, request, undefined, "system.audit", false);
    const checkpoint = await platform.audit.checkpoint();
    if (!checkpoint) {
      throw new ServerError("AUDIT_LOG_EMPTY", "the audit log is empty: no checkpoint to take yet");
    }
    // The same line as the file format (newline included), so `curl -fsS URL >> audit.jsonl` keeps a file.
    return reply.type("application/json").send(`${formatCheckpoint(checkpoint)}\n`);
  });
}

/** `?image=&since=&gate=&limit=` of the decision log; a bad value is an AuditError INVALID_ARGUMENT. */
function auditFilter(query: Record<string, unknown>): AuditFilter {
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || value === "") return undefined;
    if (typeof value !== "string") throw new AuditError("INVALID_ARGUMENT", `${name} must be given once`);
    return value;
  };
  const image = one("image");
  const since = one("since");
  const gate = one("gate");
  const limit = one("limit");
  if (gate !== undefined && !(AUDIT_GATES as readonly string[]).includes(gate)) {
    throw new AuditError("INVALID_ARGUMENT", `gate must be one of ${AUDIT_GATES.join(", ")}`);
  }
  const n = limit === undefined ? undefined : Number(limit);
  if (n !== undefined && (!Number.isSafeInteger(n) || n <= 0 || n > 10_000)) {
    throw new AuditError("INVALID_ARGUMENT", "limit must be an integer from 1 to 10000");
  }
  return {
    ...(image !== undefined ? { image } : {}),
    ...(since !== undefined ? { since: parseSince(since) } : {}),
    ...(gate !== undefined ? { gate: gate as AuditGate } : {}),
    ...(n !== undefined ? { limit: n } : {}),
  };
}
