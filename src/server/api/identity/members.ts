import { z } from "zod";
import { AuthError } from "../../../auth/index.js";
import { requireHeld } from "./grants.js";
import { type IdentityRoute, route } from "./route.js";
import { Member, MemberList, Name } from "./schemas.js";
import type { IdentityServices } from "./services.js";
import { memberWire, rolePermissions } from "./wire.js";

const ProjectParams = z.object({ project: Name });
const MemberParams = z.object({ project: Name, id: z.coerce.number().int().positive() });

async function requireMember(identity: IdentityServices, project: string, id: number) {
  const member = (await identity.store.listMembers(project)).find((m) => m.id === id);
  if (!member) throw new AuthError("NOT_FOUND", `no member ${id} in project ${project}`);
  return member;
}

/**
 * Project members: a user or group granted a role, optionally narrowed to repository globs. A member
 * can be granted, changed or removed only by someone holding every permission of the roles involved.
 */
export const MEMBER_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listMembers",
    method: "GET",
    path: "/api/v1/projects/{project}/members",
    summary: "List a project's members and their roles",
    tag: "members",
    access: { kind: "permission", permission: "member.read", project: "project" },
    params: ProjectParams,
    response: MemberList,
    handle: async ({ identity, params }) => {
      if (!(await identity.store.findProject(params.project)))
        throw new AuthError("NOT_FOUND", `no project ${params.project}`);
      return { members: (await identity.store.listMembers(params.project)).map(memberWire) };
    },
  }),

  route({
    id: "addMember",
    method: "POST",
    path: "/api/v1/projects/{project}/members",
    summary: "Grant a user or group a role in the project (the same principal and globs again: a new role)",
    tag: "members",
    access: { kind: "permission", permission: "member.write", project: "project" },
    event: "member.changed",
    params: ProjectParams,
    body: z.strictObject({
      kind: z.enum(["user", "group"]).default("user"),
      name: Name,
      role: Name,
      repositories: z.array(z.string().min(1).max(255)).min(1).max(64).optional(),
    }),
    response: Member,
    status: 201,
    handle: async ({ platform, identity, caller, params, body, record }) => {
      const permissions = await rolePermissions(identity, body.role);
      await requireHeld(platform, caller, params.project, permissions, `grant role ${body.role}`);
      const member = await identity.store.addMember({
        project: params.project,
        kind: body.kind,
        name: body.name,
        role: body.role,
        ...(body.repositories ? { repositories: body.repositories } : {}),
      });
      record(
        `member:${params.project}/${member.principalKind}:${member.principalName}`,
        `granted ${member.role} on ${member.repositories.join(", ")}`,
      );
      return memberWire(member);
    },
  }),

  route({
    id: "updateMember",
    method: "PUT",
    path: "/api/v1/projects/{project}/members/{id}",
    summary: "Change a member's role",
    tag: "members",
    access: { kind: "permission", permission: "member.write", project: "project" },
    event: "member.changed",
    params: MemberParams,
    body: z.strictObject({ role: Name }),
    response: Member,
    handle: async ({ platform, identity, caller, params, body, record }) => {
      const current = await requireMember(identity, params.project, params.id);
      const permissions = [
        ...(await rolePermissions(identity, current.role).catch(() => [])),
        ...(await rolePermissions(identity, body.role)),
      ];
      await requireHeld(
        platform,
        caller,
        params.project,
        permissions,
        `change ${current.role} to ${body.role}`,
      );
      await identity.store.setMemberRole(params.project, params.id, body.role);
      const member = { ...current, role: body.role };
      record(
        `member:${params.project}/${member.principalKind}:${member.principalName}`,
        `role ${current.role} changed to ${member.role}`,
      );
      return memberWire(member);
    },
  }),

  route({
    id: "removeMember",
    method: "DELETE",
    path: "/api/v1/projects/{project}/members/{id}",
    summary: "Remove a member's grant",
    tag: "members",
    access: { kind: "permission", permission: "member.write", project: "project" },
    event: "member.changed",
    params: MemberParams,
    handle: async ({ platform, identity, caller, params, record }) => {
      const current = await requireMember(identity, params.project, params.id);
      const permissions = await rolePermissions(identity, current.role).catch(() => []);
      await requireHeld(platform, caller, params.project, permissions, `remove a ${current.role}`);
      await identity.store.removeMember(params.project, params.id);
      record(
        `member:${params.project}/${current.principalKind}:${current.principalName}`,
        `removed (was ${current.role})`,
      );
      return undefined;
    },
  }),
];
