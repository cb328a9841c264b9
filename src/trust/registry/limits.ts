import { TrustError } from "../errors.js";

/**
 * Bounds on what discovering one digest's signatures and attestations reads. Everything under a
 * `.sig`/`.att` tag or in the referrers list is pushed by whoever may push to the repository, so
 * without bounds a decision's time and memory belong to the attacker (issue 11, item 5: a `.sig`
 * with 12,000 junk layers made a decision run past the webhook's deadline). A bound reached makes
 * the discovery **incomplete**, which verification reports as a failed check: it can hide nothing
 * that a requirement needs without failing that requirement, and it is never an error that a
 * failure policy could turn into an allow.
 */
export interface ArtifactLimits {
  /**
   * Distinct layers read from one cosign `.sig` or `.att` manifest (identical descriptors count
   * once). Beyond it the first half and the last half are read: cosign appends, so the oldest and
   * the newest signatures are both seen whatever was pushed between them.
   */
  readonly maxLayersPerArtifact: number;
  /** Bytes of one signature payload, DSSE envelope or Sigstore bundle blob. */
  readonly maxPayloadBytes: number;
  /** Bytes of one `.sig`/`.att` manifest or referrer manifest (the registry's own default cap). */
  readonly maxManifestBytes: number;
  /** Signature and attestation referrers (Sigstore bundles) read per digest. */
  readonly maxReferrers: number;
  /** Bytes of blobs read while discovering one digest's artifacts (each blob counted once). */
  readonly maxBytesPerDigest: number;
}

/**
 * Defaults: far above what a signing workflow produces (cosign writes one layer per signature, a few
 * KiB each with a certificate), far below what fits in a decision's budget.
 */
export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = {
  maxLayersPerArtifact: 64,
  maxPayloadBytes: 1024 * 1024,
  maxManifestBytes: 4 * 1024 * 1024,
  maxReferrers: 64,
  maxBytesPerDigest: 4 * 1024 * 1024,
};

/** The defaults with `overrides` over them; every limit must be a positive integer. */
export function artifactLimits(overrides: Partial<ArtifactLimits> = {}): ArtifactLimits {
  const limits = { ...DEFAULT_ARTIFACT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TrustError("INVALID_ARGUMENT", `${name} must be a positive integer, not ${value}`);
    }
  }
  return limits;
}

/** A bound reached: the reason the discovery is incomplete. */
export class LimitReached extends TrustError {
  constructor(message: string) {
    super("ARTIFACT_LIMIT_EXCEEDED", message);
  }
}
