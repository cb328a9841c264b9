import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { AuthError } from "../errors.js";

export interface OidcOptions {
  /** The provider's issuer URL, exactly as its discovery document states it. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where the provider sends the browser back: `<public URL>/auth/oidc/callback`. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** The ID-token claim that names the user (default `preferred_username`). */
  readonly usernameClaim: string;
  /** The claim listing the user's groups (default `groups`); they become Portcullis groups. */
  readonly groupsClaim: string;
  readonly timeoutMs?: number;
}

/** What the browser must bring back: kept sealed in a cookie between login and callback. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export interface OidcUser {
  readonly subject: string;
  readonly username: string;
  readonly email?: string;
  readonly groups: readonly string[];
}

interface Discovery {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
}

/**
 * OpenID Connect single sign-on as a relying party: the authorization-code flow with PKCE (S256),
 * `state` against login CSRF and `nonce` against ID-token replay, the code exchanged with the client
 * secret, and the ID token verified with the provider's published keys (issuer, audience = our client
 * id, `azp` when several audiences, expiry). The provider's endpoints come from its discovery
 * document, whose `issuer` must be the one configured (OpenID Connect Discovery §4.3).
 */
export class OidcClient {
  private discovery: Promise<Discovery> | undefined;
  private keys: JWTVerifyGetKey | undefined;

  constructor(private readonly options: OidcOptions) {}

  async start(): Promise<{ readonly url: string; readonly pending: PendingLogin }> {
    const meta = await this.discover();
    const pending: PendingLogin = {
      state: randomBytes(24).toString("base64url"),
      nonce: randomBytes(24).toString("base64url"),
      verifier: randomBytes(48).toString("base64url"),
    };
    const url = new URL(meta.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes.join(" "),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: createHash("sha256").update(pending.verifier).digest("base64url"),
      code_challenge_method: "S256",
    }).toString();
    return { url: url.toString(), pending };
  }

  async finish(query: URLSearchParams, pending: PendingLogin): Promise<OidcUser> {
    if (query.get("error"))
      throw new AuthError("UNAUTHENTICATED", `the identity provider refused: ${query.get("error")}`);
    if (query.get("state") !== pending.state)
      throw new AuthError("UNAUTHENTICATED", "the login state does not match (start the login again)");
    const code = query.get("code");
    if (!code) throw new AuthError("UNAUTHENTICATED", "the identity provider sent no code");
    const meta = await this.discover();
    const response = await fetch(meta.token_endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: this.options.redirectUri,
        code_verifier: pending.verifier,
      }).toString(),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    if (!response.ok)
      throw new AuthError(
        "UNAUTHENTICATED",
        `the identity provider refused the code (HTTP ${response.status})`,
      );
    const body = (await response.json()) as { id_token?: unknown };
    if (typeof body.id_token !== "string")
      throw new AuthError("UNAUTHENTICATED", "the identity provider sent no ID token");
    this.keys ??= createRemoteJWKSet(new URL(meta.jwks_uri), {
      timeoutDuration: this.options.timeoutMs ?? 10_000,
    });
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(body.id_token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.clientId,
        algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
        requiredClaims: ["sub", "exp", "iat"],
        clockTolerance: 30,
      }));
    } catch (err) {
      throw new AuthError("UNAUTHENTICATED", `the ID token is not valid: ${(err as Error).message}`);
    }
    if (claims.nonce !== pending.nonce)
      throw new AuthError("UNAUTHENTICATED", "the ID token's nonce does not match");
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audiences.length > 1 && claims.azp !== this.options.clientId) {
      throw new AuthError("UNAUTHENTICATED", "the ID token was issued to another party (azp)");
    }
    const username = claims[this.options.usernameClaim];
    if (typeof username !== "string" || username === "") {
      throw new AuthError(
        "UNAUTHENTICATED",
        `the ID token has no ${this.options.usernameClaim} claim to name the user`,
      );
    }
    const groups = claims[this.options.groupsClaim];
    const email = claims.email;
    return {
      subject: String(claims.sub),
      username,
      ...(typeof email === "string" ? { email } : {}),
      groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [],
    };
  }

  private discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const url = `${this.options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
      if (!response.ok)
        throw new AuthError("UNAUTHENTICATED", `cannot read ${url} (HTTP ${response.status})`);
      const meta = (await response.json()) as Discovery;
      if (meta.issuer !== this.options.issuer) {
        throw new AuthError(
          "UNAUTHENTICATED",
          `the provider says its issuer is ${meta.issuer}, not ${this.options.issuer}`,
        );
      }
      return meta;
    })().catch((err) => {
      this.discovery = undefined;
      throw err;
    });
    return this.discovery;
  }
}
