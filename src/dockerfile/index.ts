export type {
  Comment,
  Directive,
  Dockerfile,
  Flag,
  Heredoc,
  Instruction,
  InstructionForm,
  ParseWarning,
  SourceRange,
} from "./ast.js";
export { type Environment, Environments, type EnvValue } from "./env.js";
export { expandWord } from "./expand.js";
export {
  type AppliedSuppression,
  attestStatement,
  type CheckDirective,
  DEFAULT_LINT_CONFIG,
  type FindingWithFix,
  filterBySeverity,
  formatJson,
  formatSarif,
  formatTable,
  isSeverity,
  LintError,
  type LintErrorCode,
  type LintResult,
  type LintStatement,
  lintConfigFrom,
  lintFiles,
  lintText,
  loadLintConfig,
  parseCheckDirective,
  parseLintConfig,
  type Suppression,
  severityRank,
} from "./lint/index.js";
export { DockerfileError, parseDockerfile } from "./parser/index.js";
export type {
  ApprovedBase,
  Equivalents,
  Finding,
  LintConfig,
  Rule,
  RuleContext,
  Severity,
} from "./rules/types.js";
export type { Pipeline, ShellScript, SimpleCommand } from "./shell/types.js";
export type { Stage } from "./stages.js";
export { buildStages } from "./stages.js";
