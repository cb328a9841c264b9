import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import { AuthError, type PendingLogin, readCookie } from "../../auth/index.js";
import { authorize } from "../authorize.js";
import { ServerError } from "../errors.js";
import { registerCliLoginRoutes } from "./cli-login.js";
import { jsonBody } from "./json-body.js";

export const SESSION_COOKIE = "pc_session";
const LOGIN_COOKIE = "pc_oidc";
const LOGIN_TTL_MS = 10 * 60_000;

/**
 * Browser sign-in and a user's own credentials, in accounts mode:
 *
 *   GET  /auth/oidc/login?return_to=/path   redirect to the OpenID provider (code flow with PKCE)
 *   GET  /auth/oidc/callback                the provider's answer: a session cookie, back to return_to
 *   POST /auth/logout                       ends the browser session
 *   GET|POST /api/v1/me/tokens, DELETE /api/v1/me/tokens/{id}
 *        personal access tokens: what an SSO user gives the CLI, scripts and `podman login`, which does
 *        not die with the ID token (the token is the password, shown once)
 */
export function registerAuthRoutes(app: FastifyInstance, platform: Platform): void {
  const identity = platform.identity;
  if (!identity) return;
  const secure = (request: FastifyRequest) => request.protocol === "https";

  if (identity.oidc) {
    const oidc = identity.oidc;
    app.get("/auth/oidc/login", async (request, reply) => {
      request.routeName = "auth.oidc.login";
      const returnTo = safeReturn(new URLSearchParams(request.url.split("?")[1] ?? "").get("return_to"));
      const { url, pending } = await oidc.start();
      setCookie(reply, LOGIN_COOKIE, identity.loginState.seal({ ...pending, returnTo }, LOGIN_TTL_MS), {
        path: "/auth/oidc",
        maxAgeMs: LOGIN_TTL_MS,
        secure: secure(request),
      });
      return reply.redirect(url, 302);
    });

    app.get("/auth/oidc/callback", async (request, reply) => {
      request.routeName = "auth.oidc.callback";
      const sealed = cookie(request, LOGIN_COOKIE);
      const state = sealed ? identity.loginState.open(sealed) : undefined;
      if (!state)
        throw new AuthError(
          "UNAUTHENTICATED",
          "the sign-in took too long or was not started here: start it again",
        );
      const query = new URLSearchParams(request.url.split("?")[1] ?? "");
      let user: Awaited<ReturnType<typeof oidc.finish>>;
      try {
        user = await oidc.finish(query, state as unknown as PendingLogin);
      } catch (err) {
        identity.record({
          type: "login.failed",
          actor: "oidc",
          target: "oidc",
          outcome: "deny",
          reason: (err as Error).message,
          address: request.ip,
        });
        throw err;
      }
      const record = await identity.store.syncExternalUser({
        name: user.username,
        source: "oidc",
        externalId: user.subject,
        groups: user.groups,
        ...(user.email ? { email: user.email } : {}),
      });
      if (!record || record.disabled) {
        identity.record({
          type: "login.failed",
          actor: user.username,
          target: user.username,
          outcome: "deny",
          reason: record ? "account disabled" : "a local account has that name",
          address: request.ip,
        });
        throw new AuthError(
          "DENIED",
          `${user.username} cannot sign in with single sign-on here (a local account has that name, or it is disabled)`,
        );
      }
      identity.record({
        type: "login.succeeded",
        actor: record.name,
        target: record.name,
        outcome: "allow",
        reason: `single sign-on, groups: ${user.groups.join(", ") || "none"}`,
        address: request.ip,
      });
      setCookie(reply, LOGIN_COOKIE, "", { path: "/auth/oidc", maxAgeMs: 0, secure: secure(request) });
      setCookie(
        reply,
        SESSION_COOKIE,
        identity.sessions.seal({ uid: record.id, name: record.name }, identity.config.sessionTtlMs),
        {
          path: "/",
          maxAgeMs: identity.config.sessionTtlMs,
          secure: secure(request),
        },
      );
      return reply.redirect(typeof state.returnTo === "string" ? state.returnTo : "/", 302);
    });
  }

  app.post("/auth/logout", async (request, reply) => {
    request.routeName = "auth.logout";
    setCookie(reply, SESSION_COOKIE, "", { path: "/", maxAgeMs: 0, secure: secure(request) });
    return reply.code(204).send();
  });

  app.get("/api/v1/me/tokens", async (request, reply) => {
    request.routeName = "api.me.tokens";
    const user = await currentUser(platform, request);
    return reply.send({ tokens: await identity.store.listUserTokens(user) });
  });

  app.post("/api/v1/me/tokens", async (request, reply) => {
    request.routeName = "api.me.tokens";
    const user = await currentUser(platform, request);
    const body = await jsonBody(request);
    const name = typeof body.name === "string" ? body.name : "";
    const days = body.expiresInDays;
    if (
      days !== undefined &&
      (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 3650)
    ) {
      throw new ServerError(
        "INVALID_ARGUMENT",
        "expiresInDays must be a whole number of days from 1 to 3650",
      );
    }
    const expiresAt = typeof days === "number" ? Date.now() + days * 86_400_000 : null;
    const created = await identity.store.createUserToken(user, name, expiresAt);
    identity.record({
      type: "user.changed",
      actor: request.identity.subject,
      target: request.identity.subject,
      outcome: "allow",
      reason: `personal access token ${created.id} (${name}) created`,
      address: request.ip,
    });
    return reply.code(201).send({ id: created.id, name, expiresAt, token: created.token });
  });

  app.delete("/api/v1/me/tokens/:id", async (request, reply) => {
    request.routeName = "api.me.tokens";
    const user = await currentUser(platform, request);
    const id = Number((request.params as { id: string }).id);
    if (!Number.isInteger(id)) throw new ServerError("INVALID_ARGUMENT", "the token id is a number");
    await identity.store.deleteUserToken(user, id);
    identity.record({
      type: "user.changed",
      actor: request.identity.subject,
      target: request.identity.subject,
      outcome: "allow",
      reason: `personal access token ${id} deleted`,
      address: request.ip,
    });
    return reply.code(204).send();
  });

  registerCliLoginRoutes(app, platform);
}

/** The signed-in user's id: any authenticated user manages only their own tokens. */
async function currentUser(platform: Platform, request: FastifyRequest): Promise<number> {
  await authorize(platform, request, undefined, "pull", true);
  const identity = request.identity;
  if (identity.kind !== "user" || identity.id === undefined) {
    throw new AuthError("UNAUTHENTICATED", "sign in as a user to manage personal access tokens");
  }
  return identity.id;
}

/** Only a path on this server: `//evil.example` and absolute URLs would make the login an open redirect. */
function safeReturn(value: string | null): string {
  return value?.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  return readCookie(request.headers.cookie, name);
}

function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: { path: string; maxAgeMs: number; secure: boolean },
): void {
  // Lax, not Strict: the OIDC callback arrives as a top-level navigation from the provider's site.
  const parts = [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.secure) parts.push("Secure");
  const previous = reply.getHeader("set-cookie");
  const list = Array.isArray(previous) ? previous : previous ? [String(previous)] : [];
  reply.header("set-cookie", [...list, parts.join("; ")]);
}
