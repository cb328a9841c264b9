import { isAbsolute, relative, sep } from "node:path";
import { RULES } from "../rules/index.js";
import type { Equivalents, Rule, Severity } from "../rules/types.js";
import { type FindingWithFix, type LintResult, PARSE_ERROR_RULE, severityRank } from "./lint.js";

export const LINTER_NAME = "portcullis";
export const LINTER_VERSION = "0.1.0";
export const LINTER_URI = "https://portcullis.dev/docs/dockerfile-lint";
export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const LINT_PREDICATE_TYPE = "https://portcullis.dev/attestations/dockerfile-lint/v1";

export interface LintSummary {
  readonly files: number;
  readonly findings: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly suppressed: number;
}

export function summarize(results: readonly LintResult[]): LintSummary {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0, style: 0 };
  let findings = 0;
  let suppressed = 0;
  for (const result of results) {
    suppressed += result.suppressed;
    for (const finding of result.findings) {
      bySeverity[finding.severity]++;
      findings++;
    }
  }
  return { files: results.length, findings, bySeverity, suppressed };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** For people: each file, its findings as `line  severity  rule  message`, then one summary line. */
export function formatTable(results: readonly LintResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.findings.length === 0) {
      lines.push(`${result.file}: no findings`);
    } else {
      lines.push(`${result.file}:`);
      const rows = result.findings.map((f) => [
        f.line === f.endLine ? String(f.line) : `${f.line}-${f.endLine}`,
        f.severity,
        f.rule,
        f.message,
      ]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const row of rows) {
        lines.push(
          `  ${row[0]!.padStart(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]}`,
        );
      }
    }
    const unjustified = result.suppressions.filter((s) => s.reason === null && s.suppressed > 0).length;
    if (unjustified > 0) lines.push(`  (${plural(unjustified, "suppression")} without a reason)`);
  }
  const s = summarize(results);
  lines.push(
    `${plural(s.files, "file")}, ${plural(s.findings, "finding")} ` +
      `(${plural(s.bySeverity.error, "error")}, ${plural(s.bySeverity.warning, "warning")}, ` +
      `${s.bySeverity.info} info, ${s.bySeverity.style} style), ${s.suppressed} suppressed`,
  );
  return `${lines.join("\n")}\n`;
}

/** For machines: every result (findings carry file, line, endLine, rule, severity, message, fix, equivalents). */
export function formatJson(results: readonly LintResult[]): string {
  return `${JSON.stringify({ results, summary: summarize(results) }, null, 2)}\n`;
}

const SARIF_LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
  style: "note",
};

/** A repository-relative URI with forward slashes, as code scanning matches paths. */
export function artifactUri(file: string, cwd: string = process.cwd()): string {
  const path = isAbsolute(file) ? relative(cwd, file) : file;
  return path
    .split(sep)
    .join("/")
    .replace(/^(\.\/)+/, "")
    .split("/")
    .map((part) => encodeURIComponent(part))
    .join("/");
}

interface RuleDescriptor {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  readonly rationale: string;
  readonly fix: string;
  readonly equivalents: Equivalents;
}

function firstSentence(text: string): string {
  const match = /^(.+?[.!?])(\s|$)/s.exec(text.trim());
  return (match?.[1] ?? text).trim();
}

export interface SarifOptions {
  /** Relative paths are resolved against this (default: the working directory). */
  readonly cwd?: string;
  readonly version?: string;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule described in tool.driver.rules (id, name,
 * descriptions, help = the fix, default level, tags and the equivalent checks in other tools), one
 * result per finding located by relative path and line range.
 */
export function formatSarif(
  results: readonly LintResult[],
  rules: readonly Rule[] = RULES,
  options: SarifOptions = {},
): object {
  const descriptors: RuleDescriptor[] = [PARSE_ERROR_RULE, ...rules];
  const index = new Map(descriptors.map((rule, i) => [rule.id, i]));
  const sarifRules = descriptors.map((rule) => ({
    id: rule.id,
    name: rule.name,
    shortDescription: { text: firstSentence(rule.rationale) || rule.name },
    fullDescription: { text: rule.rationale },
    help: { text: rule.fix },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      tags: ["dockerfile", "supply-chain", rule.severity],
      equivalents: rule.equivalents,
    },
  }));
  const artifacts = results.map((r) => ({
    location: { uri: artifactUri(r.file, options.cwd) },
    hashes: { "sha-256": r.dockerfileDigest.replace(/^sha256:/, "") },
  }));
  const sarifResults = results.flatMap((r, artifactIndex) =>
    r.findings.map((f: FindingWithFix) => ({
      ruleId: f.rule,
      ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(f.file, options.cwd), index: artifactIndex },
            region: { startLine: f.line, endLine: f.endLine },
          },
        },
      ],
      properties: { severity: f.severity, fix: f.fix, equivalents: f.equivalents },
    })),
  );
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: LINTER_NAME,
            version: options.version ?? LINTER_VERSION,
            informationUri: LINTER_URI,
            rules: sarifRules,
          },
        },
        artifacts,
        results: sarifResults,
      },
    ],
  };
}

export interface AttestOptions {
  readonly version?: string;
}

export interface LintStatement {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  readonly subject: ReadonlyArray<{ readonly name: string; readonly digest: { readonly sha256: string } }>;
  readonly predicateType: typeof LINT_PREDICATE_TYPE;
  readonly predicate: {
    readonly linter: { readonly name: string; readonly version: string };
    readonly baseImages: readonly string[];
    readonly findings: readonly FindingWithFix[];
    readonly suppressed: number;
    /** True when no findings remain (of those given: after any severity filter). */
    readonly clean: boolean;
  };
}

/** An in-toto Statement v1 that these Dockerfiles (by digest) were linted, with what result. */
export function attestStatement(results: readonly LintResult[], options: AttestOptions = {}): LintStatement {
  const baseImages: string[] = [];
  for (const r of results) for (const b of r.baseImages) if (!baseImages.includes(b)) baseImages.push(b);
  const findings = results.flatMap((r) => r.findings);
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: results.map((r) => ({
      name: r.file,
      digest: { sha256: r.dockerfileDigest.replace(/^sha256:/, "") },
    })),
    predicateType: LINT_PREDICATE_TYPE,
    predicate: {
      linter: { name: LINTER_NAME, version: options.version ?? LINTER_VERSION },
      baseImages,
      findings,
      suppressed: results.reduce((n, r) => n + r.suppressed, 0),
      clean: findings.length === 0,
    },
  };
}

/** The highest severity among the findings, or null when there are none. */
export function worstSeverity(results: readonly LintResult[]): Severity | null {
  let worst: Severity | null = null;
  for (const r of results)
    for (const f of r.findings)
      if (worst === null || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
  return worst;
}
