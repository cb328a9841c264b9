import { PortcullisError } from "../core/index.js";

export type AuthErrorCode =
  /** No credentials, or credentials that do not name a valid principal (HTTP 401). */
  | "UNAUTHENTICATED"
  /** A known principal asked for something it may not do (HTTP 403). */
  | "DENIED"
  /** Too many failed logins for an account or an address; `detail.retryAfterSeconds` (HTTP 429). */
  | "THROTTLED"
  /** A token scope that does not follow the grammar (HTTP 400). */
  | "SCOPE_INVALID"
  /** A token that is not ours, expired, revoked or malformed (HTTP 401). */
  | "TOKEN_INVALID"
  /** A name, password or setting that does not meet the rules (HTTP 400). */
  | "INVALID"
  /** A user, group, project, robot or role that does not exist (HTTP 404). */
  | "NOT_FOUND"
  /** A name already taken (HTTP 409). */
  | "CONFLICT";

export class AuthError extends PortcullisError<AuthErrorCode> {}
