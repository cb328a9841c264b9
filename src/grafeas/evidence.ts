/**
 * What Portcullis knows about one image, as the translation reads it. app/ gathers it from the scan
 * store, the SBOM, trust's verification and the audit log; the shapes are plain data so the
 * translation stays pure.
 */
export interface ImageEvidence {
  /** HOST:PORT of this registry, as clients pull from it. */
  readonly host: string;
  readonly repository: string;
  readonly digest: string;
  readonly scan?: ScanRecord;
  readonly packages: readonly PackageRecord[];
  readonly signatures: readonly SignatureRecord[];
  readonly attestations: readonly AttestationRecord[];
  readonly provenance?: ProvenanceRecord;
  readonly decisions: readonly DecisionRecord[];
  readonly baseImage?: { readonly name: string | null; readonly digest: string | null };
  /** The image's layer digests, bottom first (IMAGE's fingerprint). */
  readonly layers: readonly string[];
}

export interface ScanRecord {
  readonly status: "queued" | "running" | "done" | "failed";
  /** RFC 3339. */
  readonly requestedAt: string;
  readonly scannedAt?: string;
  readonly error?: string;
  readonly findings: readonly FindingRecord[];
}

export interface FindingRecord {
  readonly id: string;
  readonly severity: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "UNKNOWN";
  readonly cvss?: { readonly version: string; readonly vector: string; readonly score: number };
  readonly summary?: string;
  readonly package: { readonly name: string; readonly type: string; readonly purl: string };
  readonly installedVersion: string;
  readonly fixedVersion?: string;
  readonly suppressed?: boolean;
}

export interface PackageRecord {
  readonly name: string;
  readonly version: string;
  readonly ecosystem: string;
  readonly purl: string | null;
  readonly licenses: readonly string[];
  readonly paths: readonly string[];
}

export interface SignatureRecord {
  readonly format: string;
  readonly digest: string;
  readonly verified: boolean | null;
  readonly signer: string | null;
}

export interface AttestationRecord {
  readonly predicateType: string;
  readonly digest: string;
  readonly verified: boolean | null;
  readonly signer: string | null;
}

export interface ProvenanceRecord {
  readonly builder: string | null;
  readonly source: string | null;
  readonly dockerfileDigest: string | null;
  readonly verified: boolean | null;
}

export interface DecisionRecord {
  readonly id: number;
  readonly gate: string;
  readonly effect: "allow" | "warn" | "deny";
  /** Epoch ms. */
  readonly at: number;
  readonly reason: string;
  readonly actor?: string;
  readonly namespace?: string;
  readonly workload?: string;
}
