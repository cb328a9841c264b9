import type { FastifyRequest } from "fastify";
import type { Platform } from "../app/index.js";
import { type Action, type Identity, type Permission, readCookie } from "../auth/index.js";
import { RegistryError } from "../registry/index.js";
import { AuthenticationChallenge } from "./errors.js";

/** Token scope actions a registry action asks for: a push also pulls (clients mount and check blobs). */
const SCOPE_FOR: Partial<Record<Action | Permission, string>> = {
  pull: "pull",
  push: "pull,push",
  delete: "delete",
};

/**
 * The one authentication and authorisation step of every surface (/v2/, /api/v1/, /token): who is
 * asking (sets request.identity), and may they do `action` on `repository` (or in `project`).
 * `baseOnly` only authenticates.
 *
 * In accounts mode, a caller that could do more by proving who it is gets 401 with a challenge: under
 * /v2/ the Docker token challenge (`Bearer realm,service,scope`, one scope per resource), elsewhere
 * Basic. A caller who proved who it is and still may not gets 403 DENIED; a bearer token that lacks
 * the scope gets 401 `insufficient_scope`, so the client asks the token service for a new one.
 */
export async function authorize(
  platform: Platform,
  request: FastifyRequest,
  repository: string | undefined,
  action: Action | Permission,
  baseOnly: boolean,
  target: {
    project?: string;
    /**
     * Other resources the request reads, named in the challenge beside the main one (a cross-repository
     * mount reads its `from` repository), so a client asks for one token that covers them all.
     */
    alsoReads?: readonly string[];
  } = {},
): Promise<void> {
  const identity = await authenticate(platform, request);
  request.identity = identity;
  if (baseOnly) {
    if (
      platform.identity &&
      identity.kind === "anonymous" &&
      !identity.tokenAccess &&
      request.url.startsWith("/v2/")
    ) {
      throw challenge(platform, request, [], "authentication required");
    }
    return;
  }
  const allowed = await platform.authorizer.authorize(identity, {
    action,
    ...(repository ? { repository } : {}),
    ...(target.project ? { project: target.project } : {}),
  });
  if (allowed) return;
  const what = `${action}${repository ? ` ${repository}` : target.project ? ` in project ${target.project}` : ""}`;
  if (platform.identity && (identity.kind === "anonymous" || identity.via === "token")) {
    const main =
      action === "catalog"
        ? "registry:catalog:*"
        : repository && SCOPE_FOR[action]
          ? `repository:${repository}:${SCOPE_FOR[action]}`
          : undefined;
    const scopes = main ? [main, ...(target.alsoReads ?? []).map((r) => `repository:${r}:pull`)] : [];
    throw challenge(
      platform,
      request,
      scopes,
      identity.via === "token" ? `the token does not grant ${what}` : `authentication required to ${what}`,
      identity.via === "token",
    );
  }
  throw new RegistryError("DENIED", `${identity.subject} may not ${what}`);
}

/** Who is asking; a wrong password or token is 401 with the challenge, never treated as anonymous. */
export async function authenticate(platform: Platform, request: FastifyRequest): Promise<Identity> {
  // A browser session counts only for reads, or for writes that carry our header: a page of another
  // site can make a browser send the cookie, but not that header without a CORS preflight we refuse.
  const session =
    request.method === "GET" || request.method === "HEAD" || request.headers["x-portcullis-csrf"] === "1"
      ? readCookie(request.headers.cookie, "pc_session")
      : undefined;
  const identity = await platform.authenticator.authenticate({
    ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    remoteAddress: request.ip,
    ...(session ? { session } : {}),
  });
  if (!identity) throw challenge(platform, request, [], "the credentials are not valid", false, true);
  return identity;
}

/** The 401 with the challenge: under /v2/ `Bearer realm,service,scope` (one resource scope per resource). */
function challenge(
  platform: Platform,
  request: FastifyRequest,
  scopes: readonly string[],
  message: string,
  insufficientScope = false,
  invalidCredentials = false,
): Error {
  if (!platform.identity) return new RegistryError("UNAUTHORIZED", message);
  if (!request.url.startsWith("/v2/")) {
    // The console sends its CSRF header on every request: a Basic challenge would make the browser
    // put up its own password dialog over the console's sign-in page, so it is told `Session` instead.
    const scheme = request.headers["x-portcullis-csrf"] === "1" ? "Session" : "Basic";
    return new AuthenticationChallenge(
      message,
      `${scheme} realm="${platform.identity.config.token.service}"${scheme === "Basic" ? ', charset="UTF-8"' : ""}`,
    );
  }
  const token = platform.identity.config.token;
  const realm = token.realm ?? `${request.protocol}://${request.headers.host ?? "localhost"}/token`;
  const params = [`realm="${realm}"`, `service="${token.service}"`];
  if (scopes.length > 0) params.push(`scope="${scopes.join(" ")}"`);
  if (insufficientScope) params.push(`error="insufficient_scope"`);
  else if (invalidCredentials) params.push(`error="invalid_token"`);
  return new AuthenticationChallenge(
    message,
    `Bearer ${params.join(",")}`,
    scopes.length > 0
      ? scopes.map((scope) => ({
          Type: scope.split(":")[0],
          Name: scope.slice(scope.indexOf(":") + 1, scope.lastIndexOf(":")),
          Action: scope.slice(scope.lastIndexOf(":") + 1),
        }))
      : undefined,
  );
}

/**
 * Authenticates and requires a principal: anonymous callers (and anonymous bearer tokens) get the
 * challenge. For routes whose answer depends only on who is asking (GET /api/v1/me, a password change
 * of one's own).
 */
export async function requireSignedIn(platform: Platform, request: FastifyRequest): Promise<Identity> {
  const identity = await authenticate(platform, request);
  request.identity = identity;
  if (identity.kind === "anonymous") throw challenge(platform, request, [], "authentication required");
  return identity;
}

/**
 * Whether `identity` holds `permission` (in `project`): the same check as `authorize`, answered as a
 * boolean, for filtering a list (projects the caller may read) and for refusing grants wider than the
 * granter's own (a member or robot given permissions its creator does not hold).
 */
export async function holds(
  platform: Platform,
  identity: Identity,
  permission: Permission,
  project?: string,
): Promise<boolean> {
  return platform.authorizer.authorize(identity, { action: permission, ...(project ? { project } : {}) });
}
