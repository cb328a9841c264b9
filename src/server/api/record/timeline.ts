import type { FastifyInstance, FastifyRequest } from "fastify";
import { buildTimeline, type Platform, registryTagResolver, type Timeline } from "../../../app/index.js";
import { parseImageReference } from "../../../oci/index.js";
import { authorize } from "../../authorize.js";
import { ServerError } from "../../errors.js";
import { auditScope } from "../audit-scope.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import { TimelineAnswer, TimelineQuery } from "./schemas.js";

/**
 * GET /api/v1/audit/timeline?image=|pod=|container=: an image's, a pod's or a container's story from
 * the one record (issue 15), each entry with its inclusion proof against the one signed checkpoint
 * returned with the page. A holder of system.audit reads any; a holder of a project's audit.read reads
 * the timeline of an image in that project (its entries that name another project's repository are
 * left out). Pods and containers span projects: system.audit only.
 */
async function answer(platform: Platform, request: FastifyRequest): Promise<unknown> {
  // Refuses (401 with the challenge, or 403) a caller who may read no part of the audit log at all.
  const within = await auditScope(platform, request);
  const parsed = TimelineQuery.safeParse(request.query ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ServerError("INVALID_ARGUMENT", `query: ${issue.path.join(".")}: ${issue.message}`);
  }
  const query = parsed.data;
  let project: string | undefined;
  if (within !== undefined) {
    // A project reader: only an image named by a repository of a project they may read.
    const repository = query.image === undefined ? undefined : repositoryOf(platform, query.image);
    if (repository === undefined || query.pod !== undefined || query.container !== undefined) {
      await authorize(platform, request, undefined, "system.audit", false);
    }
    project = repository!.split("/")[0]!;
    await authorize(platform, request, undefined, "audit.read", false, { project });
  }
  const resolveTag = registryTagResolver(platform.registry);
  const timeline = await buildTimeline(
    { record: platform.record, scans: platform.scans, resolveTag, registryHost: platform.registryHost },
    {
      ...(query.image === undefined ? {} : { image: query.image }),
      ...(query.pod === undefined ? {} : { pod: query.pod }),
      ...(query.container === undefined ? {} : { container: query.container }),
      limit: query.limit,
      proofs: query.proofs,
      ...(query.after === undefined ? {} : { after: query.after }),
    },
  );
  if (project !== undefined) {
    // A digest named with the repository must be in it: a project's reader may not read another's image.
    const repository = repositoryOf(platform, query.image!)!;
    const held = await resolveTag(repository, timeline.digests[0]!);
    if (held === undefined)
      throw new ServerError("NOT_FOUND", `${repository} holds no ${timeline.digests[0]}`);
    return toWire(onlyProject(timeline, project));
  }
  return toWire(timeline);
}

/** The repository an image reference names on this registry, or undefined (a bare digest, another host). */
function repositoryOf(platform: Platform, image: string): string | undefined {
  try {
    const ref = parseImageReference(image, { defaultRegistry: platform.registryHost });
    return ref.registry === platform.registryHost && ref.repository.includes("/")
      ? ref.repository
      : undefined;
  } catch {
    return undefined;
  }
}

function onlyProject(timeline: Timeline, project: string): Timeline {
  return {
    ...timeline,
    entries: timeline.entries.filter(
      (e) => e.repository === undefined || e.repository.startsWith(`${project}/`),
    ),
  };
}

function toWire(timeline: Timeline) {
  const { next, ...rest } = timeline;
  return TimelineAnswer.parse({ ...rest, ...(next ? { next: `${next.at}.${next.index}` } : {}) });
}

export const TIMELINE_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "auditTimeline",
    method: "GET",
    path: "/api/v1/audit/timeline",
    summary:
      "The timeline of an image (a reference, resolved here, or a digest), a pod (NAMESPACE/NAME) or a container id: built, signed, pushed, scanned (findings then and now), admitted or denied, started, alerts, stopped, by time, each entry with its inclusion proof against the signed checkpoint returned once; and what the workload might have done (its spec's exposure, risky packages). system.audit reads any; audit.read over a project reads its images' timelines",
    tag: "audit",
    // The whole record with system.audit, a project's images with audit.read there (see answer()).
    access: { kind: "permission", permission: "audit.read" },
    query: TimelineQuery,
    response: TimelineAnswer,
    // Registered below (its access check is not one permission): described here.
    external: true,
    handle: async () => undefined,
  }),
];

export function registerTimelineRoute(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/audit/timeline", async (request, reply) => {
    request.routeName = "api.auditTimeline";
    return reply.type("application/json").send(await answer(platform, request));
  });
}
