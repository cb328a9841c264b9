import { createRequire } from "node:module";
import { resolve } from "node:path";
import { PortcullisError, parseByteSize, parseDuration, readRegularFile } from "../core/index.js";
import type { DriverName, S3Settings } from "../storage/index.js";
import { CONFIG_KEYS, type ConfigKey, envName } from "./config-keys.js";

export class ConfigError extends PortcullisError<"CONFIG_INVALID"> {}

/** The S3 driver's settings plus how blob GETs may be redirected to the bucket. */
export interface S3Config extends S3Settings {
  readonly presignedRedirects: boolean;
  readonly presignExpiryMs: number;
}

/** The read-only configuration every part of the platform is built from; every default applied. */
export interface ResolvedConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Beyond loopback with anonymous access (`server.insecurePublic`). */
    readonly insecurePublic: boolean;
    /** Beyond loopback in accounts mode without TLS (`server.insecureHttp`). */
    readonly insecureHttp: boolean;
    readonly shutdownTimeoutMs: number;
    /** No body byte for this long cuts the request off (0: never). */
    readonly bodyIdleTimeoutMs: number;
    /** Bytes per second a body must average over each `bodyIdleTimeoutMs` (0: no minimum). */
    readonly bodyMinBytesPerSecond: number;
    /** Open connections at most, in total and from one address (0: no cap). */
    readonly maxConnections: number;
    readonly maxConnectionsPerAddress: number;
  };
  readonly storage: {
    readonly dataDir: string;
    readonly driver: DriverName;
    readonly fsync: boolean;
    /** Set with `storage.driver: s3`. */
    readonly s3?: S3Config;
  };
  readonly database: { readonly url: string; readonly poolSize: number };
  readonly registry: {
    readonly deletion: boolean;
    readonly maxManifestBytes: number;
    readonly uploadExpiryMs: number;
    readonly gc: { readonly intervalMs: number; readonly gracePeriodMs: number };
    readonly retention: { readonly intervalMs: number };
    readonly pullRecordIntervalMs: number;
  };
  readonly proxy: {
    readonly defaultProject?: string;
    readonly scanWaitMs: number;
    readonly recheckIntervalMs: number;
  };
  readonly scan: {
    readonly onPush: boolean;
    readonly advisoryDatabase: string;
    readonly concurrency: number;
    readonly recheckIntervalMs: number;
    /** Largest selected file a scan keeps (the walker's and the catalogers' limit). */
    readonly maxFileBytes: number;
  };
  readonly policy: {
    /** Policy file paths, resolved; absent: no gate. */
    readonly push?: string;
    readonly pull?: string;
    /** The folder of named policies (certified images only), resolved; absent: none. */
    readonly library?: string;
    readonly decisionCacheMs: number;
    readonly reloadIntervalMs: number;
    /** Bounds on what a pull decision reads from signature and attestation artifacts. */
    readonly evidence: {
      readonly maxLayersPerArtifact: number;
      readonly maxPayloadBytes: number;
      readonly maxManifestBytes: number;
      readonly maxReferrers: number;
      readonly maxBytesPerDigest: number;
    };
  };
  /** Signature verification material the server trusts. */
  readonly trust: {
    /** The Sigstore trusted root file for keyless signers, resolved; absent: none. */
    readonly trustedRoot?: string;
  };
  /** Runtime ingestion (Falco, Kubernetes audit): body bounds in bytes, requests per minute per caller. */
  readonly runtime: {
    readonly falcoMaxBodyBytes: number;
    readonly auditMaxBodyBytes: number;
    readonly ratePerMinute: number;
  };
  readonly audit: {
    /** Where `serve` appends checkpoints of the decision log's head, resolved; absent: none. */
    readonly checkpointFile?: string;
    readonly checkpointIntervalMs: number;
    /** Forwarding of the record to syslog (audit.syslog.*); absent: none. */
    readonly syslog?: {
      readonly url: string;
      /** The pinned CA file, resolved. */
      readonly caFile?: string;
      readonly facility: number;
      readonly appName: string;
    };
    /** Retention of the record; neither set: keep everything. */
    readonly retention: { readonly maxAgeMs?: number; readonly keep?: number };
  };
  readonly webhooks: {
    /** Finished deliveries older than this are deleted (0: never). */
    readonly deliveryRetentionMs: number;
  };
  readonly log: { readonly level: string; readonly format: "auto" | "pretty" | "json" };
  readonly auth: {
    readonly mode: "anonymous" | "accounts";
    /** The key-encryption key file, resolved. */
    readonly keyFile: string;
    readonly token: {
      readonly issuer: string;
      readonly service: string;
      readonly realm?: string;
      readonly ttlMs: number;
      readonly refreshTtlMs: number;
      readonly signingKeyFile?: string;
    };
    readonly lockout: { readonly attempts: number; readonly windowMs: number; readonly durationMs: number };
    /** The LDAP directory, when `auth.ldap.url` is set. */
    readonly ldap?: {
      readonly url: string;
      readonly bindDn: string;
      readonly bindPasswordFile?: string;
      readonly userBase: string;
      readonly userFilter: string;
      readonly groupBase?: string;
      readonly groupFilter: string;
      readonly groupAttribute: string;
      readonly startTls: boolean;
      readonly caFile?: string;
    };
    /** OpenID Connect single sign-on, when `auth.oidc.issuer` is set. */
    readonly oidc?: {
      readonly issuer: string;
      readonly clientId: string;
      readonly clientSecretFile: string;
      readonly publicUrl: string;
      readonly scopes: readonly string[];
      readonly usernameClaim: string;
      readonly groupsClaim: string;
    };
    readonly sessionTtlMs: number;
    /** Trusted workload issuers file, resolved; absent: no workload identity. */
    readonly workloadIssuersFile?: string;
  };
  /** HTTPS for `serve`: the certificate and key files, resolved, and how often to look for changes. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly reloadIntervalMs: number };
}

export interface ConfigSources {
  /** Path of a YAML file (`--config`). */
  readonly file?: string;
  /** Environment (defaults to process.env); only PORTCULLIS_* keys are read. */
  readonly env?: Record<string, string | undefined>;
  /** Values from command-line flags, by key path (`server.listen`), highest precedence. */
  readonly flags?: Record<string, string | number | boolean | undefined>;
}

type Value = string | number | boolean;

/** defaults < file < environment < flags; each value validated with a message naming its key and source. */
export function resolveConfig(sources: ConfigSources = {}): ResolvedConfig {
  const values = new Map<string, Value>();
  for (const key of CONFIG_KEYS) {
    if (key.default !== undefined) values.set(key.path, coerce(key, key.default, `default of ${key.path}`));
  }
  if (sources.file) {
    for (const [path, value] of Object.entries(readConfigFile(sources.file))) {
      values.set(path, coerce(keyFor(path, sources.file), value, `${sources.file}: ${path}`));
    }
  }
  const env = sources.env ?? process.env;
  for (const key of CONFIG_KEYS) {
    const raw = env[envName(key.path)];
    if (raw !== undefined && raw !== "")
      values.set(key.path, coerce(key, raw, `${envName(key.path)} (${key.path})`));
  }
  for (const [path, raw] of Object.entries(sources.flags ?? {})) {
    if (raw !== undefined) values.set(path, coerce(keyFor(path, "flags"), raw, `flag for ${path}`));
  }
  return build(values);
}

function build(values: Map<string, Value>): ResolvedConfig {
  const str = (path: string) => values.get(path) as string;
  const bool = (path: string) => values.get(path) as boolean;
  const num = (path: string) => values.get(path) as number;
  const { host, port } = parseListen(str("server.listen"));
  const dataDir = resolve(str("storage.dataDir"));
  return {
    server: {
      host,
      port,
      insecurePublic: bool("server.insecurePublic"),
      insecureHttp: bool("server.insecureHttp"),
      shutdownTimeoutMs: num("server.shutdownTimeout"),
      bodyIdleTimeoutMs: num("server.bodyIdleTimeout"),
      bodyMinBytesPerSecond: num("server.bodyMinRate"),
      maxConnections: num("server.maxConnections"),
      maxConnectionsPerAddress: num("server.maxConnectionsPerAddress"),
    },
    storage: {
      dataDir,
      driver: str("storage.driver") as DriverName,
      fsync: bool("storage.fsync"),
      ...s3Config(values),
    },
    database: {
      url: (values.get("database.url") as string | undefined) ?? `${dataDir}/portcullis.db`,
      poolSize: num("database.poolSize"),
    },
    registry: {
      deletion: bool("registry.deletion"),
      maxManifestBytes: num("registry.maxManifestSize"),
      uploadExpiryMs: num("registry.uploadExpiry"),
      gc: { intervalMs: num("registry.gc.interval"), gracePeriodMs: num("registry.gc.gracePeriod") },
      retention: { intervalMs: num("registry.retention.interval") },
      pullRecordIntervalMs: num("registry.pullRecordInterval"),
    },
    proxy: {
      ...(values.has("proxy.defaultProject") ? { defaultProject: str("proxy.defaultProject") } : {}),
      scanWaitMs: num("proxy.scanWait"),
      recheckIntervalMs: num("proxy.recheckInterval"),
    },
    scan: {
      onPush: bool("scan.onPush"),
      advisoryDatabase: resolve(
        (values.get("scan.advisoryDatabase") as string | undefined) ?? `${dataDir}/advisories.db`,
      ),
      concurrency: Math.max(1, num("scan.concurrency")),
      recheckIntervalMs: num("scan.recheckInterval"),
      maxFileBytes: num("scan.maxFileBytes"),
    },
    trust: values.has("trust.trustedRoot") ? { trustedRoot: resolve(str("trust.trustedRoot")) } : {},
    policy: {
      ...(values.has("policy.push") ? { push: resolve(str("policy.push")) } : {}),
      ...(values.has("policy.pull") ? { pull: resolve(str("policy.pull")) } : {}),
      ...(values.has("policy.library") ? { library: resolve(str("policy.library")) } : {}),
      decisionCacheMs: num("policy.decisionCache"),
      reloadIntervalMs: num("policy.reloadInterval"),
      evidence: {
        maxLayersPerArtifact: num("policy.evidence.maxLayersPerArtifact"),
        maxPayloadBytes: num("policy.evidence.maxPayloadSize"),
        maxManifestBytes: num("policy.evidence.maxManifestSize"),
        maxReferrers: num("policy.evidence.maxReferrers"),
        maxBytesPerDigest: num("policy.evidence.maxBytesPerDigest"),
      },
    },
    runtime: {
      falcoMaxBodyBytes: num("runtime.falcoMaxBody"),
      auditMaxBodyBytes: num("runtime.auditMaxBody"),
      ratePerMinute: num("runtime.rateLimit"),
    },
    audit: {
      ...(values.has("audit.checkpointFile") ? { checkpointFile: resolve(str("audit.checkpointFile")) } : {}),
      checkpointIntervalMs: num("audit.checkpointInterval"),
      ...(values.has("audit.syslog.url")
        ? {
            syslog: {
              url: str("audit.syslog.url"),
              ...(values.has("audit.syslog.ca") ? { caFile: resolve(str("audit.syslog.ca")) } : {}),
              facility: num("audit.syslog.facility"),
              appName: str("audit.syslog.appName"),
            },
          }
        : {}),
      retention: {
        ...(values.has("audit.retention.maxAge") ? { maxAgeMs: num("audit.retention.maxAge") } : {}),
        ...(values.has("audit.retention.keep") ? { keep: num("audit.retention.keep") } : {}),
      },
    },
    webhooks: { deliveryRetentionMs: num("webhooks.deliveryRetention") },
    log: { level: str("log.level"), format: str("log.format") as "auto" | "pretty" | "json" },
    auth: {
      mode: str("auth.mode") as "anonymous" | "accounts",
      keyFile: resolve((values.get("auth.keyFile") as string | undefined) ?? `${dataDir}/auth.key`),
      token: {
        issuer: str("auth.token.issuer"),
        service: str("auth.token.service"),
        ...(values.has("auth.token.realm") ? { realm: str("auth.token.realm") } : {}),
        ttlMs: Math.max(60_000, num("auth.token.ttl")),
        refreshTtlMs: num("auth.token.refreshTtl"),
        ...(values.has("auth.token.signingKeyFile")
          ? { signingKeyFile: resolve(str("auth.token.signingKeyFile")) }
          : {}),
      },
      ...ldapConfig(values),
      ...oidcConfig(values),
      sessionTtlMs: num("auth.session.ttl"),
      ...(values.has("auth.workloadIssuersFile")
        ? { workloadIssuersFile: resolve(str("auth.workloadIssuersFile")) }
        : {}),
      lockout: {
        attempts: Math.max(1, num("auth.lockout.attempts")),
        windowMs: num("auth.lockout.window"),
        durationMs: num("auth.lockout.duration"),
      },
    },
    ...tlsFiles(values),
  };
}

function ldapConfig(values: Map<string, Value>): { ldap?: NonNullable<ResolvedConfig["auth"]["ldap"]> } {
  const get = (key: string) => values.get(`auth.ldap.${key}`) as string | undefined;
  const url = get("url");
  if (url === undefined) return {};
  const userBase = get("userBase");
  if (userBase === undefined)
    throw new ConfigError("CONFIG_INVALID", "auth.ldap.url is set but auth.ldap.userBase is not");
  const bindPasswordFile = get("bindPasswordFile");
  const groupBase = get("groupBase");
  const caFile = get("caFile");
  return {
    ldap: {
      url,
      bindDn: get("bindDn") ?? "",
      ...(bindPasswordFile ? { bindPasswordFile: resolve(bindPasswordFile) } : {}),
      userBase,
      userFilter: get("userFilter")!,
      ...(groupBase ? { groupBase } : {}),
      groupFilter: get("groupFilter")!,
      groupAttribute: get("groupAttribute")!,
      startTls: values.get("auth.ldap.startTls") as boolean,
      ...(caFile ? { caFile: resolve(caFile) } : {}),
    },
  };
}

function s3Config(values: Map<string, Value>): { s3?: S3Config } {
  if (values.get("storage.driver") !== "s3") return {};
  const get = (key: string) => values.get(`storage.s3.${key}`) as string | undefined;
  const bucket = get("bucket");
  if (bucket === undefined)
    throw new ConfigError("CONFIG_INVALID", "storage.driver is s3 but storage.s3.bucket is not set");
  const accessKeyId = get("accessKeyId");
  const secretAccessKey = get("secretAccessKey");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      "CONFIG_INVALID",
      "storage.s3.accessKeyId and storage.s3.secretAccessKey must be set together (or neither, for the AWS SDK's own chain)",
    );
  }
  const endpoint = get("endpoint");
  const presignExpiryMs = values.get("storage.s3.presignExpiry") as number;
  // SigV4 presigned URLs live 7 days at most; S3 refuses longer ones when they are used.
  if (presignExpiryMs < 1000 || presignExpiryMs > 7 * 24 * 3_600_000) {
    throw new ConfigError("CONFIG_INVALID", "storage.s3.presignExpiry must be between 1s and 7d");
  }
  return {
    s3: {
      ...(endpoint ? { endpoint: endpoint.replace(/\/+$/, "") } : {}),
      region: get("region")!,
      bucket,
      prefix: (get("prefix") ?? "").replace(/^\/+|\/+$/g, ""),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      forcePathStyle: values.get("storage.s3.forcePathStyle") as boolean,
      maxConnections: Math.max(1, values.get("storage.s3.maxConnections") as number),
      presignedRedirects: values.get("storage.s3.presignedRedirects") as boolean,
      presignExpiryMs,
    },
  };
}

function oidcConfig(values: Map<string, Value>): { oidc?: NonNullable<ResolvedConfig["auth"]["oidc"]> } {
  const get = (key: string) => values.get(`auth.oidc.${key}`) as string | undefined;
  const issuer = get("issuer");
  if (issuer === undefined) return {};
  const missing = ["clientId", "clientSecretFile", "publicUrl"].filter((k) => get(k) === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `auth.oidc.issuer is set but ${missing.map((k) => `auth.oidc.${k}`).join(", ")} ${missing.length > 1 ? "are" : "is"} not`,
    );
  }
  return {
    oidc: {
      issuer,
      clientId: get("clientId")!,
      clientSecretFile: resolve(get("clientSecretFile")!),
      publicUrl: get("publicUrl")!.replace(/\/+$/, ""),
      scopes: get("scopes")!.split(/\s+/).filter(Boolean),
      usernameClaim: get("usernameClaim")!,
      groupsClaim: get("groupsClaim")!,
    },
  };
}

function tlsFiles(values: Map<string, Value>): {
  tls?: { certFile: string; keyFile: string; reloadIntervalMs: number };
} {
  const cert = values.get("server.tlsCert") as string | undefined;
  const key = values.get("server.tlsKey") as string | undefined;
  if (cert === undefined && key === undefined) return {};
  if (cert === undefined || key === undefined) {
    throw new ConfigError(
      "CONFIG_INVALID",
      "server.tlsCert and server.tlsKey go together: give both, or neither",
    );
  }
  return {
    tls: {
      certFile: resolve(cert),
      keyFile: resolve(key),
      reloadIntervalMs: values.get("server.tlsReloadInterval") as number,
    },
  };
}

/** Reads a YAML file into dotted key paths, refusing unknown keys by name. */
function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    // A regular file of at most 1 MiB: a FIFO or /dev/zero is refused by name, never waited on or read.
    text = readRegularFile(file, { maxBytes: 1024 * 1024 }).toString("utf8");
  } catch (err) {
    throw new ConfigError("CONFIG_INVALID", `cannot read config file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let doc: unknown;
  try {
    // Loaded only when a file is given: most deployments run on defaults and environment variables.
    const { parse } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    doc = parse(text);
  } catch (err) {
    throw new ConfigError("CONFIG_INVALID", `${file}: invalid YAML: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError("CONFIG_INVALID", `${file}: the top level must be a mapping of sections`);
  }
  const flat: Record<string, unknown> = {};
  const known = new Set(CONFIG_KEYS.map((k) => k.path));
  const sections = new Set(
    CONFIG_KEYS.flatMap((k) =>
      k.path
        .split(".")
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join(".")),
    ),
  );
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (sections.has(path) && value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, path);
      } else if (known.has(path)) {
        flat[path] = value;
      } else {
        throw new ConfigError("CONFIG_INVALID", `${file}: unknown key ${path}${suggest(path)}`);
      }
    }
  };
  walk(doc as Record<string, unknown>, "");
  return flat;
}

function keyFor(path: string, source: string): ConfigKey {
  const key = CONFIG_KEYS.find((k) => k.path === path);
  if (!key) throw new ConfigError("CONFIG_INVALID", `${source}: unknown key ${path}${suggest(path)}`);
  return key;
}

function suggest(path: string): string {
  const leaf = path.split(".").pop()!.toLowerCase();
  const near = CONFIG_KEYS.find((k) => k.path.split(".").pop()!.toLowerCase() === leaf);
  return near ? ` (did you mean ${near.path}?)` : "";
}

function coerce(key: ConfigKey, raw: unknown, where: string): Value {
  const fail = (expected: string): never => {
    throw new ConfigError("CONFIG_INVALID", `${where}: expected ${expected}, got ${JSON.stringify(raw)}`);
  };
  const type = key.type;
  if (typeof type === "object") {
    if (typeof raw !== "string" || !type.enum.includes(raw)) return fail(`one of ${type.enum.join(", ")}`);
    return raw;
  }
  switch (type) {
    case "string":
      if (typeof raw !== "string" || raw === "") return fail("a non-empty string");
      return raw;
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1" || raw === "yes") return true;
      if (raw === "false" || raw === "0" || raw === "no") return false;
      return fail("true or false");
    case "integer": {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && /^\d+$/.test(raw)
            ? Number(raw)
            : Number.NaN;
      if (!Number.isSafeInteger(n) || n < 0) return fail("a non-negative integer");
      return n;
    }
    case "duration":
    case "size":
      if (typeof raw !== "string" && typeof raw !== "number")
        return fail(type === "duration" ? "a duration such as 24h" : "a size such as 4MiB");
      try {
        return type === "duration" ? parseDuration(raw) : parseByteSize(raw);
      } catch (err) {
        throw new ConfigError("CONFIG_INVALID", `${where}: ${(err as Error).message}`, { cause: err });
      }
  }
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = listen.match(/^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `server.listen: expected HOST:PORT, got ${JSON.stringify(listen)}`,
    );
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

/** Loopback addresses: the only ones `serve` binds to while authentication is anonymous. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
