import type { ApprovedBase } from "../../oci/index.js";
import type { Dockerfile, Instruction } from "../ast.js";
import type { Stage } from "../stages.js";

export type Severity = "error" | "warning" | "info" | "style";

/** Where the same check lives in the tools teams migrate from (for mapping their suppressions). */
export interface Equivalents {
  readonly hadolint?: string;
  readonly trivy?: string;
  readonly cis?: string;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly line: number;
  readonly endLine: number;
  readonly message: string;
}

/** The organisation's approved base images: by name, tag pattern (glob) or digest. */
export type { ApprovedBase };

export interface LintConfig {
  readonly approvedBases: readonly ApprovedBase[];
  /** Rule id → severity override, or "off". */
  readonly rules: Readonly<Record<string, Severity | "off">>;
}

export interface RuleContext {
  readonly file: string;
  readonly dockerfile: Dockerfile;
  readonly stages: readonly Stage[];
  readonly config: LintConfig;
  /** A finding at an instruction, with the rule's id and severity filled in. */
  report(instruction: Instruction | { range: { startLine: number; endLine: number } }, message: string): void;
}

/** One file per rule under `rules/`, listed in `rules/index.ts`. */
export interface Rule {
  /** `PC101`… */
  readonly id: string;
  /** A short kebab-case name: `base-image-pinned-by-digest`. */
  readonly name: string;
  readonly severity: Severity;
  /** One paragraph: why it matters. */
  readonly rationale: string;
  /** How to fix it. */
  readonly fix: string;
  readonly equivalents: Equivalents;
  check(context: RuleContext): void;
}
