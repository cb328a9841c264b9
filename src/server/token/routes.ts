import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import {
  ANONYMOUS,
  AuthError,
  grantScopes,
  type Identity,
  parseScopes,
  type ResourceScope,
} from "../../auth/index.js";
import { authenticate } from "../authorize.js";
import { ServerError } from "../errors.js";

/**
 * The Docker token service (distribution `spec/auth/token.md` and `oauth.md`), in accounts mode:
 *
 *   GET  /token?service=&scope=&scope=&offline_token=&client_id=   Basic auth or anonymous
 *   POST /token   grant_type=password|refresh_token (form-encoded), client_id, scope, access_type
 *   GET  /token/jwks   (also /.well-known/jwks.json) the public keys tokens are signed with
 *
 * Grants are partial, never errors: what the caller may not do is left out of the token.
 */
export function registerTokenRoutes(app: FastifyInstance, platform: Platform): void {
  const identity = platform.identity;
  if (!identity) return;

  app.get("/token", async (request, reply) => {
    request.routeName = "token";
    const query = new URLSearchParams(request.url.slice(request.url.indexOf("?") + 1 || request.url.length));
    const caller = await basicOnly(platform, request);
    const scopes = query.getAll("scope").flatMap((s) => parseScopes(s));
    checkService(query.get("service"), identity.tokens.service);
    const { grantedScope: _, ...answer } = await issue(platform, caller, scopes, request.ip);
    if (query.get("offline_token") === "true" && caller.kind !== "anonymous" && caller.id !== undefined) {
      const refresh = await identity.store.createRefreshToken(
        { kind: caller.kind === "robot" ? "robot" : "user", id: caller.id },
        query.get("client_id") ?? "docker",
        identity.config.token.refreshTtlMs,
      );
      return reply.send({ ...answer, refresh_token: refresh });
    }
    return reply.send(answer);
  });

  // OAuth2 form posts: the only body this server parses as a form.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 16 * 1024 },
    (_r, body, done) => done(null, new URLSearchParams(body as string)),
  );

  app.post("/token", async (request, reply) => {
    request.routeName = "token";
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    if (!form)
      throw new ServerError(
        "INVALID_ARGUMENT",
        "POST /token takes an application/x-www-form-urlencoded body",
      );
    const clientId = form.get("client_id");
    if (!clientId) throw new ServerError("INVALID_ARGUMENT", "client_id is required");
    checkService(form.get("service"), identity.tokens.service);
    const scopes = parseScopes(form.get("scope") ?? "");
    const grant = form.get("grant_type");
    let caller: Identity | undefined;
    let refresh: string | undefined;
    if (grant === "password") {
      const username = form.get("username") ?? "";
      caller = await identity.authenticator.login(username, form.get("password") ?? "", request.ip);
      if (!caller) throw new AuthError("UNAUTHENTICATED", "wrong name or password");
      if (form.get("access_type") === "offline" && caller.id !== undefined) {
        refresh = await identity.store.createRefreshToken(
          { kind: caller.kind === "robot" ? "robot" : "user", id: caller.id },
          clientId,
          identity.config.token.refreshTtlMs,
        );
      }
    } else if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const holder = await identity.store.findRefreshToken(presented);
      caller = holder ? await principal(platform, holder) : undefined;
      if (!caller) throw new AuthError("UNAUTHENTICATED", "the refresh token is not valid");
      refresh = presented;
    } else if (grant === TOKEN_EXCHANGE) {
      // RFC 8693: a workload's own JWT for a registry token (no refresh token: the workload asks again).
      if (form.get("subject_token_type") !== JWT_TOKEN_TYPE) {
        throw new ServerError("INVALID_ARGUMENT", `subject_token_type must be ${JWT_TOKEN_TYPE}`);
      }
      caller = identity.authenticator.acceptsWorkloads
        ? await identity.authenticator.workloadLogin(form.get("subject_token") ?? "", request.ip)
        : undefined;
      if (!caller) throw new AuthError("UNAUTHENTICATED", "the subject token is not accepted");
    } else {
      throw new ServerError(
        "INVALID_ARGUMENT",
        `grant_type must be password, refresh_token or ${TOKEN_EXCHANGE}`,
      );
    }
    const answer = await issue(platform, caller, scopes, request.ip);
    return reply.send({
      ...answer,
      scope: answer.grantedScope,
      ...(refresh ? { refresh_token: refresh } : {}),
    });
  });

  const jwks = async () => identity.keys.jwks();
  app.get("/token/jwks", async (request) => {
    request.routeName = "token.jwks";
    return jwks();
  });
  app.get("/.well-known/jwks.json", async (request) => {
    request.routeName = "token.jwks";
    return jwks();
  });
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

/** GET /token authenticates with Basic only: a bearer token cannot mint another. */
async function basicOnly(platform: Platform, request: FastifyRequest): Promise<Identity> {
  const header = request.headers.authorization;
  if (!header) return ANONYMOUS;
  if (!/^basic /i.test(header))
    throw new AuthError("UNAUTHENTICATED", "the token endpoint takes Basic credentials");
  return authenticate(platform, request);
}

function checkService(asked: string | null, ours: string): void {
  if (asked !== null && asked !== ours) {
    throw new ServerError(
      "INVALID_ARGUMENT",
      `this token service issues tokens for service ${JSON.stringify(ours)}`,
    );
  }
}

async function principal(
  platform: Platform,
  holder: { kind: "user" | "robot"; id: number },
): Promise<Identity | undefined> {
  const store = platform.identity!.store;
  if (holder.kind === "robot") {
    const robot = await store.robotById(holder.id);
    if (!robot || robot.disabled || (robot.expiresAt !== null && robot.expiresAt <= Date.now()))
      return undefined;
    return { subject: robot.name, kind: "robot", id: robot.id, via: "secret" };
  }
  const user = await store.userById(holder.id);
  if (!user || user.disabled) return undefined;
  return { subject: user.name, kind: "user", id: user.id, via: "password" };
}

/** The requested actions the grant left out, as scopes (`repository:team/app:push`), or "". */
function refusedScopes(requested: readonly ResourceScope[], granted: readonly ResourceScope[]): string {
  return requested
    .map((scope) => {
      const held = granted.find((g) => g.type === scope.type && g.name === scope.name)?.actions ?? [];
      const missing = scope.actions.filter((action) => !held.includes(action));
      return missing.length > 0 ? `${scope.type}:${scope.name}:${missing.join(",")}` : "";
    })
    .filter((scope) => scope !== "")
    .join(" ");
}

async function issue(
  platform: Platform,
  caller: Identity,
  scopes: readonly ResourceScope[],
  address: string,
) {
  const identity = platform.identity!;
  const granted = await grantScopes(identity.access, caller, scopes);
  const issued = await identity.tokens.issue(caller.kind === "anonymous" ? "" : caller.subject, granted);
  const grantedScope = granted.map((s) => `${s.type}:${s.name}:${s.actions.join(",")}`).join(" ");
  if (caller.kind !== "anonymous") {
    const refused = refusedScopes(scopes, granted);
    identity.record({
      type: "token.issued",
      actor: caller.subject,
      target: grantedScope || "(no scope)",
      outcome: "allow",
      // What was asked and not granted, so the log shows a refused push, not only the pull it got.
      reason: `token for ${scopes.length} requested scope(s), ${granted.length} granted${refused ? `; refused ${refused}` : ""}`,
      address,
    });
  }
  return {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt,
    grantedScope,
  };
}
