import type { SeverityRating } from "../vuln/index.js";

/**
 * The facts gathered about one digest. policy/ (same row, so not importable) defines the `Facts` it
 * reads; these types are the same structure, so a `GatheredFacts` is passed to `evaluate` as is.
 */
export type EvidenceSourceName = "config" | "users" | "signatures" | "attestations" | "scan" | "occurrences";

export interface EvidenceFailure {
  readonly source: EvidenceSourceName;
  readonly message: string;
}

export interface ImageConfigEvidence {
  /** The image config's `config.User`. */
  readonly user?: string;
  /** The image config's `config.Labels`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The manifest's annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The config User resolved through the image's final /etc/passwd and /etc/group, as runc resolves it
 * (oci resolveUser). Gathered only when the User's user part is a name: a numeric uid needs no lookup.
 */
export interface ImageUserEvidence {
  /** The config User that was resolved. */
  readonly user: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Why it does not resolve (no such user, an id out of range); the runtime would refuse to start it. */
  readonly unresolved?: string;
}

export interface BaseImageEvidence {
  readonly name?: string;
  readonly digest?: string;
}

/** Who signed: the key as the policy names it, or a keyless certificate's identity and issuer. */
export interface SignerEvidence {
  readonly key?: string;
  readonly identity?: string;
  readonly issuer?: string;
}

export interface SignatureEvidence {
  readonly verified: boolean;
  readonly digest: string;
  readonly signer: SignerEvidence;
  readonly format?: string;
  readonly error?: string;
  /**
   * The digest actually signed, when the signature vouches for `digest` through a content binding: an
   * index that lists the image by digest, or the platform image of an index (DigestRelations).
   */
  readonly via?: string;
}

export interface AttestationEvidence {
  readonly predicateType: string;
  readonly verified: boolean;
  readonly digest: string;
  readonly signer: SignerEvidence;
  readonly predicate: unknown;
  readonly error?: string;
  /** As SignatureEvidence.via: the digest the statement names, when it vouches through a binding. */
  readonly via?: string;
}

/** The subset of app/scanning's ScanReport the policy reads; a ScanReport is assignable to it. */
export interface ScanEvidence {
  readonly scannedAt: string;
  /** Why the scan is incomplete (policy's ScanFacts.incomplete); absent or empty when complete. */
  readonly incomplete?: readonly { readonly code: string; readonly message: string }[];
  readonly findings: readonly {
    readonly id: string;
    readonly aliases?: readonly string[];
    readonly severity: SeverityRating;
    readonly fixedVersion?: string;
    readonly suppressed?: boolean;
    readonly package?: { readonly name: string };
  }[];
}

/** A Grafeas occurrence posted about the image (policy's OccurrenceFact). */
export interface OccurrenceEvidence {
  readonly noteName: string;
  readonly kind: string;
  /** Who posted it, as the server recorded. */
  readonly author: string;
  readonly digest: string;
  readonly createTime?: string;
}

export interface GatheredFacts {
  readonly config?: ImageConfigEvidence;
  readonly user?: ImageUserEvidence;
  readonly base?: BaseImageEvidence;
  readonly signatures?: readonly SignatureEvidence[];
  readonly attestations?: readonly AttestationEvidence[];
  readonly scan?: ScanEvidence;
  readonly occurrences?: readonly OccurrenceEvidence[];
  readonly errors?: readonly EvidenceFailure[];
}
