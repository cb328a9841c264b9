import type { FastifyInstance } from "fastify";
import type { Platform } from "../../app/index.js";
import { type AuditFilter, formatCheckpoint } from "../../audit/index.js";
import { authorize } from "../authorize.js";
import { ServerError } from "../errors.js";
import { auditScope } from "./audit-scope.js";
import { listDecisions } from "./console/decisions.js";
import { DecisionQuery } from "./console/schemas.js";
import { registerRecordTextRoutes } from "./record/routes.js";
import { registerTimelineRoute } from "./record/timeline.js";

/**
 * The management API's audit routes under /api/v1/ (repositories and images: api/images/).
 *
 *   GET /api/v1/audit/decisions?gate=&effect=&actor=&...&project=&page=  the gate decision log
 *   GET /api/v1/audit/checkpoint                                        the log's head, one checkpoint line
 *   GET /api/v1/audit/record/checkpoint, /key                           the record's signed head and key
 *   GET /api/v1/audit/timeline?image=|pod=|container=                  a timeline with proofs (record/timeline.ts)
 * (the record's JSON routes: api/record/routes.ts, in the accounts API's route list)
 */
export function registerApiRoutes(app: FastifyInstance, platform: Platform): void {
  registerRecordTextRoutes(app, platform);
  registerTimelineRoute(app, platform);
  app.get("/api/v1/audit/decisions", async (request, reply) => {
    request.routeName = "api.listDecisions";
    // The whole log with system.audit; a project's part of it with that project's audit.read
    // (audit-scope.ts). Filters and paging: console/decisions.ts (its schema is in the OpenAPI document).
    // `?project=` chooses the scope, so it is checked before the authorisation that uses it.
    const project = DecisionQuery.shape.project.safeParse(
      (request.query as { project?: unknown } | undefined)?.project,
    );
    if (!project.success) {
      throw new ServerError("INVALID_ARGUMENT", `query: project: ${project.error.issues[0]!.message}`);
    }
    const within = await auditScope(platform, request, project.data);
    const narrow = (filter: AuditFilter): AuditFilter => (within ? { ...filter, within } : filter);
    return reply.type("application/json").send(await listDecisions(platform, request.query, narrow));
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
