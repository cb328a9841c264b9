import { z } from "zod";
import { AuthError } from "../../../auth/index.js";
import type { RetentionRun } from "../../../registry/index.js";
import { type IdentityRoute, route } from "./route.js";
import { Name, Retention, RetentionRunResult } from "./schemas.js";

const ProjectParams = z.object({ project: Name });
const RunQuery = z.strictObject({
  dryRun: z.enum(["true", "false"]).optional().describe("true: answer the plan and delete nothing"),
});

/**
 * A project's retention rules (the `retention` project setting) and running them. Writing and running
 * need `retention.write` (maintainers and project admins): rules delete images.
 */
export const RETENTION_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "getRetention",
    method: "GET",
    path: "/api/v1/projects/{project}/retention",
    summary: "A project's retention rules (none: an empty list)",
    tag: "retention",
    access: { kind: "permission", permission: "project.read", project: "project" },
    params: ProjectParams,
    response: Retention,
    handle: async ({ identity, params }) => {
      const project = await identity.store.findProject(params.project);
      if (!project) throw new AuthError("NOT_FOUND", `no project ${params.project}`);
      return (project.settings.retention as z.input<typeof Retention> | undefined) ?? { rules: [] };
    },
  }),

  route({
    id: "setRetention",
    method: "PUT",
    path: "/api/v1/projects/{project}/retention",
    summary: "Replace a project's retention rules (an empty list turns retention off)",
    tag: "retention",
    access: { kind: "permission", permission: "retention.write", project: "project" },
    event: "project.changed",
    params: ProjectParams,
    body: Retention,
    response: Retention,
    handle: async ({ identity, params, body, record }) => {
      // Only the retention key changes (the store merges it), so a concurrent change of another is kept.
      await identity.store.updateProject(params.project, {
        settings: { retention: body.rules.length > 0 ? body : null },
      });
      record(`project:${params.project}`, `retention rules set to ${JSON.stringify(body)}`);
      return body;
    },
  }),

  route({
    id: "runRetention",
    method: "POST",
    path: "/api/v1/projects/{project}/retention/run",
    summary: "Run a project's retention rules now, or with dryRun=true only answer what a run would delete",
    tag: "retention",
    access: { kind: "permission", permission: "retention.write", project: "project" },
    event: "retention.run",
    params: ProjectParams,
    query: RunQuery,
    response: RetentionRunResult,
    handle: async ({ platform, params, query, caller, request }) => {
      if (!platform.retention) throw new AuthError("NOT_FOUND", "retention needs auth.mode: accounts");
      const run = await platform.retention.run(params.project, {
        dryRun: query.dryRun === "true",
        actor: {
          subject: caller.subject,
          kind: caller.kind,
          remoteAddress: request.ip,
        },
      });
      return retentionWire(run);
    },
  }),
];

function retentionWire(run: RetentionRun): z.input<typeof RetentionRunResult> {
  const time = (ms: number) => new Date(ms).toISOString();
  return {
    project: run.plan.project,
    dryRun: run.dryRun,
    at: time(run.plan.at),
    artifacts: run.plan.artifacts.map((a) => ({
      repository: a.repository,
      digest: a.digest,
      tags: [...a.tags],
      pushedAt: time(a.pushedAt),
      pulledAt: a.pulledAt === null ? null : time(a.pulledAt),
      action: a.action,
      reasons: [...a.reasons],
      followers: a.followers.map((f) => ({ digest: f.digest, relation: f.relation })),
    })),
    untouched: [...run.plan.untouched],
    deleted: run.deleted.map((d) => ({ ...d, tags: [...d.tags] })),
    failed: run.failed.map((f) => ({ ...f })),
  };
}
