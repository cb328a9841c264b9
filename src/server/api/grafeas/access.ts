import type { FastifyRequest } from "fastify";
import type { Platform } from "../../../app/index.js";
import type { Permission } from "../../../auth/index.js";
import { RESERVED_PROJECTS } from "../../../grafeas/index.js";
import { RegistryError } from "../../../registry/index.js";
import { authenticate, authorize } from "../../authorize.js";

/**
 * Who may do what under /v1/projects/, through the one authorisation step (authorize.ts) and the one
 * permission table: a Grafeas project is our project, so reading an image's occurrences needs
 * `repository.pull` on its repository, a whole project's list needs it project-wide, notes need
 * `project.read`, and posting occurrences or notes needs `occurrence.write`. The reserved projects
 * (`portcullis`, `portcullis-advisories`) hold only notes Portcullis derives: any caller the server
 * lets in may read them, nobody may write them.
 */
export async function mayReadImage(platform: Platform, request: FastifyRequest, repository: string) {
  await authorize(platform, request, repository, "repository.pull", false);
}

export async function mayReadProject(
  platform: Platform,
  request: FastifyRequest,
  project: string,
  permission: Extract<Permission, "repository.pull" | "project.read">,
) {
  if (RESERVED_PROJECTS.has(project)) {
    request.identity = await authenticate(platform, request);
    return;
  }
  await authorize(platform, request, undefined, permission, false, { project });
}

export async function mayWriteImage(platform: Platform, request: FastifyRequest, repository: string) {
  await authorize(platform, request, repository, "occurrence.write", false);
}

export async function mayWriteNotes(platform: Platform, request: FastifyRequest, project: string) {
  refuseReserved(project);
  await authorize(platform, request, undefined, "occurrence.write", false, { project });
}

export function refuseReserved(project: string): void {
  if (RESERVED_PROJECTS.has(project))
    throw new RegistryError("DENIED", `projects/${project} holds only the notes Portcullis derives`);
}

/** Whether the caller (already authenticated) may pull from the repository: for filtering lists. */
export async function canPull(platform: Platform, request: FastifyRequest, repository: string) {
  return platform.authorizer.authorize(request.identity, { action: "repository.pull", repository });
}
