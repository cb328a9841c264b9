import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Platform } from "../../app/index.js";
import { AuthError } from "../../auth/index.js";
import { authenticate } from "../authorize.js";
import { ServerError } from "../errors.js";
import { jsonBody } from "./json-body.js";

/** How long the browser's code is good for: the CLI redeems it the moment its loopback listener gets it. */
const CODE_TTL_MS = 2 * 60_000;
/** The personal access token `portcullis login --sso` gets, unless it asks for fewer days. */
const DEFAULT_TOKEN_DAYS = 90;
/** base64url of a SHA-256: what the CLI sends as its challenge, and the size of its verifier. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9_-]{43,128}$/;

/**
 * `portcullis login --sso`, the loopback flow of native apps (RFC 8252, with a PKCE-style proof):
 *
 *   GET  /auth/cli?port=P&challenge=C   in the browser: signs in with single sign-on when there is no
 *        session yet, then redirects to http://127.0.0.1:P/callback?code=... where the CLI listens
 *   POST /auth/cli/token {code, verifier, expiresInDays?}
 *        the CLI: the code and the verifier whose SHA-256 is C buy a personal access token, shown once
 *
 * The code is sealed (AES-GCM under the key-encryption key), names the user and the challenge, and lives
 * two minutes; nothing is stored until the token is made. A page of another site can send a signed-in
 * browser to /auth/cli, but the code then goes to that browser's own loopback, and without the verifier
 * of the challenge it buys nothing.
 */
export function registerCliLoginRoutes(app: FastifyInstance, platform: Platform): void {
  const identity = platform.identity;
  if (!identity) return;

  app.get("/auth/cli", async (request, reply) => {
    request.routeName = "auth.cli";
    const query = new URLSearchParams(request.url.split("?")[1] ?? "");
    const port = Number(query.get("port"));
    const challenge = query.get("challenge") ?? "";
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new ServerError("INVALID_ARGUMENT", "port must be the CLI's loopback port (1024 to 65535)");
    }
    if (!CHALLENGE.test(challenge)) {
      throw new ServerError("INVALID_ARGUMENT", "challenge must be a base64url SHA-256 (43 characters)");
    }
    const caller = await authenticate(platform, request);
    request.identity = caller;
    if (caller.kind === "anonymous") {
      if (!identity.oidc) {
        throw new AuthError("UNAUTHENTICATED", "single sign-on is not configured here (auth.oidc.issuer)");
      }
      const back = `/auth/cli?port=${port}&challenge=${challenge}`;
      return reply.redirect(`/auth/oidc/login?return_to=${encodeURIComponent(back)}`, 302);
    }
    if (caller.kind !== "user" || caller.id === undefined) {
      throw new AuthError("DENIED", "only a user signs in with portcullis login --sso");
    }
    const code = identity.cliLogin.seal({ uid: caller.id, challenge }, CODE_TTL_MS);
    return reply.redirect(`http://127.0.0.1:${port}/callback?code=${code}`, 302);
  });

  app.post("/auth/cli/token", async (request, reply) => {
    request.routeName = "auth.cli.token";
    const body = await jsonBody(request);
    const code = typeof body.code === "string" ? body.code : "";
    const verifier = typeof body.verifier === "string" ? body.verifier : "";
    const days = body.expiresInDays ?? DEFAULT_TOKEN_DAYS;
    if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 3650) {
      throw new ServerError(
        "INVALID_ARGUMENT",
        "expiresInDays must be a whole number of days from 1 to 3650",
      );
    }
    const sealed = code === "" ? undefined : identity.cliLogin.open(code);
    const challenge = typeof sealed?.challenge === "string" ? sealed.challenge : "";
    const uid = typeof sealed?.uid === "number" ? sealed.uid : undefined;
    const proof = createHash("sha256").update(verifier).digest("base64url");
    if (
      uid === undefined ||
      !VERIFIER.test(verifier) ||
      proof.length !== challenge.length ||
      !timingSafeEqual(Buffer.from(proof), Buffer.from(challenge))
    ) {
      identity.record({
        type: "login.failed",
        actor: "cli-sso",
        target: "cli-sso",
        outcome: "deny",
        reason: "portcullis login --sso: a code that is not ours, expired, or without its verifier",
        address: request.ip,
      });
      throw new AuthError(
        "UNAUTHENTICATED",
        "the sign-in code is not valid or has expired: run the login again",
      );
    }
    const user = await identity.store.userById(uid);
    if (!user || user.disabled) throw new AuthError("UNAUTHENTICATED", "the account is gone or disabled");
    const expiresAt = Date.now() + days * 86_400_000;
    const created = await identity.store.createUserToken(user.id, "portcullis login --sso", expiresAt);
    identity.record({
      type: "user.changed",
      actor: user.name,
      target: user.name,
      outcome: "allow",
      reason: `personal access token ${created.id} created by portcullis login --sso`,
      address: request.ip,
    });
    return reply.code(201).send({ username: user.name, id: created.id, expiresAt, token: created.token });
  });
}
