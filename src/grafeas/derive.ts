import type { FindingRecord, ImageEvidence } from "./evidence.js";
import type { GrafeasOccurrence, GrafeasSeverity, NoteKind } from "./model.js";
import {
  ADVISORY_PROJECT,
  ANALYSIS_PROJECT,
  type AnalysisNote,
  advisoryNoteId,
  derivedOccurrenceId,
  noteName,
  occurrenceName,
  projectOfRepository,
  resourceUri,
} from "./names.js";

const SEVERITY: Readonly<Record<FindingRecord["severity"], GrafeasSeverity>> = {
  CRITICAL: "CRITICAL",
  HIGH: "HIGH",
  MEDIUM: "MEDIUM",
  LOW: "LOW",
  UNKNOWN: "SEVERITY_UNSPECIFIED",
};

export function grafeasSeverity(severity: FindingRecord["severity"]): GrafeasSeverity {
  return SEVERITY[severity];
}

const ANALYSIS_STATUS = {
  queued: "PENDING",
  running: "SCANNING",
  done: "FINISHED_SUCCESS",
  failed: "FINISHED_FAILED",
} as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Every occurrence Portcullis derives for one image, in a stable order (kind, then key):
 * DISCOVERY (the scan's status and time), VULNERABILITY (one per finding: advisory and package),
 * PACKAGE (one per SBOM package), BUILD (provenance), ATTESTATION (one per signature and per
 * attestation), DEPLOYMENT (one per admission decision that allowed it) and IMAGE (the base image,
 * when the image records it). Pure: the same evidence gives the same occurrences and names.
 */
export function deriveOccurrences(evidence: ImageEvidence): GrafeasOccurrence[] {
  const project = projectOfRepository(evidence.repository);
  const uri = resourceUri(evidence);
  const make = (
    kind: NoteKind,
    key: string,
    note: string,
    field: string,
    detail: Record<string, unknown>,
    extra: { createTime?: string; remediation?: string } = {},
  ): GrafeasOccurrence => {
    const id = derivedOccurrenceId({ kind, repository: evidence.repository, digest: evidence.digest, key });
    return {
      name: occurrenceName(project, id),
      resourceUri: uri,
      noteName: note,
      kind,
      ...(extra.remediation ? { remediation: extra.remediation } : {}),
      ...(extra.createTime ? { createTime: extra.createTime, updateTime: extra.createTime } : {}),
      [field]: detail,
    };
  };
  const analysis = (id: AnalysisNote) => noteName(ANALYSIS_PROJECT, id);
  const out: GrafeasOccurrence[] = [];

  const scan = evidence.scan;
  if (scan) {
    const when = scan.scannedAt ?? scan.requestedAt;
    out.push(
      make(
        "DISCOVERY",
        "scan",
        analysis("scan"),
        "discovery",
        {
          continuousAnalysis: "ACTIVE",
          analysisStatus: ANALYSIS_STATUS[scan.status],
          ...(scan.status === "done"
            ? { analysisCompleted: { analysisType: ["VULNERABILITY", "PACKAGE"] } }
            : {}),
          ...(scan.error ? { analysisStatusError: { code: 13, message: scan.error } } : {}),
          ...(scan.scannedAt
            ? { lastScanTime: scan.scannedAt, lastVulnerabilityUpdateTime: scan.scannedAt }
            : {}),
        },
        { createTime: when },
      ),
    );
    for (const finding of scan.findings) {
      const severity = grafeasSeverity(finding.severity);
      const version = { name: finding.installedVersion, kind: "NORMAL" };
      out.push(
        make(
          "VULNERABILITY",
          `${finding.id}|${finding.package.purl || finding.package.name}|${finding.installedVersion}`,
          noteName(ADVISORY_PROJECT, advisoryNoteId(finding.id)),
          "vulnerability",
          {
            type: finding.package.type,
            severity,
            effectiveSeverity: severity,
            ...(finding.cvss
              ? { cvssScore: finding.cvss.score, cvssVersion: cvssVersion(finding.cvss.version) }
              : {}),
            ...(finding.summary ? { shortDescription: finding.summary.slice(0, 500) } : {}),
            fixAvailable: finding.fixedVersion !== undefined,
            packageIssue: [
              {
                affectedPackage: finding.package.name,
                affectedVersion: version,
                affectedCpeUri: finding.package.purl,
                fixedPackage: finding.package.name,
                fixedCpeUri: finding.package.purl,
                // Grafeas spells "no fix" as a MAXIMUM version.
                fixedVersion: finding.fixedVersion
                  ? { name: finding.fixedVersion, kind: "NORMAL" }
                  : { kind: "MAXIMUM" },
                fixAvailable: finding.fixedVersion !== undefined,
                packageType: finding.package.type,
                effectiveSeverity: severity,
              },
            ],
            ...(finding.suppressed
              ? {
                  vexAssessment: {
                    state: "NOT_AFFECTED",
                    noteName: noteName(ADVISORY_PROJECT, advisoryNoteId(finding.id)),
                  },
                }
              : {}),
          },
          {
            ...(scan.scannedAt ? { createTime: scan.scannedAt } : {}),
            ...(finding.fixedVersion
              ? { remediation: `upgrade ${finding.package.name} to ${finding.fixedVersion}` }
              : {}),
          },
        ),
      );
    }
  }

  for (const pkg of evidence.packages) {
    out.push(
      make(
        "PACKAGE",
        `${pkg.purl ?? `${pkg.ecosystem}/${pkg.name}`}@${pkg.version}`,
        analysis("sbom"),
        "package",
        {
          name: pkg.name,
          packageType: pkg.ecosystem,
          ...(pkg.purl ? { cpeUri: pkg.purl } : {}),
          version: { name: pkg.version, kind: "NORMAL" },
          location: pkg.paths
            .slice(0, 20)
            .map((path) => ({ path, version: { name: pkg.version, kind: "NORMAL" } })),
          ...(pkg.licenses.length > 0 ? { license: { expression: pkg.licenses.join(" AND ") } } : {}),
        },
      ),
    );
  }

  const prov = evidence.provenance;
  if (prov) {
    out.push(
      make("BUILD", "provenance", analysis("provenance"), "build", {
        provenance: {
          id: evidence.digest,
          ...(prov.builder ? { builderVersion: prov.builder, creator: prov.builder } : {}),
          builtArtifacts: [{ id: uri, checksum: evidence.digest }],
          ...(prov.source ? { sourceProvenance: { artifactStorageSourceUri: prov.source } } : {}),
          buildOptions: {
            verified: String(prov.verified),
            ...(prov.dockerfileDigest ? { dockerfileDigest: prov.dockerfileDigest } : {}),
          },
        },
      }),
    );
  }

  for (const sig of evidence.signatures) {
    out.push(
      make("ATTESTATION", `signature|${sig.format}|${sig.digest}`, analysis("signature"), "attestation", {
        // The payload a Binary Authorization verifier checks is the signed content; we name what we
        // verified instead of copying bytes (the signature itself stays in the registry).
        serializedPayload: Buffer.from(
          JSON.stringify({ format: sig.format, artifact: sig.digest, verified: sig.verified }),
        ).toString("base64"),
        signatures: sig.signer ? [{ publicKeyId: sig.signer }] : [],
      }),
    );
  }
  for (const att of evidence.attestations) {
    out.push(
      make(
        "ATTESTATION",
        `attestation|${att.predicateType}|${att.digest}`,
        analysis("attestation"),
        "attestation",
        {
          serializedPayload: Buffer.from(
            JSON.stringify({
              predicateType: att.predicateType,
              artifact: att.digest,
              verified: att.verified,
            }),
          ).toString("base64"),
          signatures: att.signer ? [{ publicKeyId: att.signer }] : [],
        },
      ),
    );
  }

  for (const decision of evidence.decisions) {
    if (decision.gate !== "admission" || decision.effect === "deny") continue;
    out.push(
      make(
        "DEPLOYMENT",
        `decision|${decision.id}`,
        analysis("admission"),
        "deployment",
        {
          ...(decision.actor ? { userEmail: decision.actor } : {}),
          deployTime: iso(decision.at),
          ...(decision.namespace || decision.workload
            ? { address: [decision.namespace, decision.workload].filter(Boolean).join("/") }
            : {}),
          config: decision.reason.slice(0, 1000),
          resourceUri: [uri],
          platform: "CUSTOM",
        },
        { createTime: iso(decision.at) },
      ),
    );
  }

  const base = evidence.baseImage;
  if (base && (base.name || base.digest)) {
    const baseUrl = base.name ? `${base.name}${base.digest ? `@${base.digest}` : ""}` : base.digest!;
    out.push(
      make("IMAGE", "base-image", analysis("base-image"), "image", {
        fingerprint: { v1Name: evidence.digest, v2Blob: [...evidence.layers] },
        baseResourceUrl: baseUrl.startsWith("https://") ? baseUrl : `https://${baseUrl}`,
      }),
    );
  }
  return out;
}

function cvssVersion(version: string): string {
  if (version.startsWith("4")) return "CVSS_VERSION_4";
  if (version.startsWith("3")) return "CVSS_VERSION_3";
  if (version.startsWith("2")) return "CVSS_VERSION_2";
  return "CVSS_VERSION_UNSPECIFIED";
}
