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
