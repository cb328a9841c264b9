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
