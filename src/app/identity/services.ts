import { randomBytes } from "node:crypto";
import { closeSync, constants, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { AuditLog } from "../../audit/index.js";
import {
  AccessControl,
  AccountStore,
  type AuthEvent,
  CookieSealer,
  KeyRing,
  LdapDirectory,
  LocalAuthenticator,
  LoginThrottle,
  OidcClient,
  parseWorkloadIssuers,
  TokenService,
  WorkloadVerifier,
} from "../../auth/index.js";
import { readRegularFile } from "../../core/index.js";
import type { Database } from "../../storage/index.js";
import { ConfigError, type ResolvedConfig } from "../config.js";

/** Everything accounts mode runs on: built once here, used by `serve`'s routes and the admin CLI. */
export interface IdentityServices {
  readonly store: AccountStore;
  readonly access: AccessControl;
  readonly authenticator: LocalAuthenticator;
  readonly tokens: TokenService;
  readonly keys: KeyRing;
  readonly throttle: LoginThrottle;
  /** Records an identity event (login, token, account change) in the audit log and the log. */
  record(event: AuthEvent): void;
  /**
   * Resolves once every event recorded so far is in the audit log (or its failure logged): a CLI
   * command that records and exits, and `close`, wait for it so no event is lost.
   */
  settled(): Promise<void>;
  readonly config: ResolvedConfig["auth"];
  /** Browser sessions after single sign-on (sealed cookies). */
  readonly sessions: CookieSealer;
  /** The OIDC login's state between the redirect and the callback. */
  readonly loginState: CookieSealer;
  /** `portcullis login --sso`: the code the browser hands the CLI on loopback, bound to its challenge. */
  readonly cliLogin: CookieSealer;
  /** The OpenID Connect provider, when single sign-on is configured. */
  readonly oidc?: OidcClient;
}

export interface IdentityOptions {
  /** How often the token signing keys are read again from the database (30 s; tests shorten it). */
  readonly keyRecheckMs?: number;
}

export function createIdentity(
  config: ResolvedConfig,
  database: Database,
  logger: Logger,
  audit: AuditLog,
  options: IdentityOptions = {},
): IdentityServices {
  const store = new AccountStore(database);
  const kek = readOrCreateKek(config.auth.keyFile);
  const sessions = new CookieSealer(kek, "session");
  const loginState = new CookieSealer(kek, "oidc-login");
  const cliLogin = new CookieSealer(kek, "cli-login");
  const oidcConfig = config.auth.oidc;
  const oidc = oidcConfig
    ? new OidcClient({
        issuer: oidcConfig.issuer,
        clientId: oidcConfig.clientId,
        clientSecret: readRegularFile(oidcConfig.clientSecretFile, { maxBytes: 4096 })
          .toString("utf8")
          .trim(),
        redirectUri: `${oidcConfig.publicUrl}/auth/oidc/callback`,
        scopes: oidcConfig.scopes,
        usernameClaim: oidcConfig.usernameClaim,
        groupsClaim: oidcConfig.groupsClaim,
      })
    : undefined;
  const keys = new KeyRing(database.db, kek, {
    ...(config.auth.token.signingKeyFile
      ? {
          signingKeyPem: readRegularFile(config.auth.token.signingKeyFile, { maxBytes: 64 * 1024 }).toString(
            "utf8",
          ),
        }
      : {}),
    keepRetiredMs: config.auth.token.ttlMs + 60_000,
    ...(options.keyRecheckMs !== undefined ? { recheckMs: options.keyRecheckMs } : {}),
  });
  const tokens = new TokenService(keys, {
    issuer: config.auth.token.issuer,
    service: config.auth.token.service,
    ttlMs: config.auth.token.ttlMs,
  });
  const throttle = new LoginThrottle(database.db, {
    accountAttempts: config.auth.lockout.attempts,
    addressAttempts: config.auth.lockout.attempts * 10,
    windowMs: config.auth.lockout.windowMs,
    lockMs: config.auth.lockout.durationMs,
  });
  const pending = new Set<Promise<unknown>>();
  const record = (event: AuthEvent) => {
    const line = {
      event: event.type,
      actor: event.actor,
      target: event.target,
      outcome: event.outcome,
      address: event.address,
    };
    if (event.outcome === "deny") logger.warn(line, event.reason);
    else logger.info(line, event.reason);
    const appended = audit
      .append({
        gate: "access",
        image: event.target,
        workload: event.type,
        actor: event.actor,
        effect: event.outcome,
        mode: "enforce",
        reason: event.reason,
        rules: [],
        ...(event.address ? { caller: `address:${event.address}` } : {}),
      })
      .catch((err) => logger.error({ err, event: event.type }, "recording an access event failed"))
      .finally(() => pending.delete(appended));
    pending.add(appended);
  };
  const workloads = config.auth.workloadIssuersFile
    ? new WorkloadVerifier(
        parseWorkloadIssuers(
          readRegularFile(config.auth.workloadIssuersFile, { maxBytes: 1024 * 1024 }).toString("utf8"),
          config.auth.workloadIssuersFile,
        ),
      )
    : undefined;
  const ldap = config.auth.ldap;
  const directory = ldap
    ? new LdapDirectory({
        url: ldap.url,
        bindDn: ldap.bindDn,
        bindPassword: ldap.bindPasswordFile
          ? readRegularFile(ldap.bindPasswordFile, { maxBytes: 4096 }).toString("utf8").trim()
          : "",
        userBase: ldap.userBase,
        userFilter: ldap.userFilter,
        ...(ldap.groupBase ? { groupBase: ldap.groupBase } : {}),
        groupFilter: ldap.groupFilter,
        groupAttribute: ldap.groupAttribute,
        startTls: ldap.startTls,
        ...(ldap.caFile
          ? { caPem: readRegularFile(ldap.caFile, { maxBytes: 1024 * 1024 }).toString("utf8") }
          : {}),
      })
    : undefined;
  const authenticator = new LocalAuthenticator({
    store,
    tokens,
    throttle,
    events: record,
    ...(workloads ? { workloads } : {}),
    ...(directory ? { directory } : {}),
    sessions,
  });
  return {
    store,
    access: new AccessControl(store),
    authenticator,
    tokens,
    keys,
    throttle,
    record,
    settled: async () => {
      await Promise.all([...pending]);
    },
    config: config.auth,
    sessions,
    loginState,
    cliLogin,
    ...(oidc ? { oidc } : {}),
  };
}

/**
 * The key-encryption key: 32 random bytes, base64, in a file only its owner may read. Created on first
 * use with O_EXCL (two replicas starting together cannot both write one); a file of another size is
 * refused rather than silently replaced, since that would make every sealed key unreadable.
 */
export function readOrCreateKek(file: string): Buffer {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new ConfigError(
        "CONFIG_INVALID",
        `cannot create auth.keyFile ${file}: ${(err as Error).message}`,
      );
    }
  }
  const key = Buffer.from(readRegularFile(file, { maxBytes: 1024 }).toString("utf8").trim(), "base64");
  if (key.length !== 32) {
    throw new ConfigError("CONFIG_INVALID", `auth.keyFile ${file} does not hold 32 bytes in base64`);
  }
  return key;
}
