import type { Command } from "commander";
import {
  attestStatement,
  DEFAULT_LINT_CONFIG,
  filterBySeverity,
  formatJson,
  formatSarif,
  formatTable,
  isSeverity,
  type LintConfig,
  type LintResult,
  lintFiles,
  loadLintConfig,
  type Severity,
  severityRank,
} from "../dockerfile/index.js";

type LintFormat = "table" | "json" | "sarif";

interface RawLintFlags {
  format: string;
  config?: string;
  severity: string;
  failureThreshold: string;
  exitCode: string;
  attest?: boolean;
}

interface LintFlags {
  format: LintFormat;
  config?: string;
  severity: Severity;
  /** The lowest severity that fails the run; "none": findings never do. */
  failureThreshold: Severity | "none";
  exitCode: number;
  attest: boolean;
}

/** The flags as typed, or why one is invalid (reported with exit code 2, not mistaken for findings). */
function checkFlags(raw: RawLintFlags): LintFlags | string {
  const format = raw.format;
  if (format !== "table" && format !== "json" && format !== "sarif") {
    return `--format: expected table, json or sarif, got ${JSON.stringify(format)}`;
  }
  const severity = raw.severity.toLowerCase();
  if (!isSeverity(severity)) {
    return `--severity: expected style, info, warning or error, got ${JSON.stringify(raw.severity)}`;
  }
  const failureThreshold = raw.failureThreshold.toLowerCase();
  if (failureThreshold !== "none" && !isSeverity(failureThreshold)) {
    return `--failure-threshold: expected style, info, warning, error or none, got ${JSON.stringify(raw.failureThreshold)}`;
  }
  const exitCode = Number(raw.exitCode);
  if (!/^\d+$/.test(raw.exitCode) || exitCode > 255) {
    return `--exit-code: expected an integer from 0 to 255, got ${JSON.stringify(raw.exitCode)}`;
  }
  return {
    format,
    severity,
    failureThreshold,
    exitCode,
    ...(raw.config ? { config: raw.config } : {}),
    attest: raw.attest === true,
  };
}

/**
 * `portcullis lint Dockerfile...`: every finding is shown (`--severity` hides those below a level), and
 * one at or above `--failure-threshold` (default warning) makes the exit code `--exit-code` (default 1);
 * otherwise 0. Showing and failing are separate, as hadolint and Trivy do: info and style findings are
 * advice that a reader sees without failing a build. An unreadable Dockerfile or lint config exits 2.
 * `--attest` prints an in-toto statement of the result instead of the findings.
 */
export function registerLint(program: Command, setExit: (code: number) => void): void {
  program
    .command("lint")
    .description("check Dockerfiles for supply-chain and hardening problems")
    .argument("<dockerfile...>", "Dockerfiles to check")
    .option("-f, --format <format>", "table, json or sarif (SARIF 2.1.0, for code scanning)", "table")
    .option("-c, --config <file>", "lint configuration YAML: approvedBases and rule severities")
    .option(
      "--severity <level>",
      "show only findings at or above this level (style < info < warning < error)",
      "style",
    )
    .option(
      "--failure-threshold <level>",
      "fail (--exit-code) when a shown finding is at or above this level; none: never",
      "warning",
    )
    .option("--exit-code <n>", "exit code when findings remain", "1")
    .option("--attest", "print an in-toto statement (predicate dockerfile-lint/v1) instead of the findings")
    .action(async (files: string[], raw: RawLintFlags) => {
      const flags = checkFlags(raw);
      if (typeof flags === "string") {
        process.stderr.write(`portcullis lint: ${flags}\n`);
        setExit(2);
        return;
      }
      // An unreadable Dockerfile or lint config is a LintError: main's mapper prints it, exit 2.
      const config: LintConfig = flags.config ? loadLintConfig(flags.config) : DEFAULT_LINT_CONFIG;
      const results = filterBySeverity(await lintFiles(files, { config }), flags.severity);
      const version = program.version() ?? undefined;
      if (flags.attest) {
        process.stdout.write(`${JSON.stringify(attestStatement(results, { version }), null, 2)}\n`);
      } else if (flags.format === "json") {
        process.stdout.write(formatJson(results));
      } else if (flags.format === "sarif") {
        process.stdout.write(`${JSON.stringify(formatSarif(results, undefined, { version }), null, 2)}\n`);
      } else {
        process.stdout.write(formatTable(results));
      }
      setExit(failing(results, flags.failureThreshold) ? flags.exitCode : 0);
    });
}

/** Whether any finding is at or above the threshold. */
function failing(results: readonly LintResult[], threshold: Severity | "none"): boolean {
  if (threshold === "none") return false;
  const floor = severityRank(threshold);
  return results.some((r) => r.findings.some((f) => severityRank(f.severity) >= floor));
}
