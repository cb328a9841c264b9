import type { ApprovedBase } from "../../oci/index.js";
import type { Dockerfile, Instruction } from "../ast.js";
import type { Environment } from "../env.js";
import type { Stage } from "../stages.js";

export type Severity = "error" | "warning" | "info" | "style";

/** Where the same check lives in the tools teams migrate from (for mapping their suppressions). */
export interface Equivalents {
  readonly hadolint?: string;
  readonly trivy?: string;
  readonly cis?: string;
  /** BuildKit build-check names (`JSONArgsRecommended`), for `# check=skip=` and migration. */
  readonly buildkit?: string;
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

/** The value types a label schema can require (hadolint's label-schema types). */
export type LabelType = "text" | "url" | "rfc3339" | "spdx" | "hash" | "semver" | "email";

export interface LintConfig {
  readonly approvedBases: readonly ApprovedBase[];
  /** Labels the final image must carry, with the type of their value (PC150; none when absent). */
  readonly labelSchema?: Readonly<Record<string, LabelType>>;
  /** With a label schema: labels not in it are reported too. */
  readonly strictLabels?: boolean;
  /** Rule id → severity override, or "off". */
  readonly rules: Readonly<Record<string, Severity | "off">>;
}

export interface RuleContext {
  readonly file: string;
  readonly dockerfile: Dockerfile;
  readonly stages: readonly Stage[];
  readonly config: LintConfig;
  /**
   * The variables in effect at an instruction (stage ARGs and ENV, globals for FROM), with
   * `expand(word)` giving the word as BuildKit would expand it there, or undefined when it uses a
   * value unknown to a static reader. ONBUILD-wrapped instructions get an empty environment.
   */
  envAt(instruction: Instruction): Environment;
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
