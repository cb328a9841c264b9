import { createHmac, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import { AuthError } from "../errors.js";
import type { AuthEventSink } from "../events.js";
import type { LdapDirectory } from "../ldap/directory.js";
import type { CookieSealer } from "../sessions.js";
import type { TokenService } from "../tokens/service.js";
import type { Authenticator, Credentials, Identity } from "../types.js";
import type { WorkloadVerifier } from "../workload/verifier.js";
import { hashPassword, needsRehash, secretMatches, verifyPassword } from "./passwords.js";
import { PrincipalCache } from "./principals.js";
import type { AccountStore } from "./store.js";
import type { LoginThrottle } from "./throttle.js";

/** The user name that says "the password is my workload's JWT". */
export const WORKLOAD_USER = "workload";

export const ANONYMOUS: Identity = { subject: "anonymous", kind: "anonymous", via: "none" };

/** What the record names instead of a login name no account has. */
const UNKNOWN_ACCOUNT = "(unknown account)";

/** Longest Authorization header read; anything longer is refused before it is decoded. */
const MAX_AUTHORIZATION = 8192;

/**
 * Who is asking, from the Authorization header: nothing (anonymous), Basic with a user's password or a
 * robot's secret, or Bearer with a token of our token service. The principal behind a token or a robot
 * secret is checked on every request, so a disabled user, a revoked or expired robot, or a deleted
 * account stops whatever tokens it still holds, at once on every replica (`PrincipalCache` remembers
 * principals until the account store announces a change or its revision moves).
 *
 * Password checks cost a scrypt derivation (~50 ms); a successful one is remembered for a few minutes
 * under an HMAC of the name, password and stored hash with a per-process key, so clients that send
 * Basic on every request (curl, the CLI) do not pay it each time, and a changed password misses.
 */
export class LocalAuthenticator implements Authenticator {
  private readonly verified = new LRUCache<string, true>({ max: 10_000, ttl: 5 * 60_000 });
  private readonly cacheKey = randomBytes(32);
  private decoy: Promise<string> | undefined;
  private readonly principals: PrincipalCache;

  constructor(
    private readonly deps: {
      readonly store: AccountStore;
      readonly tokens: TokenService;
      readonly throttle: LoginThrottle;
      readonly events?: AuthEventSink;
      /** Trusted workload issuers: Basic `workload:<JWT>` and the token-exchange grant. */
      readonly workloads?: WorkloadVerifier;
      /** An LDAP directory that checks the passwords of users it holds (and of no local user). */
      readonly directory?: LdapDirectory;
      /** Opens browser session cookies (after single sign-on). */
      readonly sessions?: CookieSealer;
      /** Principals remembered between requests (one over `store` by default). */
      readonly principals?: PrincipalCache;
    },
  ) {
    this.principals = deps.principals ?? new PrincipalCache(deps.store);
  }

  get acceptsWorkloads(): boolean {
    return this.deps.workloads !== undefined && !this.deps.workloads.empty;
  }

  async authenticate(credentials: Credentials): Promise<Identity | undefined> {
    const header = credentials.authorization;
    if ((header === undefined || header === "") && credentials.session && this.deps.sessions) {
      return this.session(credentials.session);
    }
    if (header === undefined || header === "") return ANONYMOUS;
    if (header.length > MAX_AUTHORIZATION) return undefined;
    const space = header.indexOf(" ");
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon <= 0) return undefined;
      return this.login(decoded.slice(0, colon), decoded.slice(colon + 1), credentials.remoteAddress);
    }
    if (scheme === "bearer") return this.bearer(value);
    return undefined;
  }

  /**
   * A name and a password or robot secret; undefined when wrong. Throws THROTTLED while the account or
   * the address is locked out.
   */
  async login(name: string, secret: string, address?: string): Promise<Identity | undefined> {
    if (name.startsWith("robot$")) return this.robotLogin(name, secret, address);
    if (name === WORKLOAD_USER && this.deps.workloads) return this.workloadLogin(secret, address);
    if (secret.startsWith("pcu_")) {
      // A personal access token in place of the password: SSO users' credentials for scripts.
      const owner = await this.deps.store.userForToken(name, secret);
      if (owner) return { subject: owner.name, kind: "user", id: owner.id, via: "secret" };
    }
    const keys = [`account:${name}`, ...(address ? [`address:${address}`] : [])];
    await this.deps.throttle.check(keys);
    const user = await this.deps.store.findUser(name);
    if (this.deps.directory && (!user || user.source === "ldap") && !user?.disabled) {
      return this.directoryLogin(name, secret, keys, address);
    }
    const cacheKey = user?.passwordHash
      ? createHmac("sha256", this.cacheKey)
          .update(`${name}\0${secret}\0${user.passwordHash}`)
          .digest("base64")
      : "";
    // The password is checked whether or not the account exists and may log in, so the answer takes
    // as long for a name no account has: its time does not tell which names exist.
    const matches =
      (cacheKey !== "" && this.verified.has(cacheKey)) ||
      (await verifyPassword(secret, user?.passwordHash ?? (await this.decoyHash())));
    const ok = user !== undefined && !user.disabled && user.passwordHash !== null && matches;
    if (!ok || !user) {
      const locked = await this.deps.throttle.fail(keys);
      // A name no account has is not recorded: people type their password into the name field.
      const who = user ? name : UNKNOWN_ACCOUNT;
      this.deps.events?.({
        type: "login.failed",
        actor: who,
        target: who,
        outcome: "deny",
        reason: !user ? "no such account" : user.disabled ? "account disabled" : "wrong password",
        ...(address ? { address } : {}),
      });
      this.reportLocked(
        locked.map((key) => (key === `account:${name}` ? `account:${who}` : key)),
        address,
      );
      return undefined;
    }
    if (!this.verified.has(cacheKey)) {
      this.verified.set(cacheKey, true);
      await this.deps.throttle.succeed(`account:${name}`);
      this.deps.events?.({
        type: "login.succeeded",
        actor: name,
        target: name,
        outcome: "allow",
        reason: "password",
        ...(address ? { address } : {}),
      });
      if (user.passwordHash && needsRehash(user.passwordHash)) {
        await this.deps.store.rehash(user.id, await hashPassword(secret));
      }
    }
    return {
      subject: user.name,
      kind: "user",
      id: user.id,
      via: "password",
      ...(user.mustChangePassword ? { mustChangePassword: true as const } : {}),
    };
  }

  /**
   * A user the LDAP directory holds: its bind decides the password, and each successful login brings
   * the user's directory groups up to date (so a grant to an LDAP group follows the directory).
   */
  private async directoryLogin(
    name: string,
    secret: string,
    keys: string[],
    address?: string,
  ): Promise<Identity | undefined> {
    const cacheKey = createHmac("sha256", this.cacheKey).update(`ldap\0${name}\0${secret}`).digest("base64");
    const cached = this.verified.has(cacheKey) ? await this.deps.store.findUser(name) : undefined;
    if (cached && !cached.disabled)
      return { subject: cached.name, kind: "user", id: cached.id, via: "password" };
    const found = await this.deps.directory!.authenticate(name, secret).catch((err: unknown) => {
      this.deps.events?.({
        type: "login.failed",
        actor: name,
        target: name,
        outcome: "deny",
        reason: `directory unavailable: ${(err as Error).message}`,
        ...(address ? { address } : {}),
      });
      return undefined;
    });
    const user = found
      ? await this.deps.store.syncExternalUser({
          name,
          source: "ldap",
          externalId: found.dn,
          groups: found.groups,
          ...(found.email ? { email: found.email } : {}),
        })
      : undefined;
    if (!user || user.disabled) {
      const locked = await this.deps.throttle.fail(keys);
      this.deps.events?.({
        type: "login.failed",
        actor: name,
        target: name,
        outcome: "deny",
        reason: "wrong name or password (directory)",
        ...(address ? { address } : {}),
      });
      this.reportLocked(locked, address);
      return undefined;
    }
    this.verified.set(cacheKey, true);
    await this.deps.throttle.succeed(`account:${name}`);
    this.deps.events?.({
      type: "login.succeeded",
      actor: name,
      target: name,
      outcome: "allow",
      reason: `directory, groups: ${found!.groups.join(", ") || "none"}`,
      ...(address ? { address } : {}),
    });
    return { subject: user.name, kind: "user", id: user.id, via: "password" };
  }

  /**
   * A workload's own JWT (a CI job's OIDC token, a Kubernetes service-account token) in place of a
   * password: `podman login -u workload -p "$CI_JOB_JWT"` works without any stored secret.
   */
  async workloadLogin(jwt: string, address?: string): Promise<Identity | undefined> {
    const result = await this.deps.workloads!.verify(jwt);
    if ("refused" in result) {
      this.deps.events?.({
        type: "login.failed",
        actor: WORKLOAD_USER,
        target: "workload",
        outcome: "deny",
        reason: result.refused,
        ...(address ? { address } : {}),
      });
      return undefined;
    }
    this.deps.events?.({
      type: "login.succeeded",
      actor: result.subject,
      target: result.rule,
      outcome: "allow",
      reason: "workload token",
      ...(address ? { address } : {}),
    });
    return result;
  }

  /** One `login.locked` event per key a failure has just locked (account or address). */
  private reportLocked(keys: readonly string[], address: string | undefined): void {
    for (const key of keys) {
      this.deps.events?.({
        type: "login.locked",
        actor: "system",
        target: key,
        outcome: "deny",
        reason: "too many failed logins",
        ...(address ? { address } : {}),
      });
    }
  }

  /** A hash of a random password with today's parameters, to check wrong names against. */
  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword(randomBytes(24).toString("base64"));
    return this.decoy;
  }

  private async robotLogin(name: string, secret: string, address?: string): Promise<Identity | undefined> {
    const robot = await this.principals.robot(name);
    const ok =
      robot !== undefined &&
      !robot.disabled &&
      (robot.expiresAt === null || robot.expiresAt > Date.now()) &&
      secretMatches(secret, robot.secretHash);
    if (!ok || !robot) {
      this.deps.events?.({
        type: "login.failed",
        actor: name,
        target: name,
        outcome: "deny",
        reason: !robot
          ? "no such robot"
          : robot.disabled
            ? "robot revoked"
            : robot.expiresAt !== null && robot.expiresAt <= Date.now()
              ? "robot expired"
              : "wrong secret",
        ...(address ? { address } : {}),
      });
      return undefined;
    }
    // Robots send their secret on every request: the login is recorded once per window, as a user's is.
    const seen = createHmac("sha256", this.cacheKey)
      .update(`robot\0${name}\0${robot.secretHash}`)
      .digest("base64");
    if (!this.verified.has(seen)) {
      this.verified.set(seen, true);
      this.deps.events?.({
        type: "login.succeeded",
        actor: name,
        target: name,
        outcome: "allow",
        reason: "robot secret",
        ...(address ? { address } : {}),
      });
    }
    return { subject: robot.name, kind: "robot", id: robot.id, via: "secret" };
  }

  private async session(sealed: string): Promise<Identity | undefined> {
    const value = this.deps.sessions!.open(sealed);
    if (!value || typeof value.uid !== "number") return undefined;
    const user = await this.deps.store.userById(value.uid);
    if (!user || user.disabled || user.name !== value.name) return undefined;
    return {
      subject: user.name,
      kind: "user",
      id: user.id,
      via: "session",
      ...(user.mustChangePassword ? { mustChangePassword: true as const } : {}),
    };
  }

  private async bearer(token: string): Promise<Identity | undefined> {
    let verified: Awaited<ReturnType<TokenService["verify"]>>;
    try {
      verified = await this.deps.tokens.verify(token);
    } catch (err) {
      if (err instanceof AuthError) return undefined;
      throw err;
    }
    if (verified.subject === "") return { ...ANONYMOUS, via: "token", tokenAccess: verified.access };
    if (verified.subject.startsWith("workload:")) {
      return { subject: verified.subject, kind: "workload", via: "token", tokenAccess: verified.access };
    }
    if (verified.subject.startsWith("robot$")) {
      const robot = await this.principals.robot(verified.subject);
      if (!robot || robot.disabled || (robot.expiresAt !== null && robot.expiresAt <= Date.now()))
        return undefined;
      return { subject: robot.name, kind: "robot", id: robot.id, via: "token", tokenAccess: verified.access };
    }
    const user = await this.principals.user(verified.subject);
    if (!user || user.disabled) return undefined;
    return { subject: user.name, kind: "user", id: user.id, via: "token", tokenAccess: verified.access };
  }
}
