import { z } from "zod";
import type { Platform } from "../../../app/index.js";
import { AuthError, projectOf } from "../../../auth/index.js";
import { holds } from "../../authorize.js";
import { type IdentityRoute, route } from "./route.js";
import { Name, Project, ProjectList, ProjectSettingsInput, ProjectSettingsPatchInput } from "./schemas.js";
import type { IdentityServices } from "./services.js";
import { projectWire } from "./wire.js";

const ProjectParams = z.object({ project: Name });

async function requireProject(identity: IdentityServices, name: string) {
  const project = await identity.store.findProject(name);
  if (!project) throw new AuthError("NOT_FOUND", `no project ${name}`);
  return project;
}

/**
 * Certified images only: a project may name only a policy the library holds now. A name that later
 * disappears (its file removed) refuses the project's pushes and pulls; this refuses the typo up front.
 */
function checkSettings(
  platform: Platform,
  settings: z.infer<typeof ProjectSettingsInput> | z.infer<typeof ProjectSettingsPatchInput> | undefined,
): void {
  const name = settings?.certifiedPolicy;
  if (name === undefined || name === null) return;
  const known = platform.namedPolicies();
  if (known.includes(name)) return;
  throw new AuthError(
    "INVALID",
    `settings.certifiedPolicy: no named policy ${JSON.stringify(name)}; policy.library holds ${
      known.length > 0 ? known.join(", ") : "none (set policy.library to a folder of NAME.yaml policies)"
    }`,
  );
}

/**
 * Takes a proxy setting's write-only password out of the settings before they are stored or recorded.
 * `password`: the one to seal; null when the proxy setting is removed (its password goes with it).
 */
function withoutPassword<S extends { proxy?: { password?: string | undefined } | null | undefined }>(
  settings: S | undefined,
): { settings: S | undefined; password: string | null | undefined } {
  if (!settings?.proxy) return { settings, password: settings?.proxy === null ? null : undefined };
  const { password, ...proxy } = settings.proxy;
  return { settings: { ...settings, proxy }, password };
}

async function storePassword(platform: Platform, project: string, password: string | null | undefined) {
  if (password === undefined) return;
  if (!platform.proxyCredentials) throw new AuthError("INVALID", "proxy projects need accounts mode");
  await platform.proxyCredentials.set(project, password);
}

export const PROJECT_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listProjects",
    method: "GET",
    path: "/api/v1/projects",
    summary: "List the projects the caller may read (anonymous callers: the public ones)",
    tag: "projects",
    access: { kind: "anyone" },
    response: ProjectList,
    handle: async ({ platform, identity, caller }) => {
      const all = await identity.store.listProjects();
      const usage = await platform.registry.allProjectUsage();
      const readable = [];
      for (const project of all) {
        if (await holds(platform, caller, "project.read", project.name))
          readable.push(projectWire(project, usage.get(project.name) ?? 0));
      }
      return { projects: readable };
    },
  }),

  route({
    id: "createProject",
    method: "POST",
    path: "/api/v1/projects",
    summary: "Create a project (the first component of its repositories' names)",
    tag: "projects",
    access: { kind: "permission", permission: "system.projects" },
    event: "project.changed",
    body: z.strictObject({
      name: Name,
      public: z.boolean().optional(),
      settings: ProjectSettingsInput.optional(),
    }),
    response: Project,
    status: 201,
    handle: async ({ platform, identity, body, record }) => {
      checkSettings(platform, body.settings);
      const { settings, password } = withoutPassword(body.settings);
      const project = await identity.store.createProject({
        name: body.name,
        public: body.public ?? false,
        settings: settings ?? {},
      });
      await storePassword(platform, project.name, password);
      record(`project:${project.name}`, `created (${project.public ? "public" : "private"})`);
      return projectWire(project, await platform.registry.projectUsage(project.name));
    },
  }),

  route({
    id: "getProject",
    method: "GET",
    path: "/api/v1/projects/{project}",
    summary: "A project, its settings and its storage usage",
    tag: "projects",
    access: { kind: "permission", permission: "project.read", project: "project" },
    params: ProjectParams,
    response: Project,
    handle: async ({ platform, identity, params }) =>
      projectWire(
        await requireProject(identity, params.project),
        await platform.registry.projectUsage(params.project),
      ),
  }),

  route({
    id: "updateProject",
    method: "PATCH",
    path: "/api/v1/projects/{project}",
    summary:
      "Change a project's visibility or settings: the settings keys given are set, a key given as null is removed, the others stay",
    tag: "projects",
    // Maintainers edit immutability and retention rules (their own permissions) through this route too;
    // visibility, quota and certified policy stay with project.write.
    access: {
      kind: "permission",
      permission: "project.write",
      project: "project",
      byField: { "settings.immutableTags": "immutability.write", "settings.retention": "retention.write" },
    },
    event: "project.changed",
    params: ProjectParams,
    body: z
      .strictObject({ public: z.boolean().optional(), settings: ProjectSettingsPatchInput.optional() })
      .refine((b) => b.public !== undefined || b.settings !== undefined, "give public or settings"),
    response: Project,
    handle: async ({ platform, identity, caller, params, body, record }) => {
      checkSettings(platform, body.settings);
      // A proxy setting makes the server itself contact a host: who may name one is who may create
      // projects (system.projects), not every project admin (the server's network is not theirs).
      if (body.settings?.proxy !== undefined && !(await holds(platform, caller, "system.projects"))) {
        throw new AuthError("DENIED", "settings.proxy: setting a project's upstream needs system.projects");
      }
      // The password never reaches the settings column or the record: only that it changed does.
      const { settings, password } = withoutPassword(body.settings);
      await identity.store.updateProject(params.project, {
        ...(body.public === undefined ? {} : { public: body.public }),
        ...(settings === undefined ? {} : { settings }),
      });
      await storePassword(platform, params.project, password);
      const changes = [
        ...(body.public === undefined ? [] : [body.public ? "made public" : "made private"]),
        ...(settings === undefined ? [] : [`settings changed: ${JSON.stringify(settings)}`]),
        ...(typeof password === "string" ? ["proxy password set"] : []),
      ];
      record(`project:${params.project}`, changes.join("; "));
      return projectWire(
        await requireProject(identity, params.project),
        await platform.registry.projectUsage(params.project),
      );
    },
  }),

  route({
    id: "deleteProject",
    method: "DELETE",
    path: "/api/v1/projects/{project}",
    summary: "Delete an empty project with its members and robots",
    tag: "projects",
    access: { kind: "permission", permission: "project.delete", project: "project" },
    event: "project.changed",
    params: ProjectParams,
    handle: async ({ platform, identity, params, record }) => {
      await requireProject(identity, params.project);
      // Repositories outlive nothing silently: a project's images would stay, reachable by no one but
      // administrators. Names sort `team` < `team/...`, so the first name after `team/` tells.
      const next = await platform.registry.discovery.catalog({ n: 1, last: `${params.project}/` });
      const held = next.items.find((name) => projectOf(name) === params.project);
      if (held) {
        throw new AuthError(
          "CONFLICT",
          `project ${params.project} still holds repositories (${held}): delete them first`,
        );
      }
      await identity.store.deleteProject(params.project);
      await platform.proxyCredentials?.set(params.project, null);
      record(`project:${params.project}`, "deleted");
      return undefined;
    },
  }),
];
