/**
 * The shapes of the public /api/v1 the console reads (notes: console-api contract). Only what the
 * pages use is typed; every string in them is untrusted text, rendered as text, never as HTML.
 */
export interface Paged<T> {
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
  readonly items: readonly T[];
}

export interface SystemInfo {
  readonly version: string;
  readonly authMode: "anonymous" | "accounts";
  readonly oidc: boolean;
  readonly registryHost: string;
}

export interface Me {
  readonly name: string;
  readonly kind: "anonymous" | "user" | "robot" | "workload";
  readonly admin: boolean;
  readonly mustChangePassword?: boolean;
  readonly systemPermissions?: readonly string[];
  readonly grants?: readonly { readonly project: string; readonly permissions: readonly string[] }[];
}

export type Severity = "critical" | "high" | "medium" | "low" | "unknown";
export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low", "unknown"];
export type SeverityCounts = Readonly<Record<Severity, number>>;

export interface RepositorySummary {
  readonly name: string;
  readonly project: string;
  readonly tagCount: number;
  readonly artifactCount: number;
  readonly size: number;
  readonly updatedAt: string | null;
}

export type ScanStatus = "none" | "queued" | "running" | "done" | "failed";

export interface Verdict {
  readonly gate: string;
  readonly effect: "allow" | "warn" | "deny";
  readonly at: string;
  readonly reason: string;
}

export interface Artifact {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly tags: readonly string[];
  readonly size: number;
  readonly pushedAt: string | null;
  readonly pushedBy: string | null;
  readonly platforms: readonly string[];
  readonly signed: {
    readonly signatures: number;
    readonly verified: boolean | null;
    readonly by: readonly string[];
  };
  readonly scan: {
    readonly status: ScanStatus;
    readonly counts: SeverityCounts;
    readonly scannedAt: string | null;
  };
  readonly verdict: Verdict | null;
}

export interface Layer {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly createdBy: string | null;
}

export interface HistoryEntry {
  readonly created: string | null;
  readonly createdBy: string | null;
  readonly emptyLayer: boolean;
  readonly comment: string | null;
}

export interface Signature {
  readonly format: string;
  readonly digest: string;
  readonly verified: boolean | null;
  readonly signer: string | null;
  readonly reason: string | null;
}

export interface Attestation {
  readonly predicateType: string;
  readonly digest: string;
  readonly verified: boolean | null;
  readonly signer: string | null;
}

export interface Referrer {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ImageOverview {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly tags: readonly string[];
  readonly pushedAt: string | null;
  readonly pushedBy: string | null;
  readonly platforms: readonly {
    readonly platform: string;
    readonly digest: string;
    readonly size: number;
  }[];
  readonly image: {
    readonly digest: string;
    readonly created: string | null;
    readonly author: string | null;
    readonly os: string;
    readonly architecture: string;
    readonly variant: string | null;
    readonly user: string | null;
    readonly entrypoint: readonly string[] | null;
    readonly cmd: readonly string[] | null;
    readonly workingDir: string | null;
    readonly labels: Readonly<Record<string, string>>;
    readonly exposedPorts: readonly string[];
    readonly layers: readonly Layer[];
    readonly history: readonly HistoryEntry[];
  } | null;
  readonly baseImage: {
    readonly name: string | null;
    readonly digest: string | null;
    readonly source: string;
  } | null;
  readonly scan: {
    readonly status: ScanStatus;
    readonly counts: SeverityCounts;
    readonly scannedAt: string | null;
    readonly databaseRevision: string | null;
  };
  readonly supplyChain: {
    readonly signatures: readonly Signature[];
    readonly attestations: readonly Attestation[];
    readonly provenance: {
      readonly builder: string | null;
      readonly source: string | null;
      readonly dockerfileDigest: string | null;
      readonly baseImages: readonly { readonly name: string; readonly digest: string | null }[];
    } | null;
    readonly lint: { readonly findings: number; readonly errors: number; readonly warnings: number } | null;
    readonly referrers: readonly Referrer[];
  };
  readonly decisions: { readonly total: number; readonly latest: Decision | null };
}

export interface Package {
  readonly name: string;
  readonly version: string;
  readonly ecosystem: string;
  readonly purl: string | null;
  readonly licenses: readonly string[];
  readonly layer: string | null;
  readonly paths: readonly string[];
}

export interface PackagePage extends Paged<Package> {
  readonly ecosystems: readonly { readonly name: string; readonly count: number }[];
}

export interface Finding {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly severity: Severity;
  /** The API answers the vector and its version too; the console shows the score. */
  readonly cvss: { readonly version: string; readonly vector: string; readonly score: number } | null;
  readonly fixedIn: readonly string[];
  readonly summary: string | null;
  readonly vex: { readonly status: string; readonly justification: string | null } | null;
  readonly exception: { readonly reason: string; readonly expires: string | null } | null;
  /** Every scan exception of the loaded policies naming this finding; older servers leave it out. */
  readonly exceptions?: readonly FindingException[];
}

/** A policy's `require.scan.exceptions` entry that names a finding of this image. */
export interface FindingException {
  readonly policy: string;
  readonly rule: string;
  readonly id: string;
  readonly reason: string;
  readonly until: string;
  readonly inForce: boolean;
}

export interface FindingGroup {
  readonly package: {
    readonly name: string;
    readonly version: string;
    readonly ecosystem: string;
    readonly purl: string | null;
  };
  readonly findings: readonly Finding[];
}

export interface FindingPage extends Paged<FindingGroup> {
  readonly counts: SeverityCounts;
}

export interface RuleResult {
  readonly id: string;
  readonly effect?: string;
  readonly outcome?: string;
  readonly message: string;
}

export interface Decision {
  readonly id: number | string;
  readonly at: string;
  readonly gate: string;
  readonly effect: "allow" | "warn" | "deny";
  readonly mode: string;
  readonly image: string;
  readonly digest: string | null;
  readonly actor: string | null;
  readonly namespace: string | null;
  readonly workload: string | null;
  readonly reason: string;
  readonly rules: readonly RuleResult[];
  readonly breakGlass: Readonly<Record<string, unknown>> | null;
  readonly caller: string | null;
  readonly hash: string;
}

export interface ChainStatus {
  /** "running": a walk of a long log is under way, `ok` is null and `checked` counts its progress. */
  readonly state?: "running" | "done";
  readonly ok: boolean | null;
  readonly checked: number;
  readonly total?: number;
  readonly head: string | null;
  readonly brokenAt: number | string | null;
  readonly problem?: string | null;
}

export interface Policy {
  readonly name: string;
  readonly kind: string;
  readonly source: string;
  readonly digest: string;
  readonly requirements: readonly { readonly id: string; readonly description: string | null }[];
  readonly text: string;
}

export interface PolicyEvaluation {
  readonly decision: {
    readonly effect: "allow" | "warn" | "deny";
    readonly reason: string;
    readonly rules: readonly RuleResult[];
  };
}

export interface AdvisoryDatabase {
  readonly revision: string | null;
  readonly updatedAt: string | null;
  readonly ecosystems: readonly { readonly name: string; readonly records: number }[];
  readonly sources: readonly {
    readonly name: string;
    readonly importedAt: string | null;
    readonly records: number;
  }[];
}
