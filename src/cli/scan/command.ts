import type { Command } from "commander";
import { assessSbom, type ScanReport } from "../../app/index.js";
import { readRegularFile } from "../../core/index.js";
import { MAX_SBOM_BYTES, readSbom, type SbomDocument } from "../../sbom/index.js";
import {
  type AdvisoryDatabase,
  type Finding,
  loadStandards,
  MAX_VEX_BYTES,
  type OpenVexDocument,
  openAdvisoryDatabaseForScan,
  parseOpenVex,
  type SeverityRating,
  VulnError,
} from "../../vuln/index.js";
import { advisoryDatabasePath } from "../db.js";
import { fromInputFile, inputError } from "../failure.js";
import { addImageOptions, type ImageFlags, imageHelp } from "../image-options.js";
import { configFrom, withPlatformFlags } from "../options.js";
import { sbomOfImage } from "../sbom.js";
import { renderCycloneDxWithVulnerabilities } from "./cyclonedx.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

const FORMATS = ["table", "json", "sarif", "cyclonedx"] as const;
type ScanFormat = (typeof FORMATS)[number];
const SEVERITIES: readonly SeverityRating[] = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/** Exit code of a scan that could not see everything; 1 (`--exit-code`) is findings, 2 errors. */
export const SCAN_EXIT_INCOMPLETE = 3;

interface ScanFlags extends ImageFlags {
  config?: string;
  data?: string;
  db?: string;
  sbom?: string;
  format: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  vex?: string[];
  standards?: string;
  exitCode: string;
  quiet?: boolean;
  skipDb?: boolean;
  allowIncomplete?: boolean;
  maxFileBytes?: string;
}

interface CheckedFlags {
  format: ScanFormat;
  severities: ReadonlySet<SeverityRating>;
  exitCode: number;
  maxFileBytes?: number;
}

function checkFlags(flags: ScanFlags, image: string | undefined): CheckedFlags | string {
  if (!(FORMATS as readonly string[]).includes(flags.format)) {
    return `--format: expected ${FORMATS.join(", ")}, got ${JSON.stringify(flags.format)}`;
  }
  if ((image === undefined) === (flags.sbom === undefined))
    return "give an IMAGE or --sbom FILE (one of them)";
  const severities = new Set<SeverityRating>();
  for (const word of (flags.severity ?? SEVERITIES.join(",")).split(",")) {
    const upper = word.trim().toUpperCase() as SeverityRating;
    if (!SEVERITIES.includes(upper))
      return `--severity: expected a list of ${SEVERITIES.join(", ")}, got ${JSON.stringify(word)}`;
    severities.add(upper);
  }
  if (!/^\d+$/.test(flags.exitCode) || Number(flags.exitCode) > 255) {
    return `--exit-code: expected an integer from 0 to 255, got ${JSON.stringify(flags.exitCode)}`;
  }
  if (flags.maxFileBytes !== undefined && !/^[1-9]\d*$/.test(flags.maxFileBytes)) {
    return `--max-file-bytes: expected a positive number of bytes, got ${JSON.stringify(flags.maxFileBytes)}`;
  }
  return {
    format: flags.format as ScanFormat,
    severities,
    exitCode: Number(flags.exitCode),
    ...(flags.maxFileBytes !== undefined ? { maxFileBytes: Number(flags.maxFileBytes) } : {}),
  };
}

/**
 * The advisory database, opened before any image is read. A missing or empty one fails the command
 * (one line naming the database and the command that fills it) unless `--skip-db` asks for a scan
 * without vulnerabilities: "not matched" must never print as "No vulnerabilities found".
 */
function openDatabase(flags: ScanFlags): AdvisoryDatabase | string | undefined {
  if (flags.skipDb) return undefined;
  const path = advisoryDatabasePath(flags);
  try {
    return openAdvisoryDatabaseForScan(path);
  } catch (err) {
    if (err instanceof VulnError && (err.code === "DATABASE_MISSING" || err.code === "DATABASE_EMPTY"))
      return `${err.message}; or pass --skip-db to scan without vulnerabilities`;
    throw inputError(flags.db === undefined ? "advisory database" : "--db", path, err);
  }
}

/** A file the user named, not yet read or unreadable. */
/** What the report renderers print, and the exit code the command ends with. */
interface ScanOutcome {
  report: ScanReport;
  shown: Finding[];
  /** Findings (not suppressed by VEX) left out by --severity or --ignore-unfixed. */
  hidden: number;
}

function outcomeOf(report: ScanReport, flags: ScanFlags, checked: CheckedFlags): ScanOutcome {
  const visible = (f: Finding) =>
    checked.severities.has(f.severity) && !(flags.ignoreUnfixed && f.fixedVersion === undefined);
  const shown = report.findings.filter(visible);
  const hidden = report.findings.filter((f) => !f.suppressed && !visible(f)).length;
  return { report, shown, hidden };
}

/**
 * Exit codes: 3 when the scan is incomplete (unless --allow-incomplete), since then even "no
 * findings" proves nothing; else --exit-code (default 1) when a shown finding or a standards
 * violation remains; else 0. Usage errors and a missing or empty advisory database exit 2.
 */
function exitCodeOf(outcome: ScanOutcome, flags: ScanFlags, checked: CheckedFlags): number {
  if (!outcome.report.complete && !flags.allowIncomplete) return SCAN_EXIT_INCOMPLETE;
  const failing = outcome.shown.some((f) => !f.suppressed) || outcome.report.violations.length > 0;
  return failing ? checked.exitCode : 0;
}

function render(outcome: ScanOutcome, doc: SbomDocument, format: ScanFormat, version: string): string {
  const { report, shown, hidden } = outcome;
  switch (format) {
    case "json":
      return `${JSON.stringify({ ...report, findings: shown, hidden }, null, 2)}\n`;
    case "sarif":
      return renderSarif(report, shown, version);
    case "cyclonedx":
      // The report's reasons (ADVISORIES_MISSING included) ride on the subject as properties.
      return renderCycloneDxWithVulnerabilities(
        report.complete ? doc : { ...doc, incomplete: report.incomplete },
        shown,
      );
    default:
      return renderTable(report, shown, process.stdout.isTTY === true && !process.env.NO_COLOR, hidden);
  }
}

/**
 * `portcullis scan IMAGE` / `--sbom FILE`: vulnerabilities and organisation standards; see exitCodeOf
 * for what the exit code says.
 */
export function registerScan(program: Command, setExit: (code: number) => void): void {
  addImageOptions(
    withPlatformFlags(
      program
        .command("scan")
        .description("find vulnerabilities and standards violations in an image or an SBOM (offline)")
        .argument("[image]", imageHelp())
        .option("--sbom <file>", "scan a CycloneDX or SPDX JSON SBOM instead of an image")
        .option("-f, --format <format>", FORMATS.join(", "), "table")
        .option("-s, --severity <list>", "severities to show and fail on, e.g. HIGH,CRITICAL (default: all)")
        .option("--ignore-unfixed", "hide vulnerabilities that have no fixed version yet")
        .option("--vex <file...>", "OpenVEX documents: not_affected and fixed statements suppress findings")
        .option(
          "--standards <file>",
          "organisation standards YAML (forbidden packages, minimum versions, bases)",
        )
        .option("--exit-code <n>", "exit code when findings or violations remain", "1")
        .option("--db <file>", "advisory database (default scan.advisoryDatabase: DATADIR/advisories.db)")
        .option("--skip-db", "scan without an advisory database: packages and standards only")
        .option(
          "--max-file-bytes <n>",
          "largest package database or program read (default scan.maxFileBytes: 64 MiB); a larger one makes the scan incomplete",
        )
        .option(
          "--allow-incomplete",
          `exit as a complete scan would when the scan is incomplete (default: exit ${SCAN_EXIT_INCOMPLETE})`,
        )
        .option("-q, --quiet", "no progress line"),
    ),
  ).action(async (image: string | undefined, flags: ScanFlags) => {
    const checked = checkFlags(flags, image);
    if (typeof checked === "string") {
      process.stderr.write(`portcullis scan: ${checked}\n`);
      setExit(2);
      return;
    }
    const version = program.version() ?? "dev";
    const standards = flags.standards ? loadStandards(flags.standards) : undefined;
    const vex: OpenVexDocument[] = (flags.vex ?? []).map((file) =>
      fromInputFile("--vex", file, () =>
        parseOpenVex(readRegularFile(file, { maxBytes: MAX_VEX_BYTES }).toString("utf8"), file),
      ),
    );
    const advisories = openDatabase(flags);
    if (typeof advisories === "string") {
      process.stderr.write(`portcullis scan: ${advisories}\n`);
      setExit(2);
      return;
    }
    try {
      let doc: SbomDocument;
      let base: { name?: string; digest?: string } | undefined;
      let sbomWarnings: string[] = [];
      if (flags.sbom) {
        const file = flags.sbom;
        doc = fromInputFile("--sbom", file, () =>
          readSbom(readRegularFile(file, { maxBytes: MAX_SBOM_BYTES }).toString("utf8")),
        );
      } else {
        const maxFileBytes = checked.maxFileBytes ?? configFrom(flags).scan.maxFileBytes;
        const read = await sbomOfImage(image!, flags, version, { maxFileBytes });
        doc = read.doc;
        base = read.base;
        sbomWarnings = read.warnings;
      }
      const report = assessSbom(doc, {
        ...(advisories ? { advisories, advisoryRevision: advisories.revision() } : {}),
        ...(flags.skipDb ? { skipAdvisories: true } : {}),
        ...(vex.length > 0 ? { vex } : {}),
        ...(standards ? { standards } : {}),
        ...(base ? { base } : {}),
      });
      // The report says everything (stdout); stderr is for people watching, and stays terse.
      report.warnings.unshift(...sbomWarnings);
      if (!report.complete)
        process.stderr.write(`portcullis scan: incomplete: ${report.incomplete[0]!.message}\n`);
      const outcome = outcomeOf(report, flags, checked);
      process.stdout.write(render(outcome, doc, checked.format, version));
      setExit(exitCodeOf(outcome, flags, checked));
    } finally {
      advisories?.close();
    }
  });
}
