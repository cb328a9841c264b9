import type { Permission, ProjectPermission } from "./permissions.js";
import type { ResourceScope } from "./scope.js";

/**
 * The one authentication and authorisation step every request passes through: `Authenticator` says
 * who is asking, `Authorizer` whether they may. `AnonymousAccess` is the open mode (loopback only);
 * `AccessControl` with the local accounts is the accounts mode.
 */
export type PrincipalKind = "anonymous" | "user" | "robot" | "workload";

export interface Identity {
  /** The name the audit log records: a user name, `robot$team+ci`, `anonymous`. */
  readonly subject: string;
  readonly kind: PrincipalKind;
  /** The principal's row id (users and robots). */
  readonly id?: number;
  /** How the request proved it: a password, a robot secret, a bearer token, or nothing. */
  readonly via?: "password" | "secret" | "token" | "session" | "none";
  /** A bearer token's `access` claim: never more than what was granted when it was issued. */
  readonly tokenAccess?: readonly ResourceScope[];
  /** A workload's grants, from the issuer rule that accepted its token (workload/issuers.ts). */
  readonly grants?: readonly RobotGrant[];
  /**
   * A user signed in with a one-time password: it may only change it (and see who it is), so every
   * permission check refuses it until then — registry, token service and APIs alike.
   */
  readonly mustChangePassword?: true;
}

/** What the transport hands over; the Authorization header stays inside this module. */
export interface Credentials {
  readonly authorization?: string;
  readonly remoteAddress?: string;
  /** A browser session cookie's sealed value, used only when no Authorization header is given. */
  readonly session?: string;
}

/** The registry's actions, as routes and token scopes name them. */
export type Action = "pull" | "push" | "delete" | "catalog";

export interface AccessRequest {
  /** A registry action, or any permission of the table (permissions.ts). */
  readonly action: Action | Permission;
  /** Repository name (its first component is the project). */
  readonly repository?: string;
  /** Project name, for project-level actions with no repository. */
  readonly project?: string;
}

export interface Authenticator {
  /** Who is asking; undefined when the credentials are present but wrong (401). */
  authenticate(credentials: Credentials): Promise<Identity | undefined>;
}

export interface Authorizer {
  authorize(identity: Identity, request: AccessRequest): Promise<boolean>;
}

/** A project's settings beyond its name and visibility. */
export interface ProjectSettings {
  /** "Certified images only": the named policy file the registry gates apply to this project. */
  readonly certifiedPolicy?: string;
  /**
   * Retention rules, stored here as given: their shape and meaning belong to the registry
   * (`registry/retention/policy.ts`, which auth may not import); the API checks them on the way in.
   */
  readonly retention?: unknown;
  /**
   * Storage quota in bytes: the distinct blobs and manifests of the project's repositories, each counted
   * once. A push that would go over it is refused. Enforced by `registry/` (a storage rule).
   */
  readonly quotaBytes?: number;
  /**
   * Immutable-tag rules, `TAG_GLOB` (every repository) or `REPOSITORY_GLOB:TAG_GLOB` (a path inside the
   * project): a matching tag, once set, is never moved or deleted. Enforced by `registry/`.
   */
  readonly immutableTags?: readonly string[];
  /**
   * A proxy project's upstream and allowlist (pull-through cache), stored here as given: its shape and
   * meaning belong to `proxy/` (`ProxySettingsSchema`), which the API checks it against on the way in.
   */
  readonly proxy?: unknown;
}

/** A change of a project's settings: the keys given are set, a key given as null is removed. */
export type ProjectSettingsPatch = { readonly [K in keyof ProjectSettings]?: ProjectSettings[K] | null };

/** One grant of a robot: permissions in a project, narrowed to repository globs. */
export interface RobotGrant {
  readonly project: string;
  readonly repositories: readonly string[];
  readonly permissions: readonly ProjectPermission[];
}
