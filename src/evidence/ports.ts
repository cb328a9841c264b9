import type { AttestationEvidence, ImageConfigEvidence, ScanEvidence, SignatureEvidence } from "./facts.js";

/**
 * The ports through which facts about a digest are gathered. app/ implements them over the registry
 * (local storage or the registry client), trust/ (verification) and the scan store, and injects them.
 * Every call gets an AbortSignal that fires at the timeout; implementations should pass it to fetch.
 */
export interface EvidenceSubject {
  /** Normalised registry and repository (where signatures and attestations are looked up). */
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
}

/** The image config (User, Labels) and manifest annotations of a digest. */
export interface ImageConfigSource {
  imageConfig(subject: EvidenceSubject, signal: AbortSignal): Promise<ImageConfigEvidence>;
}

/**
 * Finds the digest's signatures (cosign tags, Sigstore bundles, Notation) and verifies each against
 * the policy's trust anchors (policyTrustAnchors), reporting which key or identity verified it.
 */
export interface SignatureVerifier {
  verifySignatures(subject: EvidenceSubject, signal: AbortSignal): Promise<readonly SignatureEvidence[]>;
}

/** Finds and verifies the digest's attestations (DSSE in-toto statements), with their predicates. */
export interface AttestationVerifier {
  verifyAttestations(subject: EvidenceSubject, signal: AbortSignal): Promise<readonly AttestationEvidence[]>;
}

/** The latest scan report of a digest, or undefined when it was never scanned. */
export interface ScanReportSource {
  latestScan(subject: EvidenceSubject, signal: AbortSignal): Promise<ScanEvidence | undefined>;
}

export interface EvidencePorts {
  readonly config?: ImageConfigSource;
  readonly signatures?: SignatureVerifier;
  readonly attestations?: AttestationVerifier;
  readonly scans?: ScanReportSource;
}
