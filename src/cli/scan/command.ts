import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { assessSbom } from "../../app/index.js";
import { readSbom, type SbomDocument } from "../../sbom/index.js";
import {
  type AdvisoryDatabase,
  type Finding,
  loadStandards,
  type OpenVexDocument,
  openAdvisoryDatabase,
  parseOpenVex,
  type SeverityRating,
} from "../../vuln/index.js";
import { advisoryDatabasePath } from "../db.js";
import { addImageOptions, type ImageFlags, imageHelp } from "../image-options.js";
import { withPlatformFlags } from "../options.js";
import { sbomOfImage } from "../sbom.js";
import { renderCycloneDxWithVulnerabilities } from "./cyclonedx.js";
import { renderSarif } from "./sarif.js";
import { renderTable } from "./table.js";

const FORMATS = ["table", "json", "sarif", "cyclonedx"] as const;
type ScanFormat = (typeof FORMATS)[number];
const SEVERITIES: readonly SeverityRating[] = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

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
}

interface CheckedFlags {
  format: ScanFormat;
  severities: ReadonlySet<SeverityRating>;
  exitCode: number;
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
  return { format: flags.format as ScanFormat, severities, exitCode: Number(flags.exitCode) };
}

function openDatabaseIfPresent(path: string): AdvisoryDatabase | undefined {
  try {
    return openAdvisoryDatabase(path);
  } catch (err) {
    if ((err as { code?: string }).code === "DATABASE_MISSING") return undefined;
    throw err;
  }
}

/**
 * `portcullis scan IMAGE` / `--sbom FILE`: vulnerabilities and organisation standards. The exit code is
 * `--exit-code` (default 1) when a finding at a shown severity or a standards violation remains, else 0;
 * bad flags exit 2.
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
      parseOpenVex(readFileSync(file, "utf8"), file),
    );
    let doc: SbomDocument;
    let base: { name?: string; digest?: string } | undefined;
    if (flags.sbom) {
      doc = readSbom(readFileSync(flags.sbom, "utf8"));
    } else {
      const read = await sbomOfImage(image!, flags, version);
      doc = read.doc;
      base = read.base;
      for (const warning of read.warnings) process.stderr.write(`warning: ${warning}\n`);
    }
    const advisories = openDatabaseIfPresent(advisoryDatabasePath(flags));
    let report: ReturnType<typeof assessSbom>;
    try {
      report = assessSbom(doc, {
        ...(advisories ? { advisories } : {}),
        ...(vex.length > 0 ? { vex } : {}),
        ...(standards ? { standards } : {}),
        ...(base ? { base } : {}),
      });
    } finally {
      advisories?.close();
    }
    const shown: Finding[] = report.findings.filter(
      (f) => checked.severities.has(f.severity) && !(flags.ignoreUnfixed && f.fixedVersion === undefined),
    );
    switch (checked.format) {
      case "json":
        process.stdout.write(`${JSON.stringify({ ...report, findings: shown }, null, 2)}\n`);
        break;
      case "sarif":
        process.stdout.write(renderSarif(report, shown, version));
        break;
      case "cyclonedx":
        process.stdout.write(renderCycloneDxWithVulnerabilities(doc, shown));
        break;
      default:
        process.stdout.write(
          renderTable(report, shown, process.stdout.isTTY === true && !process.env.NO_COLOR),
        );
    }
    const failing = shown.some((f) => !f.suppressed) || report.violations.length > 0;
    setExit(failing ? checked.exitCode : 0);
  });
}
