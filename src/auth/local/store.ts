import type { Kysely, Transaction } from "kysely";
import type { Database, Schema } from "../../storage/index.js";
import { AuthError } from "../errors.js";
import {
  isBuiltinRole,
  isProjectPermission,
  isRobotSystemPermission,
  type ProjectPermission,
  ROBOT_SYSTEM_PERMISSIONS,
  type RobotSystemPermission,
} from "../permissions.js";
import type { ProjectSettings, ProjectSettingsPatch, RobotGrant } from "../types.js";
import { checkPasswordRules, generateSecret, hashPassword, secretDigest } from "./passwords.js";

export interface UserRecord {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
  readonly source: string;
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly mustChangePassword: boolean;
  readonly createdAt: number;
}

export interface ProjectRecord {
  readonly id: number;
  readonly name: string;
  readonly public: boolean;
  readonly settings: ProjectSettings;
  readonly createdAt: number;
}

export interface MemberRecord {
  readonly id: number;
  readonly project: string;
  readonly principalKind: "user" | "group";
  readonly principalName: string;
  readonly role: string;
  readonly repositories: readonly string[];
}

export interface RobotRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  /** The project of a project robot; undefined for a system robot. */
  readonly project?: string;
  readonly grants: readonly RobotGrant[];
  /** System permissions of a system robot (ROBOT_SYSTEM_PERMISSIONS); empty for project robots. */
  readonly systemPermissions: readonly RobotSystemPermission[];
  readonly expiresAt: number | null;
  readonly disabled: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface RoleRecord {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly ProjectPermission[];
  readonly builtin: boolean;
}

/** Names of users, groups and robots' own part: letters, digits and `._@-`, as logins and emails need. */
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
/** A project is a repository name's first component, so it follows that grammar (OCI distribution spec). */
const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** Names that mean something else at login or in the audit log. */
const RESERVED_NAMES = new Set(["workload", "anonymous", "system", "admin-token"]);
const ROLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

function checkName(kind: string, name: string, pattern: RegExp): void {
  if (!pattern.test(name))
    throw new AuthError("INVALID", `${kind} name ${JSON.stringify(name)} is not allowed (${pattern.source})`);
}

/** Whether a change of the accounts was written by this process or by another replica. */
export type ChangeOrigin = "here" | "elsewhere";

/**
 * The local identity store over the metadata database: users, groups, projects, grants, custom roles,
 * robots and refresh tokens. Every write moves `auth_state.revision` in the same transaction, so
 * `AccessControl` on any replica sees the change at its next revision check.
 */
export class AccountStore {
  private readonly db: Kysely<Schema>;
  private readonly dialect: Database["dialect"];
  private readonly listeners = new Set<(origin: ChangeOrigin) => void>();
  private announce: ((trx: Transaction<Schema>) => Promise<void>) | undefined;

  constructor(database: Database) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  /**
   * Called after every committed write (this process's AccessControl reloads at once), with "here";
   * and with "elsewhere" when another replica says it wrote (`changedElsewhere`, app/'s invalidation
   * bus), so what this process remembers is dropped without waiting for the next revision check.
   */
  onChange(listener: (origin: ChangeOrigin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `announce` inside every write's transaction (app/ sends the invalidation bus's notification
   * there, so other replicas hear of the write when it commits, before this process answers).
   */
  announceWith(announce: (trx: Transaction<Schema>) => Promise<void>): void {
    this.announce = announce;
  }

  /** Another replica committed a write: every listener drops what it remembers. */
  changedElsewhere(): void {
    for (const listener of this.listeners) listener("elsewhere");
  }

  async revision(): Promise<number> {
    const row = await this.db
      .selectFrom("auth_state")
      .select("revision")
      .where("id", "=", 1)
      .executeTakeFirst();
    return Number(row?.revision ?? 0);
  }

  private async write<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute(async (trx) => {
      const out = await work(trx);
      await trx
        .updateTable("auth_state")
        .set((eb) => ({ revision: eb("revision", "+", 1) }))
        .where("id", "=", 1)
        .execute();
      await this.announce?.(trx);
      return out;
    });
    for (const listener of this.listeners) listener("here");
    return result;
  }

  // Users --------------------------------------------------------------------------------------------

  async createUser(input: {
    name: string;
    password?: string;
    email?: string;
    admin?: boolean;
    mustChangePassword?: boolean;
    source?: string;
  }): Promise<UserRecord> {
    checkName("user", input.name, ACCOUNT_NAME);
    if (RESERVED_NAMES.has(input.name.toLowerCase())) {
      throw new AuthError("INVALID", `${input.name} is a reserved name (it means something else at login)`);
    }
    if (input.password !== undefined) checkPasswordRules(input.password);
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    return this.write(async (trx) => {
      await this.refuseTaken(trx, "users", input.name);
      const row = await trx
        .insertInto("users")
        .values({
          name: input.name,
          email: input.email ?? null,
          password_hash: passwordHash,
          source: input.source ?? "local",
          external_id: null,
          admin: input.admin ? 1 : 0,
          disabled: 0,
          must_change_password: input.mustChangePassword ? 1 : 0,
          created_at: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    });
  }

  async findUser(name: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
  }

  async userById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.selectFrom("users").selectAll().orderBy("name").execute()).map(toUser);
  }

  async countAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("admin", "=", 1)
      .where("disabled", "=", 0)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async setPassword(name: string, password: string, options: { mustChange?: boolean } = {}): Promise<void> {
    checkPasswordRules(password);
    const hash = await hashPassword(password);
    await this.updateUser(name, { password_hash: hash, must_change_password: options.mustChange ? 1 : 0 });
  }

  /** Stores a rehashed password (stronger parameters) without moving the revision. */
  async rehash(id: number, hash: string): Promise<void> {
    await this.db.updateTable("users").set({ password_hash: hash }).where("id", "=", id).execute();
  }

  async setUserFlags(name: string, flags: { admin?: boolean; disabled?: boolean }): Promise<void> {
    await this.updateUser(name, {
      ...(flags.admin === undefined ? {} : { admin: flags.admin ? 1 : 0 }),
      ...(flags.disabled === undefined ? {} : { disabled: flags.disabled ? 1 : 0 }),
    });
  }

  private async updateUser(
    name: string,
    values: { password_hash?: string; must_change_password?: number; admin?: number; disabled?: number },
  ): Promise<void> {
    await this.write(async (trx) => {
      const user = await rowNamed(trx, "users", name);
      await trx.updateTable("users").set(values).where("id", "=", user.id).execute();
      // A new password ends every session the old one started: refresh tokens outlive it otherwise.
      if (values.password_hash !== undefined) await revokeRefreshTokens(trx, { kind: "user", id: user.id });
    });
  }

  async deleteUser(name: string): Promise<void> {
    await this.write(async (trx) => {
      const user = await rowNamed(trx, "users", name);
      await trx
        .deleteFrom("project_members")
        .where("principal_kind", "=", "user")
        .where("principal_id", "=", user.id)
        .execute();
      await trx
        .updateTable("refresh_tokens")
        .set({ revoked_at: Date.now() })
        .where("principal_kind", "=", "user")
        .where("principal_id", "=", user.id)
        .execute();
      await trx.deleteFrom("group_members").where("user_id", "=", user.id).execute();
      await trx.deleteFrom("users").where("id", "=", user.id).execute();
    });
  }

  /**
   * A user an outside directory (LDAP, OIDC) vouched for: created on first login with no password of
   * ours, and its groups from that source replaced by `groups` (groups created as needed; local groups
   * and groups of other sources are left alone). A local account of the same name is never taken over.
   */
  async syncExternalUser(input: {
    name: string;
    source: "ldap" | "oidc";
    externalId: string;
    email?: string;
    groups: readonly string[];
  }): Promise<UserRecord | undefined> {
    checkName("user", input.name, ACCOUNT_NAME);
    const groups = input.groups.filter((g) => ACCOUNT_NAME.test(g));
    return this.write(async (trx) => {
      let row = await trx.selectFrom("users").selectAll().where("name", "=", input.name).executeTakeFirst();
      if (row && row.source !== input.source) return undefined;
      if (!row) {
        row = await trx
          .insertInto("users")
          .values({
            name: input.name,
            email: input.email ?? null,
            password_hash: null,
            source: input.source,
            external_id: input.externalId,
            admin: 0,
            disabled: 0,
            must_change_password: 0,
            created_at: Date.now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      } else {
        await trx
          .updateTable("users")
          .set({ email: input.email ?? row.email, external_id: input.externalId })
          .where("id", "=", row.id)
          .execute();
      }
      const userId = row.id;
      const owned = await trx
        .selectFrom("groups")
        .select(["id", "name"])
        .where("source", "=", input.source)
        .execute();
      const ids = new Map(owned.map((g) => [g.name, g.id]));
      for (const name of groups) {
        if (ids.has(name)) continue;
        const taken = await trx.selectFrom("groups").select("id").where("name", "=", name).executeTakeFirst();
        if (taken) continue;
        const created = await trx
          .insertInto("groups")
          .values({ name, source: input.source, created_at: Date.now() })
          .returning("id")
          .executeTakeFirstOrThrow();
        ids.set(name, created.id);
      }
      if (owned.length > 0 || groups.length > 0) {
        const allOwned = [...ids.values()];
        await trx
          .deleteFrom("group_members")
          .where("user_id", "=", userId)
          .where("group_id", "in", allOwned)
          .execute();
        for (const name of groups) {
          const id = ids.get(name);
          if (id !== undefined)
            await trx.insertInto("group_members").values({ group_id: id, user_id: userId }).execute();
        }
      }
      return toUser(row);
    });
  }

  // Groups -------------------------------------------------------------------------------------------

  async createGroup(name: string, source = "local"): Promise<void> {
    checkName("group", name, ACCOUNT_NAME);
    await this.write(async (trx) => {
      await this.refuseTaken(trx, "groups", name);
      await trx.insertInto("groups").values({ name, source, created_at: Date.now() }).execute();
    });
  }

  async listGroups(): Promise<Array<{ name: string; members: string[] }>> {
    const groups = await this.db.selectFrom("groups").select(["id", "name"]).orderBy("name").execute();
    const members = await this.db
      .selectFrom("group_members")
      .innerJoin("users", "users.id", "group_members.user_id")
      .select(["group_members.group_id as group_id", "users.name as name"])
      .execute();
    return groups.map((g) => ({
      name: g.name,
      members: members
        .filter((m) => m.group_id === g.id)
        .map((m) => m.name)
        .sort(),
    }));
  }

  async setGroupMember(group: string, user: string, member: boolean): Promise<void> {
    await this.write(async (trx) => {
      const g = await rowNamed(trx, "groups", group);
      const u = await rowNamed(trx, "users", user);
      await trx
        .deleteFrom("group_members")
        .where("group_id", "=", g.id)
        .where("user_id", "=", u.id)
        .execute();
      if (member) await trx.insertInto("group_members").values({ group_id: g.id, user_id: u.id }).execute();
    });
  }

  async deleteGroup(name: string): Promise<void> {
    await this.write(async (trx) => {
      const g = await rowNamed(trx, "groups", name);
      await trx
        .deleteFrom("project_members")
        .where("principal_kind", "=", "group")
        .where("principal_id", "=", g.id)
        .execute();
      await trx.deleteFrom("group_members").where("group_id", "=", g.id).execute();
      await trx.deleteFrom("groups").where("id", "=", g.id).execute();
    });
  }

  // Projects -----------------------------------------------------------------------------------------

  async createProject(input: {
    name: string;
    public?: boolean;
    settings?: ProjectSettings;
  }): Promise<ProjectRecord> {
    checkName("project", input.name, PROJECT_NAME);
    return this.write(async (trx) => {
      await this.refuseTaken(trx, "projects", input.name);
      const row = await trx
        .insertInto("projects")
        .values({
          name: input.name,
          public: input.public ? 1 : 0,
          settings: JSON.stringify(input.settings ?? {}),
          created_at: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toProject(row);
    });
  }

  async findProject(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.db.selectFrom("projects").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toProject(row) : undefined;
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return (await this.db.selectFrom("projects").selectAll().orderBy("name").execute()).map(toProject);
  }

  /**
   * Changes a project's visibility and settings. `settings` is a merge patch (RFC 7396's rule for one
   * level): the keys it names are set, a key given as null is removed, and every other key keeps its
   * value, read and written in one transaction, so two changes of different keys cannot undo each other.
   */
  async updateProject(
    name: string,
    change: { public?: boolean; settings?: ProjectSettingsPatch },
  ): Promise<ProjectSettings> {
    return this.write(async (trx) => {
      let read = trx.selectFrom("projects").select(["id", "settings"]).where("name", "=", name);
      // PostgreSQL: lock the row until the merged settings are written. SQLite runs one write at a time.
      if (this.dialect === "postgres") read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (!row) throw new AuthError("NOT_FOUND", `no project ${name}`);
      const merged = JSON.parse(row.settings) as Record<string, unknown>;
      for (const [key, value] of Object.entries(change.settings ?? {})) {
        if (value === undefined) continue;
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      await trx
        .updateTable("projects")
        .set({
          ...(change.public === undefined ? {} : { public: change.public ? 1 : 0 }),
          settings: JSON.stringify(merged),
        })
        .where("id", "=", row.id)
        .execute();
      return merged as ProjectSettings;
    });
  }

  async deleteProject(name: string): Promise<void> {
    await this.write(async (trx) => {
      const p = await rowNamed(trx, "projects", name);
      await trx.deleteFrom("project_members").where("project_id", "=", p.id).execute();
      await trx.deleteFrom("robots").where("project_id", "=", p.id).execute();
      await trx.deleteFrom("projects").where("id", "=", p.id).execute();
    });
  }

  // Members ------------------------------------------------------------------------------------------

  async addMember(input: {
    project: string;
    kind: "user" | "group";
    name: string;
    role: string;
    repositories?: readonly string[];
  }): Promise<MemberRecord> {
    await this.requireRole(input.role);
    const repositories = checkGlobs(input.repositories ?? ["*"]);
    return this.write(async (trx) => {
      const p = await trx
        .selectFrom("projects")
        .select("id")
        .where("name", "=", input.project)
        .executeTakeFirst();
      if (!p) throw new AuthError("NOT_FOUND", `no project ${input.project}`);
      const table = input.kind === "user" ? "users" : "groups";
      const principal = await trx
        .selectFrom(table)
        .select("id")
        .where("name", "=", input.name)
        .executeTakeFirst();
      if (!principal) throw new AuthError("NOT_FOUND", `no ${input.kind} ${input.name}`);
      // One grant per principal, role and repository set: adding the same again replaces it.
      await trx
        .deleteFrom("project_members")
        .where("project_id", "=", p.id)
        .where("principal_kind", "=", input.kind)
        .where("principal_id", "=", principal.id)
        .where("repositories", "=", JSON.stringify(repositories))
        .execute();
      const row = await trx
        .insertInto("project_members")
        .values({
          project_id: p.id,
          principal_kind: input.kind,
          principal_id: principal.id,
          role: input.role,
          repositories: JSON.stringify(repositories),
          created_at: Date.now(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return {
        id: row.id,
        project: input.project,
        principalKind: input.kind,
        principalName: input.name,
        role: input.role,
        repositories,
      };
    });
  }

  async listMembers(project?: string): Promise<MemberRecord[]> {
    let query = this.db
      .selectFrom("project_members as m")
      .innerJoin("projects as p", "p.id", "m.project_id")
      .leftJoin("users as u", (j) =>
        j.onRef("u.id", "=", "m.principal_id").on("m.principal_kind", "=", "user"),
      )
      .leftJoin("groups as g", (j) =>
        j.onRef("g.id", "=", "m.principal_id").on("m.principal_kind", "=", "group"),
      )
      .select([
        "m.id",
        "p.name as project",
        "m.principal_kind",
        "u.name as user_name",
        "g.name as group_name",
        "m.role",
        "m.repositories",
      ]);
    if (project !== undefined) query = query.where("p.name", "=", project);
    const rows = await query.orderBy("m.id").execute();
    return rows.map((r) => ({
      id: r.id,
      project: r.project,
      principalKind: r.principal_kind as "user" | "group",
      principalName: (r.principal_kind === "user" ? r.user_name : r.group_name) ?? "",
      role: r.role,
      repositories: JSON.parse(r.repositories) as string[],
    }));
  }

  /** Changes the role of one grant, keeping its id, principal and repository globs. */
  async setMemberRole(project: string, id: number, role: string): Promise<void> {
    await this.requireRole(role);
    await this.write(async (trx) => {
      const p = await rowNamed(trx, "projects", project);
      const result = await trx
        .updateTable("project_members")
        .set({ role })
        .where("id", "=", id)
        .where("project_id", "=", p.id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0)
        throw new AuthError("NOT_FOUND", `no member ${id} in ${project}`);
    });
  }

  async removeMember(project: string, id: number): Promise<void> {
    await this.write(async (trx) => {
      const p = await rowNamed(trx, "projects", project);
      const result = await trx
        .deleteFrom("project_members")
        .where("id", "=", id)
        .where("project_id", "=", p.id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new AuthError("NOT_FOUND", `no member ${id} in ${project}`);
    });
  }

  // Roles --------------------------------------------------------------------------------------------

  async createRole(input: {
    name: string;
    description?: string;
    permissions: readonly string[];
  }): Promise<RoleRecord> {
    checkName("role", input.name, ROLE_NAME);
    if (isBuiltinRole(input.name)) throw new AuthError("CONFLICT", `${input.name} is a built-in role`);
    const unknown = input.permissions.filter((p) => !isProjectPermission(p));
    if (unknown.length > 0) throw new AuthError("INVALID", `not project permissions: ${unknown.join(", ")}`);
    if (input.permissions.length === 0)
      throw new AuthError("INVALID", "a role needs at least one permission");
    const permissions = [...new Set(input.permissions)] as ProjectPermission[];
    await this.write(async (trx) => {
      await this.refuseTaken(trx, "roles", input.name);
      await trx
        .insertInto("roles")
        .values({
          name: input.name,
          description: input.description ?? "",
          permissions: JSON.stringify(permissions),
          created_at: Date.now(),
        })
        .execute();
    });
    return { name: input.name, description: input.description ?? "", permissions, builtin: false };
  }

  async listCustomRoles(): Promise<RoleRecord[]> {
    const rows = await this.db.selectFrom("roles").selectAll().orderBy("name").execute();
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      permissions: JSON.parse(r.permissions) as ProjectPermission[],
      builtin: false,
    }));
  }

  async deleteRole(name: string): Promise<void> {
    await this.write(async (trx) => {
      const used = await trx
        .selectFrom("project_members")
        .select("id")
        .where("role", "=", name)
        .executeTakeFirst();
      if (used) throw new AuthError("CONFLICT", `role ${name} is still granted (member ${used.id})`);
      const result = await trx.deleteFrom("roles").where("name", "=", name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new AuthError("NOT_FOUND", `no role ${name}`);
    });
  }

  private async requireRole(role: string): Promise<void> {
    if (isBuiltinRole(role)) return;
    const row = await this.db.selectFrom("roles").select("name").where("name", "=", role).executeTakeFirst();
    if (!row) throw new AuthError("NOT_FOUND", `no role ${role}`);
  }

  // Robots -------------------------------------------------------------------------------------------

  /** Creates a robot; the secret is returned once and only its digest is stored. */
  async createRobot(input: {
    name: string;
    project?: string;
    description?: string;
    grants: readonly RobotGrant[];
    systemPermissions?: readonly string[];
    expiresAt?: number | null;
    createdBy: string;
  }): Promise<{ robot: RobotRecord; secret: string }> {
    checkName("robot", input.name, ACCOUNT_NAME);
    const grants = input.grants.map((g) => checkGrant(g, input.project));
    const systemPermissions = [...new Set(input.systemPermissions ?? [])];
    for (const permission of systemPermissions) {
      if (!isRobotSystemPermission(permission))
        throw new AuthError(
          "INVALID",
          `a robot cannot hold ${permission} (only ${ROBOT_SYSTEM_PERMISSIONS.join(", ")})`,
        );
    }
    if (systemPermissions.length > 0 && input.project)
      throw new AuthError("INVALID", "only a system robot can hold system permissions");
    if (grants.length === 0 && systemPermissions.length === 0)
      throw new AuthError("INVALID", "a robot needs at least one grant");
    const fullName = input.project ? `robot$${input.project}+${input.name}` : `robot$${input.name}`;
    const secret = generateSecret("pcr_");
    const robot = await this.write(async (trx) => {
      let projectId: number | null = null;
      if (input.project) {
        const p = await trx
          .selectFrom("projects")
          .select("id")
          .where("name", "=", input.project)
          .executeTakeFirst();
        if (!p) throw new AuthError("NOT_FOUND", `no project ${input.project}`);
        projectId = p.id;
      }
      await this.refuseTaken(trx, "robots", fullName);
      const row = await trx
        .insertInto("robots")
        .values({
          name: fullName,
          description: input.description ?? "",
          secret_hash: secretDigest(secret),
          project_id: projectId,
          grants: JSON.stringify(grants),
          system_permissions: JSON.stringify(systemPermissions),
          expires_at: input.expiresAt ?? null,
          disabled: 0,
          created_by: input.createdBy,
          created_at: Date.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRobot(row, input.project);
    });
    return { robot, secret };
  }

  async findRobot(name: string): Promise<(RobotRecord & { secretHash: string }) | undefined> {
    const row = await this.db
      .selectFrom("robots as r")
      .leftJoin("projects as p", "p.id", "r.project_id")
      .selectAll("r")
      .select("p.name as project_name")
      .where("r.name", "=", name)
      .executeTakeFirst();
    return row ? { ...toRobot(row, row.project_name ?? undefined), secretHash: row.secret_hash } : undefined;
  }

  async robotById(id: number): Promise<RobotRecord | undefined> {
    const row = await this.db
      .selectFrom("robots as r")
      .leftJoin("projects as p", "p.id", "r.project_id")
      .selectAll("r")
      .select("p.name as project_name")
      .where("r.id", "=", id)
      .executeTakeFirst();
    return row ? toRobot(row, row.project_name ?? undefined) : undefined;
  }

  async listRobots(project?: string): Promise<RobotRecord[]> {
    let query = this.db
      .selectFrom("robots as r")
      .leftJoin("projects as p", "p.id", "r.project_id")
      .selectAll("r")
      .select("p.name as project_name");
    if (project !== undefined) query = query.where("p.name", "=", project);
    const rows = await query.orderBy("r.name").execute();
    return rows.map((r) => toRobot(r, r.project_name ?? undefined));
  }

  /** A new secret; the old one, and refresh tokens it obtained, stop working at once. */
  async rotateRobot(name: string): Promise<string> {
    const secret = generateSecret("pcr_");
    await this.write(async (trx) => {
      const robot = await rowNamed(trx, "robots", name);
      await trx
        .updateTable("robots")
        .set({ secret_hash: secretDigest(secret) })
        .where("id", "=", robot.id)
        .execute();
      await revokeRefreshTokens(trx, { kind: "robot", id: robot.id });
    });
    return secret;
  }

  async setRobotDisabled(name: string, disabled: boolean): Promise<void> {
    await this.write(async (trx) => {
      const result = await trx
        .updateTable("robots")
        .set({ disabled: disabled ? 1 : 0 })
        .where("name", "=", name)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new AuthError("NOT_FOUND", `no robot ${name}`);
    });
  }

  async deleteRobot(name: string): Promise<void> {
    await this.write(async (trx) => {
      const result = await trx.deleteFrom("robots").where("name", "=", name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new AuthError("NOT_FOUND", `no robot ${name}`);
    });
  }

  // Refresh tokens -----------------------------------------------------------------------------------

  async createRefreshToken(
    principal: { kind: "user" | "robot"; id: number },
    clientId: string,
    ttlMs: number,
  ): Promise<string> {
    const token = generateSecret("pcrt_");
    const now = Date.now();
    await this.db
      .insertInto("refresh_tokens")
      .values({
        digest: secretDigest(token),
        principal_kind: principal.kind,
        principal_id: principal.id,
        client_id: clientId,
        expires_at: now + ttlMs,
        revoked_at: null,
        created_at: now,
      })
      .execute();
    return token;
  }

  async findRefreshToken(
    token: string,
  ): Promise<{ kind: "user" | "robot"; id: number; clientId: string } | undefined> {
    const row = await this.db
      .selectFrom("refresh_tokens")
      .selectAll()
      .where("digest", "=", secretDigest(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= Date.now()) return undefined;
    return { kind: row.principal_kind as "user" | "robot", id: row.principal_id, clientId: row.client_id };
  }

  async revokeRefreshTokens(principal: { kind: "user" | "robot"; id: number }): Promise<number> {
    return revokeRefreshTokens(this.db, principal);
  }

  // Personal access tokens ---------------------------------------------------------------------------

  /** A token for scripts and the CLI; returned once, stored as its SHA-256. */
  async createUserToken(
    userId: number,
    name: string,
    expiresAt: number | null,
  ): Promise<{ id: number; token: string }> {
    if (name.trim() === "" || name.length > 100)
      throw new AuthError("INVALID", "a token needs a name of 1 to 100 characters");
    const token = generateSecret("pcu_");
    const row = await this.db
      .insertInto("user_tokens")
      .values({
        user_id: userId,
        name,
        digest: secretDigest(token),
        expires_at: expiresAt,
        created_at: Date.now(),
        last_used_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id: row.id, token };
  }

  async listUserTokens(userId: number): Promise<
    Array<{
      id: number;
      name: string;
      expiresAt: number | null;
      createdAt: number;
      lastUsedAt: number | null;
    }>
  > {
    const rows = await this.db
      .selectFrom("user_tokens")
      .select(["id", "name", "expires_at", "created_at", "last_used_at"])
      .where("user_id", "=", userId)
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  async deleteUserToken(userId: number, id: number): Promise<void> {
    const result = await this.db
      .deleteFrom("user_tokens")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new AuthError("NOT_FOUND", `no token ${id}`);
  }

  /** The owner of a valid token, if `token` is one and belongs to `name`. */
  async userForToken(name: string, token: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom("user_tokens as t")
      .innerJoin("users as u", "u.id", "t.user_id")
      .selectAll("u")
      .select(["t.id as token_id", "t.expires_at as token_expires_at"])
      .where("t.digest", "=", secretDigest(token))
      .executeTakeFirst();
    if (!row || row.name !== name || row.disabled === 1) return undefined;
    if (row.token_expires_at !== null && Number(row.token_expires_at) <= Date.now()) return undefined;
    await this.db
      .updateTable("user_tokens")
      .set({ last_used_at: Date.now() })
      .where("id", "=", row.token_id)
      .execute();
    return toUser(row);
  }

  // Snapshot for AccessControl -----------------------------------------------------------------------

  async snapshotRows() {
    const [revision, users, projects, members, groupMembers, roles, robots] = await Promise.all([
      this.revision(),
      this.db.selectFrom("users").select(["id", "admin", "disabled"]).execute(),
      this.db.selectFrom("projects").select(["id", "name", "public", "settings"]).execute(),
      this.db
        .selectFrom("project_members")
        .select(["project_id", "principal_kind", "principal_id", "role", "repositories"])
        .execute(),
      this.db.selectFrom("group_members").select(["group_id", "user_id"]).execute(),
      this.db.selectFrom("roles").select(["name", "permissions"]).execute(),
      this.db.selectFrom("robots").select(["id", "grants", "system_permissions"]).execute(),
    ]);
    return { revision, users, projects, members, groupMembers, roles, robots };
  }

  private async refuseTaken(
    trx: Transaction<Schema>,
    table: "users" | "groups" | "projects" | "robots" | "roles",
    name: string,
  ): Promise<void> {
    const row = await trx.selectFrom(table).select("name").where("name", "=", name).executeTakeFirst();
    if (row) throw new AuthError("CONFLICT", `${table.slice(0, -1)} ${name} already exists`);
  }
}

async function revokeRefreshTokens(
  db: Kysely<Schema>,
  principal: { kind: "user" | "robot"; id: number },
): Promise<number> {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ revoked_at: Date.now() })
    .where("principal_kind", "=", principal.kind)
    .where("principal_id", "=", principal.id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The id row of the user, group, project or robot called `name`, or NOT_FOUND naming it. */
async function rowNamed(
  trx: Transaction<Schema>,
  table: "users" | "groups" | "projects" | "robots",
  name: string,
): Promise<{ id: number }> {
  const row = await trx.selectFrom(table).select("id").where("name", "=", name).executeTakeFirst();
  if (!row) throw new AuthError("NOT_FOUND", `no ${table.slice(0, -1)} ${name}`);
  return row;
}

function checkGlobs(globs: readonly string[]): string[] {
  if (globs.length === 0 || globs.length > 64)
    throw new AuthError("INVALID", "between 1 and 64 repository globs");
  for (const glob of globs) {
    if (glob === "" || glob.length > 255 || !/^[a-z0-9._\-/*?]+$/.test(glob)) {
      throw new AuthError("INVALID", `repository glob ${JSON.stringify(glob)} is not allowed`);
    }
  }
  return [...new Set(globs)];
}

function checkGrant(grant: RobotGrant, project: string | undefined): RobotGrant {
  if (project !== undefined && grant.project !== project) {
    throw new AuthError("INVALID", `a robot of project ${project} cannot hold grants in ${grant.project}`);
  }
  checkName("project", grant.project, PROJECT_NAME);
  const unknown = grant.permissions.filter((p) => !isProjectPermission(p));
  if (unknown.length > 0) throw new AuthError("INVALID", `not project permissions: ${unknown.join(", ")}`);
  if (grant.permissions.length === 0)
    throw new AuthError("INVALID", `the grant in ${grant.project} has no permission`);
  return {
    project: grant.project,
    repositories: checkGlobs(grant.repositories),
    permissions: [...new Set(grant.permissions)],
  };
}

function toUser(row: {
  id: number;
  name: string;
  email: string | null;
  source: string;
  admin: number;
  disabled: number;
  must_change_password: number;
  created_at: number;
}): UserRecord {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    source: row.source,
    admin: row.admin === 1,
    disabled: row.disabled === 1,
    mustChangePassword: row.must_change_password === 1,
    createdAt: Number(row.created_at),
  };
}

function toProject(row: {
  id: number;
  name: string;
  public: number;
  settings: string;
  created_at: number;
}): ProjectRecord {
  return {
    id: row.id,
    name: row.name,
    public: row.public === 1,
    settings: JSON.parse(row.settings) as ProjectSettings,
    createdAt: Number(row.created_at),
  };
}

function toRobot(
  row: {
    id: number;
    name: string;
    description: string;
    grants: string;
    system_permissions: string;
    expires_at: number | null;
    disabled: number;
    created_by: string;
    created_at: number;
  },
  project: string | undefined,
): RobotRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ...(project === undefined ? {} : { project }),
    grants: JSON.parse(row.grants) as RobotGrant[],
    systemPermissions: (JSON.parse(row.system_permissions) as string[]).filter(isRobotSystemPermission),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    disabled: row.disabled === 1,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
