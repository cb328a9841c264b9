import { type SbomDocument, toCycloneDx } from "../../sbom/index.js";
import type { Finding } from "../../vuln/index.js";

interface CdxComponent {
  "bom-ref"?: string;
  purl?: string;
}

/**
 * The SBOM with its vulnerabilities (CycloneDX 1.6 `vulnerabilities`): each affects the component
 * whose purl is the package's, with ratings from the CVSS vector and the VEX analysis when a
 * statement applied.
 */
export function renderCycloneDxWithVulnerabilities(doc: SbomDocument, findings: readonly Finding[]): string {
  const bom = JSON.parse(toCycloneDx(doc)) as { components?: CdxComponent[]; vulnerabilities?: object[] };
  const refByPurl = new Map<string, string>();
  for (const component of bom.components ?? []) {
    if (component.purl && component["bom-ref"]) refByPurl.set(component.purl, component["bom-ref"]);
  }
  bom.vulnerabilities = findings.map((finding) => {
    const ref = refByPurl.get(finding.package.purl);
    return {
      id: finding.id,
      source: { name: "OSV", url: `https://osv.dev/vulnerability/${finding.id}` },
      ratings: [
        {
          severity: finding.severity === "UNKNOWN" ? "unknown" : finding.severity.toLowerCase(),
          ...(finding.cvss
            ? {
                score: finding.cvss.score,
                method: finding.cvss.version.startsWith("4")
                  ? "CVSSv4"
                  : finding.cvss.version.startsWith("3")
                    ? "CVSSv31"
                    : "CVSSv2",
                vector: finding.cvss.vector,
              }
            : {}),
        },
      ],
      ...(finding.summary ? { description: finding.summary } : {}),
      ...(finding.fixedVersion
        ? { recommendation: `Upgrade ${finding.package.name} to ${finding.fixedVersion}` }
        : {}),
      ...(finding.aliases.length > 0
        ? {
            references: finding.aliases.map((id) => ({
              id,
              source: { name: "OSV", url: `https://osv.dev/vulnerability/${id}` },
            })),
          }
        : {}),
      ...(finding.vex
        ? {
            analysis: {
              state: VEX_STATE[finding.vex.status],
              ...(finding.vex.justification
                ? { justification: VEX_JUSTIFICATION[finding.vex.justification] ?? undefined }
                : {}),
              ...(finding.vex.impactStatement ? { detail: finding.vex.impactStatement } : {}),
            },
          }
        : {}),
      affects: ref ? [{ ref, versions: [{ version: finding.installedVersion, status: "affected" }] }] : [],
    };
  });
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** OpenVEX status → CycloneDX impact analysis state. */
const VEX_STATE: Record<string, string> = {
  not_affected: "not_affected",
  affected: "exploitable",
  fixed: "resolved",
  under_investigation: "in_triage",
};

/** OpenVEX justifications → the nearest CycloneDX ones (CycloneDX has no "component_not_present"). */
const VEX_JUSTIFICATION: Record<string, string> = {
  component_not_present: "code_not_present",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "protected_by_mitigating_control",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};
