import type { z } from "zod";
import {
  AuthError,
  BUILTIN_ROLE_PERMISSIONS,
  isBuiltinRole,
  type MemberRecord,
  type ProjectPermission,
  type ProjectRecord,
  type RobotRecord,
  type UserRecord,
} from "../../../auth/index.js";
import type { ProjectSettings } from "./schemas.js";
import type { IdentityServices } from "./services.js";

/** Store records in their wire shape (times as RFC 3339); the response schemas drop the rest. */
export function userWire(user: UserRecord) {
  return {
    name: user.name,
    email: user.email,
    source: user.source,
    admin: user.admin,
    disabled: user.disabled,
    mustChangePassword: user.mustChangePassword,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

/** A project on the wire, with its storage usage (bytes from the registry's ledger, by project name). */
export function projectWire(project: ProjectRecord, usageBytes: number) {
  const { immutableTags, ...settings } = project.settings;
  return {
    name: project.name,
    public: project.public,
    // Stored settings were checked on the way in; the response schema checks them again on the way out.
    settings: {
      ...settings,
      ...(immutableTags ? { immutableTags: [...immutableTags] } : {}),
    } as z.input<typeof ProjectSettings>,
    usage: { bytes: usageBytes, quotaBytes: project.settings.quotaBytes ?? null },
    createdAt: new Date(project.createdAt).toISOString(),
  };
}

export function memberWire(member: MemberRecord) {
  return {
    id: member.id,
    kind: member.principalKind,
    name: member.principalName,
    role: member.role,
    repositories: [...member.repositories],
  };
}

export function robotWire(robot: RobotRecord, now = Date.now()) {
  return {
    name: robot.name,
    description: robot.description,
    ...(robot.project === undefined ? {} : { project: robot.project }),
    grants: robot.grants.map((g) => ({
      project: g.project,
      repositories: [...g.repositories],
      permissions: [...g.permissions],
    })),
    systemPermissions: [...robot.systemPermissions],
    expiresAt: robot.expiresAt === null ? null : new Date(robot.expiresAt).toISOString(),
    expired: robot.expiresAt !== null && robot.expiresAt <= now,
    disabled: robot.disabled,
    createdBy: robot.createdBy,
    createdAt: new Date(robot.createdAt).toISOString(),
  };
}

/** The permissions a role grants: built-in from the table, custom from the store. */
export async function rolePermissions(
  identity: IdentityServices,
  role: string,
): Promise<readonly ProjectPermission[]> {
  if (isBuiltinRole(role)) return [...BUILTIN_ROLE_PERMISSIONS[role]];
  const custom = (await identity.store.listCustomRoles()).find((r) => r.name === role);
  if (!custom) throw new AuthError("NOT_FOUND", `no role ${role}`);
  return custom.permissions;
}
