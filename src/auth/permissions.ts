/**
 * The permission table: every permission, every built-in role and what it grants. It is the only
 * source for access checks (`access.ts`), for the docs (`docs/permissions.md` is rendered from it and a
 * test keeps the two equal) and for the authorization-matrix tests.
 *
 * Project permissions apply inside one project (the first path component of a repository name) and can
 * be narrowed to repository globs; system permissions apply to the whole installation.
 */

export const PROJECT_PERMISSIONS = [
  "project.read",
  "repository.pull",
  "scan.read",
  "member.read",
  "audit.read",
  "repository.push",
  "repository.delete",
  "retention.write",
  "scan.run",
  "occurrence.write",
  "immutability.write",
  "robot.read",
  "webhook.read",
  "webhook.write",
  "project.write",
  "member.write",
  "robot.write",
  "project.delete",
] as const;
export type ProjectPermission = (typeof PROJECT_PERMISSIONS)[number];

export const SYSTEM_PERMISSIONS = [
  "system.users",
  "system.projects",
  "system.roles",
  "system.robots",
  "system.audit",
  "system.catalog",
  "system.config",
  "runtime.write",
] as const;
export type SystemPermission = (typeof SYSTEM_PERMISSIONS)[number];

/**
 * The system permissions a system robot may be granted: machine work across the installation
 * (posting runtime events). The others administer people and settings, which stays with users.
 */
export const ROBOT_SYSTEM_PERMISSIONS = ["runtime.write"] as const satisfies readonly SystemPermission[];
export type RobotSystemPermission = (typeof ROBOT_SYSTEM_PERMISSIONS)[number];

export function isRobotSystemPermission(name: string): name is RobotSystemPermission {
  return (ROBOT_SYSTEM_PERMISSIONS as readonly string[]).includes(name);
}

export type Permission = ProjectPermission | SystemPermission;

/** What each permission allows, for the docs and the CLI's `role permissions`. */
export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = {
  "project.read": "see the project, its settings and its repositories",
  "repository.pull": "pull manifests and blobs, list tags and referrers",
  "scan.read": "read vulnerability reports and SBOMs",
  "member.read": "list the project's members",
  "audit.read": "read the project's gate decisions and events",
  "repository.push": "push manifests and blobs (creates repositories), move tags",
  "retention.write": "edit the project's retention rules, preview and run them (rules delete images)",
  "repository.delete": "delete manifests, tags and blobs",
  "scan.run": "start a scan or re-scan",
  "occurrence.write":
    "post Grafeas occurrences and notes about the project's images (e.g. CI's \"tests passed\")",
  "immutability.write": "edit tag immutability rules (the project settings' `immutableTags`)",
  "robot.read": "list the project's robot accounts",
  "webhook.read": "list the project's webhooks and their delivery logs (never their secrets)",
  "webhook.write": "create, change, test and delete the project's webhooks",
  "project.write": "change the project's settings (visibility, certified images only, quota)",
  "member.write": "add, change and remove members",
  "robot.write": "create, rotate and revoke the project's robot accounts",
  "project.delete": "delete the project",
  "system.users": "create, disable and delete users and groups",
  "system.projects": "create projects",
  "system.roles": "create and change custom roles",
  "system.robots": "create system robot accounts that span projects",
  "system.audit": "read the whole audit log",
  "system.catalog": "list every repository (others see only what they may pull)",
  "system.config": "change installation settings",
  "runtime.write":
    "post runtime events into the record: Falco alerts and Kubernetes audit event lists (admins; a system robot can be granted it)",
};

/** The built-in project roles, least to most; their meaning follows Harbor's roles of the same names. */
export const BUILTIN_ROLES = ["limited-guest", "guest", "developer", "maintainer", "project-admin"] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** What each built-in role is for (the docs, `portcullis role list`). */
export const BUILTIN_ROLE_DESCRIPTIONS: Readonly<Record<BuiltinRole, string>> = {
  "limited-guest": "pulls images and reads their scans; sees no members or audit trail",
  guest: "reads the project: pulls, scans, members and its audit trail",
  developer: "a guest who also pushes images",
  maintainer:
    "a developer who also deletes images, edits and runs retention rules, runs scans, posts Grafeas occurrences, edits immutability rules, sees robots and manages webhooks",
  "project-admin": "everything in the project: settings, members, robots, deleting it",
};

const LIMITED_GUEST: readonly ProjectPermission[] = ["project.read", "repository.pull", "scan.read"];
const GUEST: readonly ProjectPermission[] = [...LIMITED_GUEST, "member.read", "audit.read"];
const DEVELOPER: readonly ProjectPermission[] = [...GUEST, "repository.push"];
// Retention rules delete images, so writing them sits with repository.delete (Harbor lets developers
// edit them, which hands a role that may not delete a way to delete everything on the next run).
const MAINTAINER: readonly ProjectPermission[] = [
  ...DEVELOPER,
  "repository.delete",
  "retention.write",
  "scan.run",
  // Outside occurrences are evidence policies can require, so posting them sits with maintainers
  // (and robots given it), never with whoever may push.
  "occurrence.write",
  "immutability.write",
  "robot.read",
  // Webhooks send the project's events out of the installation: the people who run the project.
  "webhook.read",
  "webhook.write",
];
const PROJECT_ADMIN: readonly ProjectPermission[] = [
  ...MAINTAINER,
  "project.write",
  "member.write",
  "robot.write",
  "project.delete",
];

export const BUILTIN_ROLE_PERMISSIONS: Readonly<Record<BuiltinRole, ReadonlySet<ProjectPermission>>> = {
  "limited-guest": new Set(LIMITED_GUEST),
  guest: new Set(GUEST),
  developer: new Set(DEVELOPER),
  maintainer: new Set(MAINTAINER),
  "project-admin": new Set(PROJECT_ADMIN),
};

/** What anonymous callers may do in a public project. */
export const PUBLIC_PROJECT_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set([
  "project.read",
  "repository.pull",
]);

export function isBuiltinRole(name: string): name is BuiltinRole {
  return (BUILTIN_ROLES as readonly string[]).includes(name);
}

export function isProjectPermission(name: string): name is ProjectPermission {
  return (PROJECT_PERMISSIONS as readonly string[]).includes(name);
}

export function isSystemPermission(name: string): name is SystemPermission {
  return (SYSTEM_PERMISSIONS as readonly string[]).includes(name);
}
