import { z } from "zod";
import {
  AuthError,
  BUILTIN_ROLE_DESCRIPTIONS,
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  isBuiltinRole,
  PROJECT_PERMISSIONS,
} from "../../../auth/index.js";
import { type IdentityRoute, route } from "./route.js";
import { Name, ProjectPermission, Role, RoleList } from "./schemas.js";

/** Permissions in the table's order (least to most), whatever order a request gave them in. */
function inTableOrder(permissions: Iterable<string>): Array<(typeof PROJECT_PERMISSIONS)[number]> {
  const held = new Set(permissions);
  return PROJECT_PERMISSIONS.filter((p) => held.has(p));
}

/** Project roles: the built-in five of the permission table, and custom ones made of its permissions. */
export const ROLE_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listRoles",
    method: "GET",
    path: "/api/v1/roles",
    summary: "List the built-in and custom roles with their permissions",
    tag: "roles",
    access: { kind: "signed-in" },
    response: RoleList,
    handle: async ({ identity }) => ({
      roles: [
        ...BUILTIN_ROLES.map((name) => ({
          name,
          description: BUILTIN_ROLE_DESCRIPTIONS[name],
          builtin: true,
          permissions: inTableOrder(BUILTIN_ROLE_PERMISSIONS[name]),
        })),
        ...(await identity.store.listCustomRoles()).map((r) => ({
          ...r,
          permissions: inTableOrder(r.permissions),
        })),
      ],
      builtinOrder: [...BUILTIN_ROLES],
    }),
  }),

  route({
    id: "createRole",
    method: "POST",
    path: "/api/v1/roles",
    summary: "Create a custom project role from permissions of the table",
    tag: "roles",
    access: { kind: "permission", permission: "system.roles" },
    event: "role.changed",
    body: z.strictObject({
      name: Name,
      description: z.string().max(1024).optional(),
      permissions: z.array(ProjectPermission).min(1),
    }),
    response: Role,
    status: 201,
    handle: async ({ identity, body, record }) => {
      const role = await identity.store.createRole({
        name: body.name,
        permissions: body.permissions,
        ...(body.description === undefined ? {} : { description: body.description }),
      });
      record(`role:${role.name}`, `created with ${inTableOrder(role.permissions).join(", ")}`);
      return { ...role, permissions: inTableOrder(role.permissions) };
    },
  }),

  route({
    id: "deleteRole",
    method: "DELETE",
    path: "/api/v1/roles/{role}",
    summary: "Delete a custom role that is no longer granted",
    tag: "roles",
    access: { kind: "permission", permission: "system.roles" },
    event: "role.changed",
    params: z.object({ role: Name }),
    handle: async ({ identity, params, record }) => {
      if (isBuiltinRole(params.role))
        throw new AuthError("INVALID", `${params.role} is a built-in role and cannot be deleted`);
      await identity.store.deleteRole(params.role);
      record(`role:${params.role}`, "deleted");
      return undefined;
    },
  }),
];
