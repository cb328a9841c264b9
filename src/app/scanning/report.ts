import type { Distro, IncompleteReason, SbomDocument, SbomSubject } from "../../sbom/index.js";
import {
  type AdvisoryDatabase,
  applyVex,
  checkStandards,
  type Finding,
  matchPackages,
  type OpenVexDocument,
  type SeverityRating,
  type Standards,
  schemeForPackageType,
  type Violation,
} from "../../vuln/index.js";

/**
 * The scan report: what `portcullis scan` prints as JSON and what the management API serves for a
 * digest. One shape for both, versioned by `schema`.
 */
export interface ScanReport {
  schema: "portcullis.dev/scan-report/v1";
  subject: SbomSubject;
  distro?: Distro;
  packages: number;
  /** Every finding, suppressed ones (VEX not_affected/fixed) included and marked. */
  findings: Finding[];
  /** Breaches of the organisation's standards (forbidden packages, minimum versions, approved bases). */
  violations: Violation[];
  summary: ScanSummary;
  advisories: { database?: string; ecosystems: string[]; revision?: string };
  warnings: string[];
  /**
   * False when packages may be missing from what was matched: a limit was reached (a file over
   * `scan.maxFileBytes`, a nested archive budget) or a package database was unreadable. Every gate
   * fails an incomplete scan unless its policy's scan requirement says `allowIncomplete: true`.
   */
  complete: boolean;
  /** Why the scan is incomplete (empty when complete): each reason's warning code and message. */
  incomplete: IncompleteReason[];
  scannedAt: string;
}

export type ScanSummary = Record<Lowercase<SeverityRating>, number> & {
  suppressed: number;
  violations: number;
};

export interface AssessOptions {
  /**
   * The advisory database. Without it (or with an empty one) the report holds no findings, says why
   * in `warnings`, and is incomplete (ADVISORIES_MISSING): "not matched" never reads as "no findings".
   */
  readonly advisories?: AdvisoryDatabase;
  /** The user asked for a scan without advisories (`scan --skip-db`): not matching is then not a gap. */
  readonly skipAdvisories?: boolean;
  readonly advisoryRevision?: string;
  readonly vex?: readonly OpenVexDocument[];
  readonly standards?: Standards;
  /** The base image the image records (OCI base annotations or labels), for the approved-base standard. */
  readonly base?: { readonly name?: string; readonly digest?: string };
  readonly now?: () => Date;
}

const SEVERITY_ORDER: readonly SeverityRating[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

/** Matches an SBOM against advisories, applies VEX, checks standards, and counts the result. */
export function assessSbom(doc: SbomDocument, options: AssessOptions = {}): ScanReport {
  const warnings: string[] = [];
  const incomplete: IncompleteReason[] = [...(doc.incomplete ?? [])];
  let findings: Finding[] = [];
  const ecosystems = options.advisories?.ecosystems() ?? [];
  if (options.advisories && ecosystems.length > 0) {
    const result = matchPackages(options.advisories, doc.packages, doc.distro);
    findings = result.findings;
    warnings.push(...result.warnings);
  } else if (options.skipAdvisories) {
    warnings.push("vulnerabilities not matched: the scan ran without an advisory database (--skip-db)");
  } else {
    const message = options.advisories
      ? `advisory database ${options.advisories.path} holds no advisories: run \`portcullis db import\` (or \`db update\`)`
      : "no advisory database: run `portcullis db import` (or `db update`) to match vulnerabilities";
    warnings.push(message);
    incomplete.push({ code: "ADVISORIES_MISSING", message });
  }
  if (options.vex && options.vex.length > 0) findings = applyVex(findings, options.vex, doc.subject.digest);
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      a.package.name.localeCompare(b.package.name) ||
      a.id.localeCompare(b.id),
  );
  const violations = options.standards
    ? checkStandards(
        options.standards,
        { packages: doc.packages, ...(options.base ? { base: options.base } : {}) },
        schemeForPackageType,
      )
    : [];
  return {
    schema: "portcullis.dev/scan-report/v1",
    subject: doc.subject,
    ...(doc.distro ? { distro: doc.distro } : {}),
    packages: doc.packages.length,
    findings,
    violations,
    summary: summarise(findings, violations),
    advisories: {
      ...(options.advisories ? { database: options.advisories.path } : {}),
      ecosystems,
      ...(options.advisoryRevision ? { revision: options.advisoryRevision } : {}),
    },
    warnings,
    complete: incomplete.length === 0,
    incomplete,
    scannedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
}

export function summarise(findings: readonly Finding[], violations: readonly Violation[]): ScanSummary {
  const summary: ScanSummary = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    unknown: 0,
    suppressed: 0,
    violations: 0,
  };
  for (const finding of findings) {
    if (finding.suppressed) summary.suppressed++;
    else summary[finding.severity.toLowerCase() as Lowercase<SeverityRating>]++;
  }
  summary.violations = violations.length;
  return summary;
}
