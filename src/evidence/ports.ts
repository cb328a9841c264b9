import type { Descriptor } from "../oci/index.js";
import type {
  AttestationEvidence,
  ImageConfigEvidence,
  ImageUserEvidence,
  OccurrenceEvidence,
  ScanEvidence,
  SignatureEvidence,
} from "./facts.js";

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
 * Resolves a config User that names a user through the image's final /etc/passwd and /etc/group (the
 * image of an index as ImageConfigSource picks it). It reads the layers, so it is bounded, and throws
 * when the files cannot be read: "unreadable" must never pass for "absent".
 */
export interface ImageUserSource {
  imageUser(subject: EvidenceSubject, user: string, signal: AbortSignal): Promise<ImageUserEvidence>;
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

/**
 * How a digest is bound by content to others. An index names its images by digest, so a signature over
 * the index vouches for every image it lists; an image's signature vouches for nothing but the image.
 * An index is not an image: what a node runs from it is one of its entries, and the gate judges every
 * entry a runtime could select (app/gates' index judging), never the index's own facts.
 */
export interface DigestRelations {
  /** The image that runs (its scan is read): the digest itself. */
  readonly imageDigest: string;
  /**
   * Digests whose signatures and attestations also vouch for this one: the indexes (in the same
   * repository) that list this image, or the index being judged when this image is one of its entries.
   */
  readonly boundDigests: readonly string[];
  /** Set when the digest is an index: its entries as the index writes them (platforms not normalised). */
  readonly index?: {
    readonly manifests: readonly Descriptor[];
    /** The index's own annotations: each image's config evidence reads them under its own. */
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export interface RelationSource {
  relations(subject: EvidenceSubject, signal: AbortSignal): Promise<DigestRelations>;
}

/** Grafeas occurrences posted about the image (app/grafeas's store), the `occurrences` requirement's facts. */
export interface OccurrenceSource {
  occurrences(subject: EvidenceSubject, signal: AbortSignal): Promise<readonly OccurrenceEvidence[]>;
}

export interface EvidencePorts {
  /** Without it a digest stands alone: config and scan are read for it, signatures only over it. */
  readonly relations?: RelationSource;
  readonly config?: ImageConfigSource;
  readonly users?: ImageUserSource;
  readonly signatures?: SignatureVerifier;
  readonly attestations?: AttestationVerifier;
  readonly scans?: ScanReportSource;
  readonly occurrences?: OccurrenceSource;
}
