import { drivers } from "../storage/index.js";

/**
 * Every configuration key, in one table: its type, default and meaning. The YAML file, the
 * PORTCULLIS_* environment variables, the validation messages and the README's reference are
 * all derived from it, so they cannot drift apart.
 */
export type KeyType = "string" | "boolean" | "integer" | "duration" | "size" | { enum: readonly string[] };

export interface ConfigKey {
  readonly path: string;
  readonly type: KeyType;
  readonly default: string | number | boolean | undefined;
  readonly description: string;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    path: "server.listen",
    type: "string",
    default: "127.0.0.1:5000",
    description: "HOST:PORT to listen on.",
  },
  {
    path: "server.insecurePublic",
    type: "boolean",
    default: false,
    description:
      "Allow listening beyond loopback with auth.mode anonymous, where anyone who can reach the port may push and delete.",
  },
  {
    path: "server.insecureHttp",
    type: "boolean",
    default: false,
    description:
      "Allow listening beyond loopback with auth.mode accounts over plain HTTP (without server.tlsCert): passwords and tokens cross the network in clear unless a TLS-terminating proxy sits in front.",
  },
  {
    path: "server.shutdownTimeout",
    type: "duration",
    default: "30s",
    description: "How long a graceful shutdown (`serve`, `admission serve`) waits for requests in flight.",
  },
  {
    path: "server.bodyIdleTimeout",
    type: "duration",
    default: "60s",
    description:
      "A request body that sends no byte for this long is cut off (a chunked upload keeps its last acknowledged offset and can resume); 0 disables it.",
  },
  {
    path: "server.bodyMinRate",
    type: "size",
    default: "1KiB",
    description:
      "Bytes per second a request body must average over every server.bodyIdleTimeout, or it is cut off: a trickle cannot hold a connection for ever, while a large push over a slow link still completes (no total time limit); 0 disables it.",
  },
  {
    path: "server.maxConnections",
    type: "integer",
    default: 2048,
    description:
      "Open client connections at most; beyond it a new connection is answered 503 UNAVAILABLE with Retry-After and closed (0: no cap). Keep it below the process's open-file limit (`ulimit -n`).",
  },
  {
    path: "server.maxConnectionsPerAddress",
    type: "integer",
    default: 256,
    description:
      "Open connections at most from one client address; beyond it a new connection is answered 429 TOOMANYREQUESTS with Retry-After and closed (0: no cap; behind a reverse proxy every client shares its address).",
  },
  {
    path: "storage.dataDir",
    type: "string",
    default: "./data",
    description: "Folder for blobs and the SQLite database.",
  },
  {
    path: "storage.driver",
    type: { enum: Object.keys(drivers) },
    default: "local",
    description:
      "Blob store: `local` (a folder under dataDir), `s3` (an S3-compatible bucket: storage.s3.*) or `memory` (tests only, lost on exit).",
  },
  {
    path: "storage.fsync",
    type: "boolean",
    default: true,
    description: "fsync blobs before they become visible (durable across power loss, not only crashes).",
  },
  {
    path: "storage.s3.endpoint",
    type: "string",
    default: undefined,
    description: "`http(s)://HOST:PORT` of an S3-compatible server (Ceph RGW, MinIO); unset: AWS S3 itself.",
  },
  {
    path: "storage.s3.region",
    type: "string",
    default: "us-east-1",
    description: "Region the requests are signed for.",
  },
  {
    path: "storage.s3.bucket",
    type: "string",
    default: undefined,
    description: "Bucket the blobs live in (required with storage.driver s3; it must exist).",
  },
  {
    path: "storage.s3.prefix",
    type: "string",
    default: undefined,
    description:
      "Key prefix every object is stored under, so one bucket can hold several registries (default: none).",
  },
  {
    path: "storage.s3.accessKeyId",
    type: "string",
    default: undefined,
    description:
      "Access key; unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, instance roles).",
  },
  {
    path: "storage.s3.secretAccessKey",
    type: "string",
    default: undefined,
    description:
      "Secret key, with storage.s3.accessKeyId (prefer the environment variable to the file). Never logged.",
  },
  {
    path: "storage.s3.forcePathStyle",
    type: "boolean",
    default: false,
    description: "Put the bucket in the URL path rather than the host name: what Ceph RGW and MinIO need.",
  },
  {
    path: "storage.s3.maxConnections",
    type: "integer",
    default: 32,
    description: "Requests to the store in flight at most from this process.",
  },
  {
    path: "storage.s3.presignedRedirects",
    type: "boolean",
    default: false,
    description:
      "Answer an authorised blob GET with a 307 to a presigned URL of the bucket, so the bytes bypass this process (clients must reach the store).",
  },
  {
    path: "storage.s3.presignExpiry",
    type: "duration",
    default: "5m",
    description: "How long a presigned blob URL stays valid.",
  },
  {
    path: "database.url",
    type: "string",
    default: undefined,
    description:
      "Metadata database: a `postgres://` URL, or a SQLite file path (default: DATADIR/portcullis.db).",
  },
  {
    path: "database.poolSize",
    type: "integer",
    default: 10,
    description: "PostgreSQL connection pool size.",
  },
  {
    path: "registry.deletion",
    type: "boolean",
    default: true,
    description: "Allow DELETE of manifests, tags and blobs (405 UNSUPPORTED when false).",
  },
  {
    path: "registry.maxManifestSize",
    type: "size",
    default: "4MiB",
    description: "Largest manifest accepted (413 beyond).",
  },
  {
    path: "registry.uploadExpiry",
    type: "duration",
    default: "24h",
    description: "An upload idle this long is discarded by garbage collection.",
  },
  {
    path: "registry.gc.interval",
    type: "duration",
    default: "1h",
    description: "How often online garbage collection runs inside `serve` (0 disables it).",
  },
  {
    path: "registry.gc.gracePeriod",
    type: "duration",
    default: "1h",
    description: "Unreferenced blobs younger than this are kept (they may belong to a push in flight).",
  },
  {
    path: "registry.retention.interval",
    type: "duration",
    default: "24h",
    description:
      "How often `serve` runs every project's retention rules, the first time 10 minutes after it starts (accounts mode; a project without rules is never touched; each deletion is in the audit log); 0 disables the schedule (runs on request still work).",
  },
  {
    path: "registry.pullRecordInterval",
    type: "duration",
    default: "10s",
    description:
      "How often pull times noted in memory are written to the database (for retention's pulled rules); a manifest's pull time is written at most once a minute however often it is pulled.",
  },
  {
    path: "scan.onPush",
    type: "boolean",
    default: true,
    description:
      "Scan every pushed image in the background: SBOM stored as a referrer, vulnerability report served by the API.",
  },
  {
    path: "scan.advisoryDatabase",
    type: "string",
    default: undefined,
    description: "The advisory database file that `db import` fills (default: DATADIR/advisories.db).",
  },
  {
    path: "scan.concurrency",
    type: "integer",
    default: 1,
    description: "Images scanned at once by scan on push.",
  },
  {
    path: "scan.maxFileBytes",
    type: "size",
    default: "64MiB",
    description:
      "Largest package database, manifest or program a scan reads (each is held in memory while read). A larger one makes the scan incomplete, which gates fail unless the policy says allowIncomplete.",
  },
  {
    path: "scan.recheckInterval",
    type: "duration",
    default: "5m",
    description:
      "How often `serve` looks for a changed advisory database and re-matches every stored SBOM (0 disables it).",
  },
  {
    path: "policy.push",
    type: "string",
    default: undefined,
    description:
      "Policy file the registry asks before storing a pushed image manifest (kind `registry-push`); unset: no push gate.",
  },
  {
    path: "policy.pull",
    type: "string",
    default: undefined,
    description:
      "Policy file the registry asks before serving an image manifest (kind `registry-pull`); unset: no pull gate.",
  },
  {
    path: "policy.library",
    type: "string",
    default: undefined,
    description:
      'Folder of named policies for projects\' "certified images only" setting: every `NAME.yaml` in it is the policy NAME (`examples/policies/library/` holds `signed` and `scanned`). A project whose settings name one (`portcullis project set team --certified-policy signed`) has it asked on every push and pull besides policy.push and policy.pull; a name not loaded refuses both. Followed like policy.push: a file that stops loading keeps its previous version, a new file is added, a removed one is forgotten.',
  },
  {
    path: "proxy.defaultProject",
    type: "string",
    default: undefined,
    description:
      "Transparent mirror: the proxy project that /v2/ names whose first part is no project go to (`alpine` → `PROJECT/alpine`), as podman's registries.conf mirrors and containerd's hosts.toml send them; containerd's `?ns=HOST` picks the proxy project bound to HOST without it.",
  },
  {
    path: "proxy.scanWait",
    type: "duration",
    default: "60s",
    description:
      "How long a first pull through a proxy project waits for the scans of the images it copied in; past it, a pull the policy refuses while the scan runs is refused as `scan pending, retry`.",
  },
  {
    path: "proxy.recheckInterval",
    type: "duration",
    default: "30s",
    description:
      "A cached proxy tag is checked against the upstream (HEAD) at most once per this; an upstream that does not answer serves the cached copy.",
  },
  {
    path: "trust.trustedRoot",
    type: "string",
    default: undefined,
    description:
      "Sigstore trusted root file (trusted_root.json: Fulcio CAs, Rekor and CT log keys) for keyless signers of policy.pull and policy.library policies, as `verify --trusted-root`; read at startup, a file that does not load stops `serve`. Unset: keyless signers verify nothing, with that reason.",
  },
  {
    path: "policy.decisionCache",
    type: "duration",
    default: "10s",
    description:
      "How long a pull decision is reused for the same repository and digest (0 disables the cache).",
  },
  {
    path: "policy.evidence.maxLayersPerArtifact",
    type: "integer",
    default: 64,
    description:
      "Distinct layers the pull gate reads from one cosign `.sig`/`.att` manifest (the first and last halves beyond it); more makes the evidence incomplete, which fails a signature or attestation requirement.",
  },
  {
    path: "policy.evidence.maxPayloadSize",
    type: "size",
    default: "1MiB",
    description: "Largest signature payload, DSSE envelope or Sigstore bundle blob the pull gate reads.",
  },
  {
    path: "policy.evidence.maxManifestSize",
    type: "size",
    default: "4MiB",
    description: "Largest signature, attestation or referrer manifest the pull gate reads.",
  },
  {
    path: "policy.evidence.maxReferrers",
    type: "integer",
    default: 64,
    description: "Sigstore bundle referrers the pull gate reads per digest.",
  },
  {
    path: "policy.evidence.maxBytesPerDigest",
    type: "size",
    default: "4MiB",
    description:
      "Bytes of signature and attestation blobs the pull gate reads per digest (each blob once); a decision reads at most 9 digests (the image and 8 indexes listing it).",
  },
  {
    path: "policy.reloadInterval",
    type: "duration",
    default: "10s",
    description:
      "How often `serve` looks for changes to policy.push, policy.pull, policy.library and their key files (0: only on SIGHUP); a change that does not load is refused and the previous policy stays.",
  },
  {
    path: "audit.checkpointFile",
    type: "string",
    default: undefined,
    description:
      "File `serve` appends audit-log checkpoints to (JSON lines, fsync'd; relative to the working directory); put it where the database's operators cannot rewrite it. Unset: no checkpoints.",
  },
  {
    path: "audit.checkpointInterval",
    type: "duration",
    default: "1m",
    description:
      "How often `serve` appends a checkpoint when the audit log's head moved (and once at shutdown; 0: only at shutdown).",
  },
  {
    path: "audit.syslog.url",
    type: "string",
    default: undefined,
    description:
      "Forward every entry of the one record to a syslog receiver: `tcp://host:port` or `tls://host:port` (RFC 5425, default port 6514), as RFC 5424 messages with octet-counting framing, at least once, resuming from a stored cursor. Unset: no forwarding. On PostgreSQL replicas elect one forwarder (a session advisory lock); another takes over when it stops.",
  },
  {
    path: "audit.syslog.ca",
    type: "string",
    default: undefined,
    description:
      "PEM file of the CA(s) a `tls://` syslog receiver's certificate must chain to (pinned: the system's CAs are then not trusted). Unset: the system's CAs.",
  },
  {
    path: "audit.syslog.facility",
    type: "integer",
    default: 13,
    description: "RFC 5424 facility of forwarded entries, 0 to 23 (13: log audit).",
  },
  {
    path: "audit.syslog.appName",
    type: "string",
    default: "portcullis",
    description: "APP-NAME of forwarded entries (at most 48 printable ASCII characters).",
  },
  {
    path: "audit.retention.maxAge",
    type: "duration",
    default: undefined,
    description:
      "Prune the one record's entries older than this (e.g. 400d) once an hour: their text is deleted, their leaf hashes stay, so proofs and `audit verify` against older checkpoints still hold. Unset: keep everything.",
  },
  {
    path: "audit.retention.keep",
    type: "integer",
    default: undefined,
    description:
      "Prune all but the newest N entries of the one record once an hour (with audit.retention.maxAge too: whichever prunes less). Unset: no count limit.",
  },
  {
    path: "webhooks.deliveryRetention",
    type: "duration",
    default: "30d",
    description:
      "How long finished webhook deliveries (delivered or failed) and their attempts are kept; pending ones stay until done. Checked once an hour (0: keep forever).",
  },
  {
    path: "runtime.falcoMaxBody",
    type: "size",
    default: "1MiB",
    description:
      "Largest body `POST /api/v1/runtime/falco` reads (one Falco alert or a list); larger ones are refused with 413.",
  },
  {
    path: "runtime.auditMaxBody",
    type: "size",
    default: "10MiB",
    description:
      "Largest Kubernetes audit EventList `POST /api/v1/runtime/k8s-audit` reads; larger ones are refused with 413.",
  },
  {
    path: "runtime.rateLimit",
    type: "integer",
    default: 600,
    description:
      "Runtime ingestion requests per minute one caller (a user or robot, or an address when anonymous) may make, both endpoints together; past it 429 with Retry-After (0: no limit).",
  },
  {
    path: "auth.mode",
    type: { enum: ["anonymous", "accounts"] },
    default: "anonymous",
    description:
      "`anonymous`: every request may do everything (loopback only, the default for a first run); `accounts`: users, robots and projects with roles, Docker token auth (see README, Running Portcullis for a team).",
  },
  {
    path: "auth.keyFile",
    type: "string",
    default: undefined,
    description:
      "The key-encryption key that seals the token service's signing keys in the database (32 random bytes, base64); created with mode 0600 when missing. Default: `auth.key` in storage.dataDir. Keep it out of database backups.",
  },
  {
    path: "auth.token.issuer",
    type: "string",
    default: "portcullis",
    description: "The `iss` claim of registry tokens, and the only issuer accepted.",
  },
  {
    path: "auth.token.service",
    type: "string",
    default: "portcullis",
    description: "The service name of the registry's token challenge and the tokens' `aud` claim.",
  },
  {
    path: "auth.token.realm",
    type: "string",
    default: undefined,
    description:
      "The token endpoint's URL the registry's 401 challenge names; default: this server's `/token` at the address the client used.",
  },
  {
    path: "auth.token.ttl",
    type: "duration",
    default: "5m",
    description: "Lifetime of a registry token (at least 60 s, as the token specification requires).",
  },
  {
    path: "auth.token.refreshTtl",
    type: "duration",
    default: "30d",
    description: "Lifetime of a refresh token (`offline_token=true`, `access_type=offline`).",
  },
  {
    path: "auth.token.signingKeyFile",
    type: "string",
    default: undefined,
    description:
      "A PEM EC P-256 private key to sign tokens with instead of the generated one (for registries that trust a certificate of it, such as CNCF Distribution's `rootcertbundle`).",
  },
  {
    path: "auth.workloadIssuersFile",
    type: "string",
    default: undefined,
    description:
      "YAML file of trusted workload issuers (CI systems, Kubernetes service accounts): their JWTs are exchanged for registry tokens with the rule's grants.",
  },
  {
    path: "auth.ldap.url",
    type: "string",
    default: undefined,
    description:
      "LDAP server (`ldap://host:389` or `ldaps://host:636`) whose users log in with their directory password; unset: no LDAP.",
  },
  {
    path: "auth.ldap.bindDn",
    type: "string",
    default: undefined,
    description: "The service account that searches for users (unset: search anonymously).",
  },
  {
    path: "auth.ldap.bindPasswordFile",
    type: "string",
    default: undefined,
    description: "File holding the service account's password (never the password itself in the config).",
  },
  {
    path: "auth.ldap.userBase",
    type: "string",
    default: undefined,
    description: "Where users are searched, e.g. `ou=people,dc=example,dc=org`.",
  },
  {
    path: "auth.ldap.userFilter",
    type: "string",
    default: "(uid={username})",
    description: "The user search filter; `{username}` is the escaped login name.",
  },
  {
    path: "auth.ldap.groupBase",
    type: "string",
    default: undefined,
    description: "Where groups are searched (unset: no groups from LDAP).",
  },
  {
    path: "auth.ldap.groupFilter",
    type: "string",
    default: "(member={dn})",
    description: "The group search filter; `{dn}` is the user's escaped DN, `{username}` the login name.",
  },
  {
    path: "auth.ldap.groupAttribute",
    type: "string",
    default: "cn",
    description: "The group attribute that names it in Portcullis.",
  },
  {
    path: "auth.ldap.startTls",
    type: "boolean",
    default: false,
    description: "Upgrade an `ldap://` connection with StartTLS.",
  },
  {
    path: "auth.ldap.caFile",
    type: "string",
    default: undefined,
    description: "PEM CA certificate(s) to verify the LDAP server's certificate.",
  },
  {
    path: "auth.oidc.issuer",
    type: "string",
    default: undefined,
    description:
      "OpenID Connect provider for single sign-on (its issuer URL, as its discovery document states it); unset: no SSO.",
  },
  {
    path: "auth.oidc.clientId",
    type: "string",
    default: undefined,
    description: "This server's client id at the provider.",
  },
  {
    path: "auth.oidc.clientSecretFile",
    type: "string",
    default: undefined,
    description: "File holding the client secret.",
  },
  {
    path: "auth.oidc.publicUrl",
    type: "string",
    default: undefined,
    description: "This server's URL as browsers reach it (the callback is `<publicUrl>/auth/oidc/callback`).",
  },
  {
    path: "auth.oidc.scopes",
    type: "string",
    default: "openid profile email groups",
    description: "Scopes asked for, space-separated.",
  },
  {
    path: "auth.oidc.usernameClaim",
    type: "string",
    default: "preferred_username",
    description: "The ID-token claim that names the user.",
  },
  {
    path: "auth.oidc.groupsClaim",
    type: "string",
    default: "groups",
    description:
      "The ID-token claim listing the user's groups (they become Portcullis groups; grant roles to them).",
  },
  {
    path: "auth.session.ttl",
    type: "duration",
    default: "8h",
    description: "How long a browser session after single sign-on lasts.",
  },
  {
    path: "auth.lockout.attempts",
    type: "integer",
    default: 10,
    description:
      "Failed password logins for one account within auth.lockout.window that lock it (an address: ten times as many).",
  },
  {
    path: "auth.lockout.window",
    type: "duration",
    default: "15m",
    description: "The window failed logins are counted in.",
  },
  {
    path: "auth.lockout.duration",
    type: "duration",
    default: "15m",
    description: "How long a locked account or address is refused.",
  },
  {
    path: "server.tlsCert",
    type: "string",
    default: undefined,
    description: "PEM certificate chain for HTTPS (with server.tlsKey); reloaded when the files change.",
  },
  {
    path: "server.tlsKey",
    type: "string",
    default: undefined,
    description: "PEM private key for HTTPS.",
  },
  {
    path: "server.tlsReloadInterval",
    type: "duration",
    default: "10s",
    description:
      "How often `serve` looks for changes to server.tlsCert and server.tlsKey (0: only on SIGHUP); a pair that does not load is refused and the previous certificate is still served.",
  },
  {
    path: "log.level",
    type: { enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] },
    default: "info",
    description: "Log level (pino).",
  },
  {
    path: "log.format",
    type: { enum: ["auto", "pretty", "json"] },
    default: "auto",
    description:
      "Log lines as JSON (one object a line, for machines) or pretty (time, level, message, fields, for people); auto: pretty when standard output is a terminal.",
  },
];

/** `registry.gc.gracePeriod` → `PORTCULLIS_REGISTRY_GC_GRACE_PERIOD`. */
export function envName(path: string): string {
  return `PORTCULLIS_${path
    .split(".")
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
    .join("_")}`;
}
