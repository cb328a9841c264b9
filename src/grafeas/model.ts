/**
 * Grafeas v1 notes and occurrences as JSON on the wire (grafeas.swagger.json, proto/v1 in
 * ../shared/testdata/grafeas): only the fields Portcullis writes are typed; outside occurrences keep
 * their kind's detail object as sent (`GrafeasDetail`), checked only for being an object.
 */

export const NOTE_KINDS = [
  "VULNERABILITY",
  "BUILD",
  "IMAGE",
  "PACKAGE",
  "DEPLOYMENT",
  "DISCOVERY",
  "ATTESTATION",
  "UPGRADE",
  "COMPLIANCE",
  "DSSE_ATTESTATION",
  "VULNERABILITY_ASSESSMENT",
  "SBOM_REFERENCE",
  "SECRET",
] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

/** The JSON member that carries each kind's details, in an occurrence and in a note. */
export const KIND_FIELD: Readonly<Record<NoteKind, string>> = {
  VULNERABILITY: "vulnerability",
  BUILD: "build",
  IMAGE: "image",
  PACKAGE: "package",
  DEPLOYMENT: "deployment",
  DISCOVERY: "discovery",
  ATTESTATION: "attestation",
  UPGRADE: "upgrade",
  COMPLIANCE: "compliance",
  DSSE_ATTESTATION: "dsseAttestation",
  VULNERABILITY_ASSESSMENT: "vulnerabilityAssessment",
  SBOM_REFERENCE: "sbomReference",
  SECRET: "secret",
};

export type GrafeasSeverity = "SEVERITY_UNSPECIFIED" | "MINIMAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

/** A kind's detail object: JSON data, never interpreted beyond the fields we write. */
export type GrafeasDetail = Readonly<Record<string, unknown>>;

export interface GrafeasOccurrence {
  /** `projects/P/occurrences/ID`. */
  readonly name: string;
  /** `https://HOST/REPOSITORY@sha256:...`. */
  readonly resourceUri: string;
  /** `projects/P/notes/N`. */
  readonly noteName: string;
  readonly kind: NoteKind;
  readonly remediation?: string;
  /** RFC 3339. */
  readonly createTime?: string;
  readonly updateTime?: string;
  readonly [detail: string]: unknown;
}

export interface GrafeasNote {
  readonly name: string;
  readonly kind: NoteKind;
  readonly shortDescription?: string;
  readonly longDescription?: string;
  readonly relatedUrl?: ReadonlyArray<{ readonly url: string; readonly label?: string }>;
  readonly createTime?: string;
  readonly updateTime?: string;
  readonly [detail: string]: unknown;
}

/** VulnerabilityOccurrencesSummary (grafeas.proto): counts per resource and severity. */
export interface VulnerabilitySummary {
  readonly counts: ReadonlyArray<{
    readonly resourceUri: string;
    readonly severity: GrafeasSeverity;
    readonly fixableCount: string;
    readonly totalCount: string;
  }>;
}
