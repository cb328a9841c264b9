/**
 * auth: who is asking and what they may do. Principals (users, groups, robots), their credentials and
 * hashes, projects and grants (`local/`), the permission table (`permissions.ts`, the one source for
 * checks and docs), the RBAC check (`access.ts`), and the Docker token service's keys and JWTs
 * (`tokens/`). `AnonymousAccess` is the open mode for loopback.
 */
export { AccessControl, type AccessControlOptions } from "./access.js";
export { ACTION_PERMISSION, pathInProject, permissionFor, projectOf, SCOPE_ACTIONS } from "./actions.js";
export { AnonymousAccess } from "./anonymous.js";
export { AuthError, type AuthErrorCode } from "./errors.js";
export type { AuthEvent, AuthEventSink, AuthEventType } from "./events.js";
export { type DirectoryUser, escapeFilterValue, LdapDirectory, type LdapOptions } from "./ldap/directory.js";
export { ANONYMOUS, LocalAuthenticator, WORKLOAD_USER } from "./local/authenticator.js";
export { checkPasswordRules, generateSecret, MIN_PASSWORD_LENGTH } from "./local/passwords.js";
export {
  AccountStore,
  type ChangeOrigin,
  type MemberRecord,
  type ProjectRecord,
  type RobotRecord,
  type RoleRecord,
  type UserRecord,
} from "./local/store.js";
export { LoginThrottle, type ThrottleOptions } from "./local/throttle.js";
export { OidcClient, type OidcOptions, type OidcUser, type PendingLogin } from "./oidc/client.js";
export {
  BUILTIN_ROLE_DESCRIPTIONS,
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  type BuiltinRole,
  isBuiltinRole,
  isProjectPermission,
  isSystemPermission,
  PERMISSION_DESCRIPTIONS,
  type Permission,
  PROJECT_PERMISSIONS,
  type ProjectPermission,
  PUBLIC_PROJECT_PERMISSIONS,
  ROBOT_SYSTEM_PERMISSIONS,
  type RobotSystemPermission,
  SYSTEM_PERMISSIONS,
  type SystemPermission,
} from "./permissions.js";
export { type RateLimit, rateLimit } from "./rate-limit.js";
export { formatScope, parseScopes, type ResourceScope } from "./scope.js";
export { CookieSealer, readCookie } from "./sessions.js";
export { grantScopes } from "./tokens/grant.js";
export { libtrustKeyId } from "./tokens/key-id.js";
export { KeyRing, type SigningKey } from "./tokens/keys.js";
export {
  type IssuedToken,
  TokenService,
  type TokenServiceOptions,
  type VerifiedToken,
} from "./tokens/service.js";
export type {
  AccessRequest,
  Action,
  Authenticator,
  Authorizer,
  Credentials,
  Identity,
  PrincipalKind,
  ProjectSettings,
  ProjectSettingsPatch,
  RobotGrant,
} from "./types.js";
export { parseWorkloadIssuers, type WorkloadIssuer } from "./workload/issuers.js";
export { type WorkloadIdentity, WorkloadVerifier } from "./workload/verifier.js";
