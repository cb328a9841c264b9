import { grafeasSeverity } from "./derive.js";
import type { FindingRecord } from "./evidence.js";
import type { GrafeasNote } from "./model.js";
import { ADVISORY_PROJECT, ANALYSIS_NOTES, ANALYSIS_PROJECT, type AnalysisNote, noteName } from "./names.js";

const DESCRIPTIONS: Readonly<Record<AnalysisNote, { short: string; detail: Record<string, unknown> }>> = {
  scan: {
    short: "Portcullis scan on push: SBOM and vulnerability analysis",
    detail: { discovery: { analysisKind: "VULNERABILITY" } },
  },
  sbom: { short: "A package found in the image's SBOM", detail: { package: { name: "sbom" } } },
  provenance: {
    short: "SLSA provenance attached to the image, verified by Portcullis",
    detail: { build: { builderVersion: "slsa-provenance" } },
  },
  signature: {
    short: "A signature over the image (cosign, Sigstore bundle, Notation)",
    detail: { attestation: { hint: { humanReadableName: "portcullis signature" } } },
  },
  attestation: {
    short: "An in-toto attestation over the image",
    detail: { attestation: { hint: { humanReadableName: "portcullis attestation" } } },
  },
  admission: {
    short: "Admitted by the Portcullis Kubernetes admission webhook",
    detail: { deployment: { resourceUri: [] } },
  },
  "base-image": {
    short: "The base image the image records (org.opencontainers.image.base.*)",
    detail: {
      image: { resourceUrl: "https://portcullis.dev/base-image", fingerprint: { v1Name: "", v2Blob: [] } },
    },
  },
};

/** The notes of the reserved `portcullis` project, one per kind of analysis. */
export function analysisNotes(): GrafeasNote[] {
  return (Object.keys(ANALYSIS_NOTES) as AnalysisNote[]).map((id) => analysisNote(id));
}

export function analysisNote(id: AnalysisNote): GrafeasNote {
  const d = DESCRIPTIONS[id];
  return {
    name: noteName(ANALYSIS_PROJECT, id),
    kind: ANALYSIS_NOTES[id],
    shortDescription: d.short,
    ...d.detail,
  };
}

/**
 * The VULNERABILITY note of one advisory. Built from a finding when one is at hand (severity, CVSS,
 * summary), else from the id alone: the advisory database is the source of truth, the note a view.
 */
export function advisoryNote(noteId: string, finding?: FindingRecord): GrafeasNote {
  const severity = finding ? grafeasSeverity(finding.severity) : "SEVERITY_UNSPECIFIED";
  return {
    name: noteName(ADVISORY_PROJECT, noteId),
    kind: "VULNERABILITY",
    shortDescription: finding?.summary?.slice(0, 500) ?? noteId,
    relatedUrl: [{ url: `https://osv.dev/vulnerability/${encodeURIComponent(noteId)}`, label: "OSV" }],
    vulnerability: {
      severity,
      ...(finding?.cvss ? { cvssScore: finding.cvss.score } : {}),
    },
  };
}
