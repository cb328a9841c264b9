import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import { AuthError, type PendingLogin, readCookie, WORKLOAD_USER } from "../../auth/index.js";
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
 *   POST /auth/login                        a local or directory account's name and password (JSON, or
 *                                           a form): the same session cookie as single sign-on
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

  app.post("/auth/login", async (request, reply) => {
    request.routeName = "auth.login";
    // Another site's page can post a form here; the browser names that page's origin, so only this
    // server's own pages (the console) may sign anyone in. The cookie is SameSite=Strict besides.
    if (!sameOrigin(request)) {
      throw new AuthError("DENIED", "sign-in is accepted only from this server's own pages (Origin)");
    }
    // A form is parsed by the server's one form parser (token/routes.ts); anything else is read as JSON.
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    const body: Record<string, unknown> = form ? Object.fromEntries(form) : await jsonBody(request);
    const username = typeof body.username === "string" ? body.username : "";
    const password = typeof body.password === "string" ? body.password : "";
    if (username === "" || password === "" || username.length > 256 || password.length > 1024) {
      throw new ServerError("INVALID_ARGUMENT", "give a username and a password");
    }
    if (username.startsWith("robot$") || username === WORKLOAD_USER || password.startsWith("pcu_")) {
      // Robots, workloads and access tokens are for scripts (Basic or Bearer); a browser session is a person's.
      throw new AuthError("UNAUTHENTICATED", "sign in with a user's name and password");
    }
    // The same check as Basic: throttled per account and address, every outcome in the audit log.
    const who = await identity.authenticator.login(username, password, request.ip);
    if (who?.kind !== "user" || who.id === undefined) {
      throw new AuthError("UNAUTHENTICATED", "wrong name or password");
    }
    setCookie(
      reply,
      SESSION_COOKIE,
      identity.sessions.seal({ uid: who.id, name: who.subject }, identity.config.sessionTtlMs),
      {
        path: "/",
        maxAgeMs: identity.config.sessionTtlMs,
        secure: secure(request),
        sameSite: "Strict",
      },
    );
    if (form)
      return reply.redirect(safeReturn(typeof body.return_to === "string" ? body.return_to : null), 303);
    return reply.send({ name: who.subject });
  });

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

/** The request's Origin is this server (scheme and host as the client addressed it). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  return typeof origin === "string" && typeof host === "string" && origin === `${request.protocol}://${host}`;
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  return readCookie(request.headers.cookie, name);
}

function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  options: { path: string; maxAgeMs: number; secure: boolean; sameSite?: "Strict" | "Lax" },
): void {
  // Lax by default: the OIDC callback arrives as a top-level navigation from the provider's site. A
  // password sign-in's session is Strict: only this server's own pages ever make the browser send it.
  const parts = [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`,
    "HttpOnly",
    `SameSite=${options.sameSite ?? "Lax"}`,
  ];
  if (options.secure) parts.push("Secure");
  const previous = reply.getHeader("set-cookie");
  const list = Array.isArray(previous) ? previous : previous ? [String(previous)] : [];
  reply.header("set-cookie", [...list, parts.join("; ")]);
}
