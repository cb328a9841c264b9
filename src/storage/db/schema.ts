import type { Generated } from "kysely";

/**
 * The metadata schema, one set of tables for SQLite and PostgreSQL. Times are epoch milliseconds
 * (bigint columns, read back as numbers) so both dialects compare them the same way.
 * Blob bytes live in the blob store; manifest bytes live here, so a manifest, its references and
 * its tags change in one transaction.
 */
export interface Schema {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_refs: ManifestRefsTable;
  tags: TagsTable;
  uploads: UploadsTable;
  scan_reports: ScanReportsTable;
  decisions: DecisionsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  roles: RolesTable;
  robots: RobotsTable;
  refresh_tokens: RefreshTokensTable;
  token_keys: TokenKeysTable;
  login_failures: LoginFailuresTable;
  auth_state: AuthStateTable;
  user_tokens: UserTokensTable;
  project_content: ProjectContentTable;
  project_usage: ProjectUsageTable;
  grafeas_occurrences: GrafeasOccurrencesTable;
  grafeas_notes: GrafeasNotesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  notified_criticals: NotifiedCriticalsTable;
  record_entries: RecordEntriesTable;
  record_nodes: RecordNodesTable;
  record_keys: RecordKeysTable;
  record_cursors: RecordCursorsTable;
  rate_limit_windows: RateLimitWindowsTable;
  proxy_credentials: ProxyCredentialsTable;
  jobs: JobsTable;
  replication_rules: ReplicationRulesTable;
  replication_runs: ReplicationRunsTable;
  replication_results: ReplicationResultsTable;
}

export interface RepositoriesTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}

/** One row per blob present in the blob store (content-addressed, shared by every repository). */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
  /** Last time an upload or a mount linked it anywhere: GC spares blobs younger than its grace period. */
  linked_at: number;
}

/** Which repositories may serve a blob (it was pushed or mounted there). */
export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  linked_at: number;
}

export interface ManifestsTable {
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  subject_digest: string | null;
  /** JSON of the manifest's annotations, for the referrers API. */
  annotations: string | null;
  size: number;
  content: Buffer;
  created_at: number;
  /** The last pull (epoch ms, to the minute: registry/pulls.ts coalesces them); null: never pulled. */
  last_pulled_at: number | null;
  /** The subject of the actor who first pushed it (null on rows from before 0009_console). */
  pushed_by: Generated<string | null>;
}

/** Edges from a manifest to the blobs and child manifests it references (for GC and deletion checks). */
export interface ManifestRefsTable {
  repository_id: number;
  manifest_digest: string;
  child_digest: string;
  kind: "blob" | "manifest";
}

export interface TagsTable {
  repository_id: number;
  name: string;
  manifest_digest: string;
  updated_at: number;
}

/**
 * The usage ledger (registry/usage.ts): per project (a repository name's first component) and digest,
 * how many of the project's repository links (blobs) or manifest rows (manifests) hold it. A digest is
 * counted in `project_usage` once, while `refs` is above zero.
 */
export interface ProjectContentTable {
  project: string;
  kind: "blob" | "manifest";
  digest: string;
  refs: number;
  size: number;
}

/** A Grafeas occurrence posted from outside (migration 0013); `body` is its JSON as served. */
export interface GrafeasOccurrencesTable {
  project: string;
  id: string;
  resource_uri: string;
  repository: string;
  digest: string;
  note_name: string;
  kind: string;
  body: string;
  /** The subject that posted it (a user or robot), recorded by the server, never taken from the body. */
  created_by: string;
  created_at: number;
}

/** A Grafeas note posted from outside (migration 0013). */
export interface GrafeasNotesTable {
  project: string;
  id: string;
  kind: string;
  body: string;
  created_by: string;
  created_at: number;
}

/** Bytes of the distinct content each project holds (the sum of its `project_content` sizes). */
export interface ProjectUsageTable {
  project: string;
  bytes: number;
}

export interface UploadsTable {
  id: string;
  repository_id: number;
  /** Bytes committed so far: the offset the next chunk must start at. */
  size: number;
  created_at: number;
  updated_at: number;
}

/**
 * The latest scan of an image digest (scan on push): status of the job, the SBOM (CycloneDX JSON, also
 * pushed as a referrer), and the vulnerability report matched against the advisory database revision
 * it names. A newer advisory database re-matches the stored SBOM without reading layers again.
 */
export interface ScanReportsTable {
  digest: string;
  status: "queued" | "running" | "done" | "failed";
  error: string | null;
  /** A repository holding the image, to read it from. */
  repository: string;
  sbom_digest: string | null;
  sbom: Buffer | null;
  /** JSON of the vulnerability report. */
  report: string | null;
  /** JSON of counts by severity. */
  summary: string | null;
  advisory_revision: string | null;
  requested_at: number;
  scanned_at: number | null;
}

/**
 * The audit log of gate decisions (src/audit): append-only, each row's `hash` is sha256 over its
 * canonical content and `prev_hash` (the previous row's hash), so an edited or deleted row breaks
 * the chain. JSON columns are text.
 */
export interface DecisionsTable {
  id: Generated<number>;
  at: number;
  gate: string;
  actor: string | null;
  namespace: string | null;
  workload: string | null;
  image: string;
  digest: string | null;
  effect: string;
  mode: string;
  /** JSON of the break-glass annotation that let the workload through, if one did. */
  break_glass: string | null;
  reason: string;
  /** JSON of every requirement's outcome. */
  rules: string;
  policy_digest: string | null;
  /** How the caller was authenticated (`mtls:<CN>`, `token`, `none`); null on older rows. */
  caller: string | null;
  prev_hash: string;
  hash: string;
}

/** Identity (src/auth). Booleans are integers 0/1 on both dialects; times are epoch milliseconds. */
export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string | null;
  /** scrypt hash (auth/local/passwords.ts); null for users who sign in through OIDC or LDAP. */
  password_hash: string | null;
  /** `local`, `oidc` or `ldap`. */
  source: string;
  /** The provider's subject for OIDC and LDAP users. */
  external_id: string | null;
  admin: number;
  disabled: number;
  /** A one-time password from `admin init` or a reset must be changed at the first login. */
  must_change_password: number;
  created_at: number;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  source: string;
  created_at: number;
}

export interface GroupMembersTable {
  group_id: number;
  user_id: number;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  public: number;
  /** JSON of the project's settings (auth/types.ts ProjectSettings). */
  settings: string;
  created_at: number;
}

/** One grant: a user or a group holds a role in a project, optionally narrowed to repository globs. */
export interface ProjectMembersTable {
  id: Generated<number>;
  project_id: number;
  /** `user` or `group`. */
  principal_kind: string;
  principal_id: number;
  role: string;
  /** JSON array of repository globs inside the project (`["*"]` for all). */
  repositories: string;
  created_at: number;
}

/** Custom roles: a name and a set of project permissions. */
export interface RolesTable {
  name: string;
  description: string;
  /** JSON array of project permissions. */
  permissions: string;
  created_at: number;
}

export interface RobotsTable {
  id: Generated<number>;
  /** `robot$<project>+<name>` for project robots, `robot$<name>` for system robots. */
  name: string;
  description: string;
  /** SHA-256 of the secret (high-entropy, generated: see auth/local/passwords.ts). */
  secret_hash: string;
  /** The project a project robot belongs to; null for system robots. */
  project_id: number | null;
  /** JSON array of grants: `{ project, repositories, permissions }`. */
  grants: string;
  /** JSON array of system permissions (system robots only; `[]` by default). */
  system_permissions: Generated<string>;
  expires_at: number | null;
  disabled: number;
  created_by: string;
  created_at: number;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token: the token itself is shown once and never stored. */
  digest: string;
  principal_kind: string;
  principal_id: number;
  client_id: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

/** The token service's signing keys; private keys sealed with the key-encryption key (auth/tokens/keys.ts). */
export interface TokenKeysTable {
  kid: string;
  algorithm: string;
  /** JSON of the public JWK. */
  public_jwk: string;
  /** The sealed PKCS#8 private key, base64. */
  private_key: string;
  created_at: number;
  /** When it stopped signing; it still verifies tokens until they expire. */
  retired_at: number | null;
}

export interface LoginFailuresTable {
  /** `account:<name>` or `address:<ip>`. */
  key: string;
  failures: number;
  first_at: number;
  locked_until: number | null;
}

/** A proxy project's upstream password, sealed with AES-256-GCM under auth.keyFile (app/proxy.ts). */
export interface ProxyCredentialsTable {
  project: string;
  sealed_password: string;
  updated_at: number;
}

/** Requests counted per rate-limit key (`scope:caller`) and epoch minute (auth/rate-limit.ts). */
export interface RateLimitWindowsTable {
  key: string;
  minute: number;
  count: number;
}

/** One row (id 1): a counter every identity or grant change moves, so replicas reload their grant caches. */
export interface AuthStateTable {
  id: number;
  revision: number;
}

/** Personal access tokens (auth/local/store.ts): SHA-256 of the token, never the token. */
export interface UserTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  digest: string;
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
}

/** A project's webhook subscription (app/notifications). */
export interface WebhooksTable {
  /** `wh_` and 16 hex digits: the id the API names, and the secret's sealing context. */
  id: string;
  project: string;
  url: string;
  /** JSON array of CloudEvents types; empty: every type. */
  events: string;
  /** The signing secret sealed with AES-256-GCM under a key derived from auth.keyFile; never the secret. */
  secret_sealed: string;
  enabled: number;
  /** Plain HTTP to a host other than loopback, allowed explicitly at creation. */
  allow_insecure: number;
  description: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One event for one subscription: its payload, state and when it is next tried. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_id: string;
  event_type: string;
  /** The CloudEvent exactly as sent (and signed). */
  payload: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  /** When a pending delivery is tried next; null once delivered or failed. */
  next_attempt_at: number | null;
  /** A worker holds it until then (another replica leaves it alone). */
  claimed_until: number | null;
  created_at: number;
}

/** The delivery log: one row per attempt. Never a secret, never the response body. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  at: number;
  /** The receiver's HTTP status; null when no answer came (refused, timeout, address not allowed). */
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  /** When the next attempt is due after this one failed; null after the last or a success. */
  next_retry_at: number | null;
}

/** The critical findings already announced for a digest: a re-scan announces only new ones. */
export interface NotifiedCriticalsTable {
  digest: string;
  finding: string;
}

/**
 * The one record (audit/record): one row per leaf of its Merkle tree, `idx` the leaf number from 0.
 * The indexed columns are copies of the entry's fields for lookups; `leaf` is the exact canonical JSON
 * that was hashed into the tree, so a changed column or a changed leaf text fails `verify`.
 */
export interface RecordEntriesTable {
  idx: number;
  at: number;
  kind: string;
  actor: string | null;
  digest: string | null;
  repository: string | null;
  namespace: string | null;
  pod: string | null;
  container_id: string | null;
  summary: string;
  leaf: string;
  /** The `decisions` row a gate.decision or access entry mirrors (null for every other entry). */
  decision_id: number | null;
}

/**
 * The hash of every completed perfect subtree of the record's tree: 2^level leaves from idx·2^level
 * (level 0: the leaf hashes). A proof reads at most 2·log2(n) of them by primary key.
 */
export interface RecordNodesTable {
  level: number;
  idx: number;
  hash: Buffer;
}

/** The record's checkpoint signing key (Ed25519 seed), sealed with the key-encryption key. */
export interface RecordKeysTable {
  name: string;
  public_key: string;
  sealed_seed: string;
  created_at: number;
}

/** A forwarder's position in the record (audit.syslog): the next leaf index it sends. */
export interface RecordCursorsTable {
  name: string;
  next: number;
  updated_at: number;
}

/** A background job shared by replicas (jobs/postgres.ts): waiting, or running under a lease. */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** Deduplication: one waiting job per (kind, key). */
  key: string | null;
  /** The job's payload as JSON. */
  payload: string;
  state: "waiting" | "running";
  /** The replica running it. */
  owner: string | null;
  /** Epoch ms after which a running job's replica is presumed dead and another may take it. */
  lease_until: number | null;
  attempts: Generated<number>;
  created_at: number;
}

/** A replication rule (app/replication, migration 0022). */
export interface ReplicationRulesTable {
  /** `rr_` and 16 hex digits; also the sealing context of its secret. */
  id: string;
  name: string;
  /** `push` (this registry to the remote) or `pull` (the remote into this registry). */
  direction: string;
  /** The remote as references write it: `host[:port]`. */
  registry: string;
  insecure: number;
  username: string | null;
  /** The remote's password or token sealed under auth.keyFile; never returned by the API. */
  secret_sealed: string | null;
  /** JSON arrays of globs. */
  repositories: string;
  tags: string;
  signed_only: number;
  destination_namespace: string;
  deletion: number;
  on_push: number;
  /** 0: no schedule. */
  interval_ms: number;
  /** When the schedule last claimed it (its creation time at first): the next run is due an interval later. */
  scheduled_at: number;
  enabled: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One run of a rule: its trigger, state and totals. */
export interface ReplicationRunsTable {
  id: Generated<number>;
  rule_id: string;
  /** `manual`, `schedule` or `event`. */
  trigger: string;
  /** `running`, `succeeded`, `failed` (some artifact failed) or `error` (the run stopped). */
  state: string;
  started_at: number;
  finished_at: number | null;
  copied: number;
  present: number;
  skipped: number;
  deleted: number;
  failed: number;
  bytes: number;
  error: string | null;
}

/** What a run decided for each artifact. */
export interface ReplicationResultsTable {
  id: Generated<number>;
  run_id: number;
  kind: string;
  repository: string;
  reference: string;
  digest: string | null;
  outcome: string;
  bytes: number;
  detail: string | null;
}
