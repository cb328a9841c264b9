import type { SeverityRating } from "../vuln/index.js";

/**
 * The input of one decision: the image as the gate saw it, the request's context, and the evidence
 * gathered about the image's digest. Plain data only, so a decision can be recorded and replayed
 * (`portcullis policy test`). `evidence/` produces the `Facts` half; policy cannot import it (same
 * row), so the shapes here are the contract and `evidence/` returns the same structure.
 */
export interface PolicyInput {
  readonly image: ImageInput;
  readonly request: RequestInput;
  readonly evidence: Facts;
}

export interface ImageInput {
  /** The reference as written in the pod spec, the CLI argument or the pushed/pulled name. */
  readonly reference: string;
  /** Normalised registry (docker.io for Docker Hub) and repository (library/ for official images). */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  /** The digest the reference names, or the one its tag was resolved to (once per request). */
  readonly digest?: string;
}

export type RequestKind = "ci" | "registry-push" | "registry-pull" | "admission";

export interface RequestInput {
  readonly kind: RequestKind;
  readonly namespace?: string;
  /** The service account name (without namespace); rules are keyed `namespace:name`. */
  readonly serviceAccount?: string;
  readonly cluster?: string;
  /** Who asked: the admission request's userInfo.username, or the registry user. */
  readonly user?: string;
  /** The workload's annotations (admission), where the break-glass annotation is looked for. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The effective security settings of the container being admitted (container over pod). */
  readonly podSecurity?: PodSecurityFacts;
}

/** Kubernetes securityContext facts for one container, merged by the admission side. */
export interface PodSecurityFacts {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  /** Recorded for the decision; nonRoot does not read it (runAsNonRoot checks only the uid). */
  readonly runAsGroup?: number;
  readonly privileged?: boolean;
  readonly hostNetwork?: boolean;
  /** Paths of the pod's hostPath volumes. */
  readonly hostPathVolumes?: readonly string[];
  /** securityContext.capabilities.add of the container. */
  readonly addedCapabilities?: readonly string[];
}

/** Where a fact comes from; a failed source is listed in `Facts.errors`. */
export type EvidenceSource = "config" | "users" | "signatures" | "attestations" | "scan" | "occurrences";

export interface EvidenceError {
  readonly source: EvidenceSource;
  readonly message: string;
}

/** What is known about the image's digest. An absent field with no error means "none found". */
export interface Facts {
  readonly config?: ConfigFacts;
  /** The config User resolved through the image's /etc/passwd, when its user part is a name. */
  readonly user?: ImageUserFacts;
  readonly base?: BaseImageFacts;
  readonly signatures?: readonly SignatureFact[];
  readonly attestations?: readonly AttestationFact[];
  readonly scan?: ScanFacts;
  /** Grafeas occurrences posted about the image (a CI system's "tests passed"). */
  readonly occurrences?: readonly OccurrenceFact[];
  readonly errors?: readonly EvidenceError[];
}

/**
 * A Grafeas occurrence about the image, as the server stored it: `author` is the account that posted
 * it (recorded by the server, not claimed by the body), `noteName` `projects/P/notes/N`.
 */
export interface OccurrenceFact {
  readonly noteName: string;
  readonly kind: string;
  readonly author: string;
  /** The image digest the occurrence's resourceUri names. */
  readonly digest: string;
  /** RFC 3339. */
  readonly createTime?: string;
}

export interface ConfigFacts {
  /** The image config's `config.User` ("", "root", "1000", "app:app", ...). */
  readonly user?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The manifest's annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A named config User as runc resolves it in the image (evidence/ ImageUserEvidence). */
export interface ImageUserFacts {
  readonly user: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Why it does not resolve; the runtime would refuse to start it, and it is not provably non-root. */
  readonly unresolved?: string;
}

/** The base image the image records (OCI `org.opencontainers.image.base.name` / `.base.digest`). */
export interface BaseImageFacts {
  readonly name?: string;
  readonly digest?: string;
}

/**
 * Who signed. `key` is the key as the policy names it (the verifier checks against the keys
 * `policyTrustAnchors` lists and reports which one verified); keyless signers carry the
 * certificate's identity (SAN) and OIDC issuer.
 */
export interface SignerFact {
  readonly key?: string;
  readonly identity?: string;
  readonly issuer?: string;
}

export interface SignatureFact {
  readonly verified: boolean;
  /** The image digest the signed payload names. */
  readonly digest: string;
  readonly signer: SignerFact;
  readonly format?: string;
  readonly error?: string;
  /** The digest actually signed, when it vouches for this one by content (an index listing it). */
  readonly via?: string;
}

export interface AttestationFact {
  readonly predicateType: string;
  readonly verified: boolean;
  /** The subject digest the statement names for this image. */
  readonly digest: string;
  readonly signer: SignerFact;
  readonly predicate: unknown;
  readonly error?: string;
  /** The digest the statement names, when it vouches for this one by content (an index listing it). */
  readonly via?: string;
}

/** The structural subset of the scan report (`app/scanning` ScanReport) that policy reads. */
export interface ScanFacts {
  /** RFC 3339. */
  readonly scannedAt: string;
  readonly findings: readonly ScanFinding[];
  /**
   * Why the scan could not see everything (a limit reached, a package database unreadable, no
   * advisories); absent or empty when complete. The scan requirement fails a scan with any reason
   * unless `allowIncomplete`.
   */
  readonly incomplete?: readonly { readonly code: string; readonly message: string }[];
}

export interface ScanFinding {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly severity: SeverityRating;
  readonly fixedVersion?: string;
  /** VEX said not_affected or fixed. */
  readonly suppressed?: boolean;
  readonly package?: { readonly name: string };
}
