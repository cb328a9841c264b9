import { LRUCache } from "lru-cache";
import { ttlClock } from "../../core/index.js";
import { ImageError } from "../errors.js";
import type { Challenge } from "./challenge.js";
import type { Credentials } from "./docker-config.js";

/**
 * Authorization for one registry host. Starts anonymous; the first 401 says which scheme the host
 * wants. Basic sends the credentials on every request. Bearer follows the Docker token flow
 * (distribution docs/spec/auth/token.md): GET <realm>?service=<service>&scope=<scope>..., with the
 * credentials as Basic when there are any, and caches each token per scope set until it expires
 * (expires_in, 60 s when absent, per the spec). Credentials never appear in messages.
 */
export type TokenFetcher = (url: string, headers: Record<string, string>) => Promise<Response>;

const DEFAULT_TOKEN_SECONDS = 60;
const EXPIRY_MARGIN_MS = 5_000;
/**
 * Scope sets whose tokens are kept. A long-lived client (a gate reading many repositories) asks for
 * one per repository; past this many the least recently used is dropped and fetched again if needed.
 */
const MAX_TOKENS = 256;

export class RegistryAuth {
  private scheme: "anonymous" | "basic" | "bearer" = "anonymous";
  private bearer: { realm: string; service?: string } | undefined;
  /** Tokens by scope set, each with its own TTL (lru-cache). */
  private readonly tokens: LRUCache<string, string>;

  constructor(
    private readonly host: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetcher,
    now?: () => number,
  ) {
    const perf = ttlClock(now);
    this.tokens = new LRUCache({ max: MAX_TOKENS, ttlResolution: 0, ...(perf ? { perf } : {}) });
  }

  private basicHeader(): string {
    const { username, password } = this.credentials!;
    return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }

  /** The Authorization header for a request needing `scopes`, if one is known already. */
  header(scopes: readonly string[]): string | undefined {
    if (this.scheme === "basic") return this.basicHeader();
    if (this.scheme === "bearer") {
      const token = this.tokens.get(scopes.join(" "));
      if (token !== undefined) return `Bearer ${token}`;
    }
    return undefined;
  }

  /**
   * Learns from a 401's challenge and gets what the retry needs. Returns false when there is
   * nothing new to try (the caller then fails with AUTH_FAILED).
   */
  async answer(challenge: Challenge | undefined, scopes: readonly string[]): Promise<boolean> {
    if (challenge?.scheme === "basic") {
      if (this.credentials === undefined || this.scheme === "basic") return false;
      this.scheme = "basic";
      return true;
    }
    if (challenge?.scheme === "bearer" && challenge.params.realm) {
      this.scheme = "bearer";
      this.bearer = {
        realm: challenge.params.realm,
        ...(challenge.params.service ? { service: challenge.params.service } : {}),
      };
      const wanted = new Set(scopes);
      if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) wanted.add(s);
      await this.requestToken(scopes, [...wanted]);
      return true;
    }
    return false;
  }

  private async requestToken(key: readonly string[], scopes: readonly string[]): Promise<void> {
    const url = new URL(this.bearer!.realm);
    if (this.bearer!.service) url.searchParams.set("service", this.bearer!.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.credentials !== undefined) headers.Authorization = this.basicHeader();
    let res: Response;
    try {
      res = await this.fetchToken(url.toString(), headers);
    } catch (err) {
      throw new ImageError(
        "REGISTRY_UNREACHABLE",
        `token server ${url.host} for ${this.host} is unreachable`,
        { cause: err },
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new ImageError(
        "AUTH_FAILED",
        `${url.host} refused a token for ${this.host}${this.credentials ? " with the given credentials" : " without credentials"} (HTTP ${res.status})`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ImageError("REGISTRY_ERROR", `token server ${url.host} answered HTTP ${res.status}`);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw new ImageError("REGISTRY_ERROR", `token server ${url.host} sent no JSON`, { cause: err });
    }
    const token =
      typeof body.token === "string"
        ? body.token
        : typeof body.access_token === "string"
          ? body.access_token
          : "";
    if (token === "") throw new ImageError("REGISTRY_ERROR", `token server ${url.host} sent no token`);
    const seconds =
      typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    this.tokens.set(key.join(" "), token, {
      ttl: Math.max(Math.round(seconds * 1000) - EXPIRY_MARGIN_MS, 1000),
    });
  }
}
