import { matchGlob } from "../core/index.js";
import { pathInProject, permissionFor, projectOf, SCOPE_ACTIONS } from "./actions.js";
import type { AccountStore } from "./local/store.js";
import {
  BUILTIN_ROLE_PERMISSIONS,
  isBuiltinRole,
  isProjectPermission,
  isRobotSystemPermission,
  isSystemPermission,
  type Permission,
  type ProjectPermission,
  PUBLIC_PROJECT_PERMISSIONS,
} from "./permissions.js";
import type { AccessRequest, Authorizer, Identity, ProjectSettings, RobotGrant } from "./types.js";

interface Grant {
  readonly globs: readonly string[];
  readonly permissions: ReadonlySet<ProjectPermission>;
}

/** Everything a check needs, in memory, indexed by principal then project: a check is a few map reads. */
interface Snapshot {
  readonly revision: number;
  readonly admins: ReadonlySet<number>;
  readonly projects: ReadonlyMap<
    string,
    { readonly id: number; readonly public: boolean; readonly settings: ProjectSettings }
  >;
  readonly userGrants: ReadonlyMap<number, ReadonlyMap<number, readonly Grant[]>>;
  readonly robotGrants: ReadonlyMap<number, ReadonlyMap<string, readonly Grant[]>>;
  /** System permissions held by system robots (ROBOT_SYSTEM_PERMISSIONS), by robot id. */
  readonly robotSystem: ReadonlyMap<number, ReadonlySet<string>>;
}

export interface AccessControlOptions {
  /** How often the stored revision is compared with the loaded one (other replicas' changes). */
  readonly revisionCheckMs?: number;
  readonly now?: () => number;
}

/**
 * The RBAC check of every surface, over one permission table (permissions.ts). Grants are loaded into
 * a snapshot and kept until the store's revision moves: this process's writes reload it at once, other
 * replicas' within `revisionCheckMs`. Whether a principal still exists and is enabled is checked per
 * request by the authenticator, so revoking a robot or disabling a user is immediate everywhere.
 */
export class AccessControl implements Authorizer {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  private checkedAt = 0;
  private stale = true;
  private readonly revisionCheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: AccountStore,
    options: AccessControlOptions = {},
  ) {
    this.revisionCheckMs = options.revisionCheckMs ?? 1000;
    this.now = options.now ?? Date.now;
    store.onChange(() => {
      this.stale = true;
    });
  }

  async authorize(identity: Identity, request: AccessRequest): Promise<boolean> {
    const snapshot = await this.current();
    return check(snapshot, identity, request);
  }

  /** The subset of `repositories` the identity may pull (catalog and search results). */
  async visible(identity: Identity, repositories: readonly string[]): Promise<string[]> {
    const snapshot = await this.current();
    return repositories.filter((repository) => check(snapshot, identity, { action: "pull", repository }));
  }

  /**
   * Which of `actions` (token scope actions: pull, push, delete, *) the identity may take on
   * `repository`: the token service grants exactly these (a partial grant, never an error).
   */
  async grantedActions(
    identity: Identity,
    repository: string,
    actions: readonly string[],
  ): Promise<string[]> {
    const snapshot = await this.current();
    return actions.filter((action) => {
      const needed = SCOPE_ACTIONS[action] ?? [];
      return needed.length > 0 && needed.every((p) => check(snapshot, identity, { action: p, repository }));
    });
  }

  /**
   * A project's settings as the snapshot holds them (undefined: no such project): read per registry
   * request (certified images only), so a map read, fresh within `revisionCheckMs` on every replica.
   */
  async projectSettings(project: string): Promise<ProjectSettings | undefined> {
    return (await this.current()).projects.get(project)?.settings;
  }

  private async current(): Promise<Snapshot> {
    const now = this.now();
    if (this.snapshot && !this.stale && now - this.checkedAt < this.revisionCheckMs) return this.snapshot;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async reload(): Promise<Snapshot> {
    this.stale = false;
    const checked = this.now();
    if (this.snapshot && (await this.store.revision()) === this.snapshot.revision && !this.stale) {
      this.checkedAt = checked;
      return this.snapshot;
    }
    const rows = await this.store.snapshotRows();
    const customRoles = new Map(
      rows.roles.map((r) => [
        r.name,
        new Set((JSON.parse(r.permissions) as string[]).filter(isProjectPermission)),
      ]),
    );
    const permissionsOf = (role: string): ReadonlySet<ProjectPermission> =>
      isBuiltinRole(role) ? BUILTIN_ROLE_PERMISSIONS[role] : (customRoles.get(role) ?? new Set());
    const usersOfGroup = new Map<number, number[]>();
    for (const m of rows.groupMembers) {
      const list = usersOfGroup.get(m.group_id) ?? [];
      list.push(m.user_id);
      usersOfGroup.set(m.group_id, list);
    }
    const disabled = new Set(rows.users.filter((u) => u.disabled === 1).map((u) => u.id));
    const userGrants = new Map<number, Map<number, Grant[]>>();
    for (const member of rows.members) {
      const grant: Grant = {
        globs: JSON.parse(member.repositories) as string[],
        permissions: permissionsOf(member.role),
      };
      const users =
        member.principal_kind === "user"
          ? [member.principal_id]
          : (usersOfGroup.get(member.principal_id) ?? []);
      for (const user of users) {
        if (disabled.has(user)) continue;
        const byProject = userGrants.get(user) ?? new Map<number, Grant[]>();
        byProject.set(member.project_id, [...(byProject.get(member.project_id) ?? []), grant]);
        userGrants.set(user, byProject);
      }
    }
    const robotGrants = new Map<number, Map<string, Grant[]>>();
    const robotSystem = new Map<number, Set<string>>();
    for (const robot of rows.robots) {
      const system = (JSON.parse(robot.system_permissions) as string[]).filter(isRobotSystemPermission);
      if (system.length > 0) robotSystem.set(robot.id, new Set(system));
      const byProject = new Map<string, Grant[]>();
      for (const g of JSON.parse(robot.grants) as RobotGrant[]) {
        byProject.set(g.project, [
          ...(byProject.get(g.project) ?? []),
          { globs: g.repositories, permissions: new Set(g.permissions) },
        ]);
      }
      robotGrants.set(robot.id, byProject);
    }
    const snapshot: Snapshot = {
      revision: rows.revision,
      admins: new Set(rows.users.filter((u) => u.admin === 1 && u.disabled === 0).map((u) => u.id)),
      projects: new Map(
        rows.projects.map((p) => [
          p.name,
          { id: p.id, public: p.public === 1, settings: JSON.parse(p.settings) as ProjectSettings },
        ]),
      ),
      userGrants,
      robotGrants,
      robotSystem,
    };
    this.snapshot = snapshot;
    this.checkedAt = checked;
    return snapshot;
  }
}

function check(snapshot: Snapshot, identity: Identity, request: AccessRequest): boolean {
  const permission: Permission = permissionFor(request.action);
  // A one-time password allows changing it, which needs no permission: nothing else until then.
  if (identity.mustChangePassword) return false;
  if (identity.tokenAccess && !tokenCovers(identity, request, permission)) return false;
  if (identity.kind === "user" && identity.id !== undefined && snapshot.admins.has(identity.id)) return true;
  // Anyone may ask for the catalog; what it lists is filtered by `visible`.
  if (request.action === "catalog" && request.repository === undefined && request.project === undefined)
    return true;
  if (isSystemPermission(permission)) {
    // Only the few a system robot may be granted (runtime.write), and never through a registry token.
    return (
      identity.kind === "robot" &&
      identity.id !== undefined &&
      !identity.tokenAccess &&
      snapshot.robotSystem.get(identity.id)?.has(permission) === true
    );
  }
  const projectName = request.project ?? (request.repository ? projectOf(request.repository) : undefined);
  if (projectName === undefined) return false;
  const project = snapshot.projects.get(projectName);
  if (!project) return false;
  if (project.public && PUBLIC_PROJECT_PERMISSIONS.has(permission as ProjectPermission)) return true;
  if (identity.kind === "workload") {
    // A workload's grants come with it (its issuer rule); a registry token issued to it carries
    // exactly what they allowed at the exchange, minutes ago, and is held to that by tokenCovers.
    if (!identity.grants) return identity.tokenAccess !== undefined;
    return grantsAllow(
      identity.grants
        .filter((g) => g.project === projectName)
        .map((g) => ({ globs: g.repositories, permissions: new Set(g.permissions) })),
      permission,
      request.repository,
    );
  }
  const grants =
    identity.kind === "user" && identity.id !== undefined
      ? snapshot.userGrants.get(identity.id)?.get(project.id)
      : identity.kind === "robot" && identity.id !== undefined
        ? snapshot.robotGrants.get(identity.id)?.get(projectName)
        : undefined;
  if (!grants) return false;
  return grantsAllow(grants, permission, request.repository);
}

function grantsAllow(
  grants: readonly Grant[],
  permission: Permission,
  repository: string | undefined,
): boolean {
  const path = repository === undefined ? undefined : pathInProject(repository);
  return grants.some((grant) => {
    if (!grant.permissions.has(permission as ProjectPermission)) return false;
    // A grant narrowed to some repositories lets its holder see the project, and act on those
    // repositories; project-wide actions need a grant over every repository.
    if (path === undefined) return permission === "project.read" || grant.globs.includes("*");
    return grant.globs.some((glob) => matchGlob(glob, path));
  });
}

/** A bearer token acts only within its `access` claim, whatever its holder's grants are now. */
function tokenCovers(identity: Identity, request: AccessRequest, permission: Permission): boolean {
  const access = identity.tokenAccess ?? [];
  if (request.action === "catalog") {
    return access.some((s) => s.type === "registry" && s.name === "catalog" && s.actions.includes("*"));
  }
  if (request.repository === undefined) return false;
  return access.some(
    (s) =>
      s.type === "repository" &&
      s.name === request.repository &&
      s.actions.some((a) => SCOPE_ACTIONS[a]?.includes(permission)),
  );
}
