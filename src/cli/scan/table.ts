import type { ScanReport } from "../../app/index.js";
import type { Finding } from "../../vuln/index.js";
import { foundIn } from "../found-in.js";
import { printTable } from "../output.js";

const COLOURS: Record<string, string> = {
  CRITICAL: "\x1b[1;31m",
  HIGH: "\x1b[31m",
  MEDIUM: "\x1b[33m",
  LOW: "\x1b[34m",
  UNKNOWN: "\x1b[2m",
  critical: "\x1b[1;31m",
  high: "\x1b[31m",
  medium: "\x1b[33m",
  low: "\x1b[34m",
};

/**
 * The report for people: one block per package (name, installed version, where it came from), its
 * vulnerabilities worst first with the fixed version, then the standards violations and a summary.
 * Severities are coloured on a terminal (not when NO_COLOR is set or output is piped).
 */
export function renderTable(
  report: ScanReport,
  findings: readonly Finding[],
  colour: boolean,
  hidden = 0,
): string {
  let out = "";
  const sink = { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream;
  const paint = (word: string) => (colour && COLOURS[word] ? `${COLOURS[word]}${word}\x1b[0m` : word);
  const os = report.distro
    ? (report.distro.prettyName ?? `${report.distro.id} ${report.distro.versionId ?? ""}`)
    : "unknown";
  sink.write(`${report.subject.name}${report.subject.digest ? ` (${report.subject.digest})` : ""}\n`);
  sink.write(`OS: ${os}   packages: ${report.packages}\n\n`);
  if (!report.complete) sink.write(incompleteBlock(report, colour));

  const shown = findings.filter((f) => !f.suppressed);
  if (shown.length === 0)
    sink.write(
      report.complete ? "No vulnerabilities found.\n" : "No vulnerabilities found in what was read.\n",
    );
  else {
    const byPackage = new Map<number, Finding[]>();
    for (const finding of shown) {
      const list = byPackage.get(finding.package.index) ?? [];
      list.push(finding);
      byPackage.set(finding.package.index, list);
    }
    const rows: string[][] = [];
    for (const list of byPackage.values()) {
      const first = list[0]!;
      const location = foundIn(first.package);
      for (const [i, finding] of list.entries()) {
        rows.push([
          i === 0 ? `${first.package.name} (${first.package.type})` : "",
          i === 0 ? first.installedVersion : "",
          finding.id,
          finding.severity,
          finding.fixedVersion ?? "",
          i === 0 && location?.layerIndex !== undefined ? String(location.layerIndex) : "",
          finding.summary ?? "",
        ]);
      }
    }
    const table = captureTable(
      ["PACKAGE", "INSTALLED", "VULNERABILITY", "SEVERITY", "FIXED IN", "LAYER", "TITLE"],
      rows,
    );
    // Colour after alignment, so escape codes do not upset the column widths.
    sink.write(colour ? table.replace(/\b(CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN)\b/g, (w) => paint(w)) : table);
  }
  if (report.violations.length > 0) {
    sink.write("\nStandards violations:\n");
    const table = captureTable(
      ["RULE", "SEVERITY", "MESSAGE", "REASON"],
      report.violations.map((v) => [v.rule, v.severity, v.message, v.reason ?? ""]),
    );
    sink.write(colour ? table.replace(/\b(critical|high|medium|low)\b/g, (w) => paint(w)) : table);
  }
  const s = report.summary;
  const suppressed = findings.filter((f) => f.suppressed).length;
  sink.write(
    `\nTotal: ${shown.length} (critical ${count(shown, "CRITICAL")}, high ${count(shown, "HIGH")}, medium ${count(shown, "MEDIUM")}, ` +
      `low ${count(shown, "LOW")}, unknown ${count(shown, "UNKNOWN")})` +
      `${suppressed ? `, ${suppressed} suppressed by VEX` : ""}, ${s.violations} standards violation${s.violations === 1 ? "" : "s"}` +
      `${hidden > 0 ? `; ${hidden} more hidden by --severity/--ignore-unfixed` : ""}\n`,
  );
  if (!report.complete) sink.write(`Scan INCOMPLETE: ${report.incomplete.length} reason(s) above.\n`);
  for (const warning of report.warnings) sink.write(`warning: ${warning}\n`);
  return out;
}

/** The reasons an incomplete scan gives, before any finding: what follows may be missing packages. */
function incompleteBlock(report: ScanReport, colour: boolean): string {
  const title = "INCOMPLETE SCAN: packages may be missing from this report";
  let out = `${colour ? `\x1b[1;31m${title}\x1b[0m` : title}\n`;
  for (const reason of report.incomplete) out += `  ${reason.code}: ${reason.message}\n`;
  return `${out}\n`;
}

function count(findings: readonly Finding[], severity: string): number {
  return findings.filter((f) => f.severity === severity).length;
}

function captureTable(header: string[], rows: string[][]): string {
  let out = "";
  printTable(header, rows, { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream);
  return out;
}
