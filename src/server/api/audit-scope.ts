import type { FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import type { AuditFilter } from "../../audit/index.js";
import { RegistryError } from "../../registry/index.js";
import { authenticate, authorize, holds } from "../authorize.js";

/**
 * Who may read which part of the audit log (GET /api/v1/audit/decisions): a holder of system.audit
 * (administrators; everyone in anonymous mode) the whole log; a holder of a project's audit.read over
 * the whole project (guests and up, or a custom role with it) the entries about that project: gate
 * decisions about its images and the identity events that target it. Anyone else gets the refusal the
 * system.audit check gives. Undefined means the whole log.
 *
 * With `project` (the query's `?project=`), only that project's entries, for a holder of system.audit
 * or of audit.read over that project; anyone else gets the refusal that project's audit.read check gives.
 */
export async function auditScope(
  platform: Platform,
  request: FastifyRequest,
  project?: string,
): Promise<AuditFilter["within"] | undefined> {
  const caller = await authenticate(platform, request);
  request.identity = caller;
  if (project !== undefined) {
    if (!(await holds(platform, caller, "system.audit"))) {
      // The one authorisation path: 401 with the challenge, or 403 naming the project.
      await authorize(platform, request, undefined, "audit.read", false, { project });
    }
    return projectEntries(platform.registryHost, [project]);
  }
  if (await holds(platform, caller, "system.audit")) return undefined;
  const projects: string[] = [];
  if (platform.identity && caller.kind !== "anonymous") {
    for (const project of await platform.identity.store.listProjects()) {
      if (await holds(platform, caller, "audit.read", project.name)) projects.push(project.name);
    }
  }
  if (projects.length === 0) {
    // The refusal (401 with the challenge, or 403) of the one authorisation path.
    await authorize(platform, request, undefined, "system.audit", false);
    throw new RegistryError("DENIED", `${caller.subject} may not read the audit log`);
  }
  return projectEntries(platform.registryHost, projects);
}

/**
 * The `image` values of a project's entries: the registry gates' `HOST:PORT/project/...@digest`, and
 * the targets identity events name (auth/events.ts, the API's `record` calls): the project, its
 * members and robots, registry tokens for its repositories, and refused API calls on its paths.
 */
export function projectEntries(
  registryHost: string,
  projects: readonly string[],
): NonNullable<AuditFilter["within"]> {
  return {
    exact: projects.flatMap((p) => [`project:${p}`, `/api/v1/projects/${p}`]),
    prefixes: projects.flatMap((p) => [
      `${registryHost}/${p}/`,
      `member:${p}/`,
      `robot:robot$${p}+`,
      `repository:${p}/`,
      `/api/v1/projects/${p}/`,
    ]),
  };
}
