/** The Dockerfile linter: configuration, inline suppressions, running the rules, and output formats. */

export {
  type CheckDirective,
  checkDirectiveOf,
  isBuildkitCheck,
  parseCheckDirective,
  skippedRules,
} from "./check-directive.js";
export {
  DEFAULT_LINT_CONFIG,
  lintConfigFrom,
  loadLintConfig,
  normalizeImageName,
  parseLintConfig,
  SEVERITIES,
} from "./config.js";
export { LintError, type LintErrorCode } from "./errors.js";
export {
  type AttestOptions,
  artifactUri,
  attestStatement,
  formatJson,
  formatSarif,
  formatTable,
  IN_TOTO_STATEMENT_TYPE,
  LINT_PREDICATE_TYPE,
  LINTER_NAME,
  LINTER_VERSION,
  type LintStatement,
  type LintSummary,
  SARIF_SCHEMA,
  type SarifOptions,
  summarize,
  worstSeverity,
} from "./formats.js";
export {
  type AppliedSuppression,
  type FindingWithFix,
  filterBySeverity,
  isSeverity,
  type LintFilesOptions,
  type LintResult,
  type LintTextOptions,
  lintFiles,
  lintText,
  MAX_DOCKERFILE_BYTES,
  PARSE_ERROR_RULE,
  severityRank,
} from "./lint.js";
export { collectSuppressions, type Suppression, SuppressionIndex } from "./suppress.js";
