import { hash, randomBytes } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { AuthError } from "../errors.js";
import type { ResourceScope } from "../scope.js";
import type { KeyRing } from "./keys.js";

export interface TokenServiceOptions {
  /** The `iss` claim, and the only issuer verification accepts. */
  readonly issuer: string;
  /** The `aud` claim: the registry's service name, as its challenge announces it. */
  readonly service: string;
  readonly ttlMs: number;
  /** Clock skew allowed for `nbf` and `exp`. */
  readonly leewayMs?: number;
  /** Tokens whose verification is remembered until they expire (10,000; 0 turns the memory off). */
  readonly verifiedCacheSize?: number;
  readonly now?: () => number;
}

/** A verified token remembered: what it says, the key it was signed with, and when it stops counting. */
interface Remembered {
  readonly verified: VerifiedToken;
  readonly kid: string;
  readonly expiresAt: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly issuedAt: string;
}

export interface VerifiedToken {
  readonly subject: string;
  readonly access: readonly ResourceScope[];
  readonly jti: string;
  readonly issuedAt: number;
}

/**
 * Docker registry tokens (distribution `spec/auth/jwt.md`): an ES256 JWT with `typ: JWT` and the
 * signing key's `kid`, claims `iss`, `sub` (empty for anonymous), `aud` (one string: Distribution 2.x
 * reads it as a string), `exp`, `nbf`, `iat`, `jti` and `access` (what was granted). Verification pins
 * the algorithm, the issuer and the audience, so `alg: none`, another issuer's token or a token for
 * another service are refused.
 */
export class TokenService {
  /**
   * Clients send the same token with every request until it expires (docker and podman hold it for
   * its lifetime): its signature is checked once (an ES256 verification costs more than the rest of
   * a small blob's authorisation) and remembered under a hash of the token, never the token itself.
   * Only the signature and claims are remembered: the key must still verify on every use (a key
   * retired past its grace stops its tokens at once), and the principal is looked up per request by
   * the authenticator, so revocation is unaffected.
   */
  private readonly remembered: LRUCache<string, Remembered> | undefined;

  constructor(
    private readonly keys: KeyRing,
    private readonly options: TokenServiceOptions,
  ) {
    const size = options.verifiedCacheSize ?? 10_000;
    this.remembered = size > 0 ? new LRUCache({ max: size }) : undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get service(): string {
    return this.options.service;
  }

  async issue(subject: string, access: readonly ResourceScope[], now = Date.now()): Promise<IssuedToken> {
    const key = await this.keys.signingKey();
    const iat = Math.floor(now / 1000);
    const expiresIn = Math.max(60, Math.floor(this.options.ttlMs / 1000));
    const token = await new SignJWT({
      access: access.map((s) => ({ type: s.type, name: s.name, actions: [...s.actions] })),
    })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(subject)
      .setAudience(this.options.service)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + expiresIn)
      .setJti(randomBytes(16).toString("base64url"))
      .sign(key.privateKey);
    return { token, expiresIn, issuedAt: new Date(iat * 1000).toISOString() };
  }

  async verify(token: string): Promise<VerifiedToken> {
    const cacheKey = this.remembered ? hash("sha256", token, "base64") : "";
    const known = this.remembered?.get(cacheKey);
    if (known) {
      if (this.now() < known.expiresAt && (await this.keys.verificationKey(known.kid))) return known.verified;
      this.remembered!.delete(cacheKey);
    }
    const verified = await this.verifyAfresh(token);
    this.remembered?.set(cacheKey, verified);
    return verified.verified;
  }

  private async verifyAfresh(token: string): Promise<Remembered> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== "ES256")
        throw new AuthError("TOKEN_INVALID", `token algorithm ${String(header.alg)} is not accepted`);
      kid = header.kid;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      throw new AuthError("TOKEN_INVALID", "the bearer token is not a JWT");
    }
    const key = kid ? await this.keys.verificationKey(kid) : undefined;
    if (!key)
      throw new AuthError("TOKEN_INVALID", "the bearer token was not signed by a key of this service");
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ["ES256"],
        issuer: this.options.issuer,
        audience: this.options.service,
        typ: "JWT",
        clockTolerance: Math.floor((this.options.leewayMs ?? 30_000) / 1000),
        requiredClaims: ["exp", "nbf", "iat", "jti", "sub"],
        currentDate: new Date(this.now()),
      });
      return {
        verified: {
          subject: String(payload.sub ?? ""),
          access: readAccess(payload.access),
          jti: String(payload.jti),
          issuedAt: Number(payload.iat) * 1000,
        },
        kid: kid!,
        // Remembered until `exp` (without the leeway: a remembered token never outlives a fresh check).
        expiresAt: Number(payload.exp) * 1000,
      };
    } catch (err) {
      const reason =
        err instanceof joseErrors.JWTExpired
          ? "the bearer token has expired"
          : err instanceof joseErrors.JWTClaimValidationFailed
            ? `the bearer token's ${err.claim} claim is not accepted`
            : "the bearer token's signature or claims are invalid";
      throw new AuthError("TOKEN_INVALID", reason);
    }
  }
}

function readAccess(value: unknown): ResourceScope[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const e = entry as { type?: unknown; name?: unknown; actions?: unknown };
    if (typeof e?.type !== "string" || typeof e.name !== "string" || !Array.isArray(e.actions)) return [];
    return [
      { type: e.type, name: e.name, actions: e.actions.filter((a): a is string => typeof a === "string") },
    ];
  });
}
