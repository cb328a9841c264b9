/**
 * The one authentication and authorisation step every request passes through. Anonymous for now
 * (`AnonymousAccess`); Docker token auth, OIDC and RBAC plug in behind the same two roles.
 */
export interface Identity {
  readonly subject: string;
  readonly kind: "anonymous" | "user" | "robot";
}

/** What the transport hands over; the Authorization header stays inside this module. */
export interface Credentials {
  readonly authorization?: string;
  readonly remoteAddress?: string;
}

export type Action = "pull" | "push" | "delete" | "catalog";

export interface AccessRequest {
  readonly action: Action;
  /** Repository name, absent for registry-wide actions such as the catalog. */
  readonly repository?: string;
}

export interface Authenticator {
  /** Who is asking; undefined when the credentials are present but wrong (401). */
  authenticate(credentials: Credentials): Promise<Identity | undefined>;
}

export interface Authorizer {
  authorize(identity: Identity, request: AccessRequest): Promise<boolean>;
}
