import type { ScanReport } from "../../app/index.js";
import type { Finding } from "../../vuln/index.js";
import { foundIn } from "../found-in.js";

const LEVEL: Record<string, "error" | "warning" | "note"> = {
  CRITICAL: "error",
  HIGH: "error",
  MEDIUM: "warning",
  LOW: "note",
  UNKNOWN: "note",
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/** GitHub code scanning reads `security-severity` (0.0–10.0) to rank results. */
const SECURITY_SEVERITY: Record<string, string> = {
  CRITICAL: "9.5",
  HIGH: "8.0",
  MEDIUM: "5.5",
  LOW: "2.0",
  UNKNOWN: "0.0",
};

function artifactUri(path: string | undefined): string {
  return (path ?? "").replace(/^\/+/, "") || "image";
}

/** SARIF 2.1.0 (OASIS): one rule per vulnerability id and per standards rule, one result per finding. */
export function renderSarif(report: ScanReport, findings: readonly Finding[], version: string): string {
  const rules = new Map<string, object>();
  const results: object[] = [];
  for (const finding of findings.filter((f) => !f.suppressed)) {
    if (!rules.has(finding.id)) {
      rules.set(finding.id, {
        id: finding.id,
        shortDescription: { text: finding.summary ?? finding.id },
        helpUri: finding.references[0] ?? `https://osv.dev/vulnerability/${finding.id}`,
        properties: {
          "security-severity": finding.cvss
            ? String(finding.cvss.score)
            : SECURITY_SEVERITY[finding.severity],
          tags: ["vulnerability", "security", finding.severity],
        },
      });
    }
    results.push({
      ruleId: finding.id,
      level: LEVEL[finding.severity],
      message: {
        text:
          `${finding.package.name} ${finding.installedVersion} (${finding.package.type}) is affected by ${finding.id}` +
          `${finding.fixedVersion ? `; fixed in ${finding.fixedVersion}` : "; no fix yet"}`,
      },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: artifactUri(foundIn(finding.package)?.path) } },
        },
      ],
      properties: { purl: finding.package.purl, aliases: finding.aliases },
    });
  }
  for (const violation of report.violations) {
    const id = `standards/${violation.rule}`;
    if (!rules.has(id))
      rules.set(id, { id, shortDescription: { text: `organisation standard: ${violation.rule}` } });
    results.push({
      ruleId: id,
      level: LEVEL[violation.severity],
      message: { text: `${violation.message}${violation.reason ? ` (${violation.reason})` : ""}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: {
              uri: artifactUri(violation.package ? foundIn(violation.package)?.path : undefined),
            },
          },
        },
      ],
    });
  }
  return `${JSON.stringify(
    {
      $schema: "https://json.schemastore.org/sarif-2.1.0.json",
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "portcullis",
              version,
              informationUri: "https://portcullis.dev",
              rules: [...rules.values()],
            },
          },
          // SARIF 2.1.0 §3.20: an invocation that did not do all its work says so, and why.
          invocations: [
            {
              executionSuccessful: report.complete,
              toolExecutionNotifications: report.incomplete.map((reason) => ({
                level: "error",
                descriptor: { id: reason.code },
                message: { text: `incomplete scan: ${reason.message}` },
              })),
            },
          ],
          properties: { complete: report.complete, incomplete: report.incomplete },
          results,
        },
      ],
    },
    null,
    2,
  )}\n`;
}
