/** Test helper: run one rule over a Dockerfile text and collect its findings. */

import { Environments } from "../env.js";
import { parseDockerfile } from "../parser/index.js";
import { buildStages } from "../stages.js";
import type { ApprovedBase, Finding, LintConfig, Rule } from "./types.js";

export interface LintWithOptions {
  readonly approvedBases?: readonly ApprovedBase[];
  readonly buildArgs?: Record<string, string>;
}

export function lintWith(rule: Rule, text: string, options: LintWithOptions = {}): Finding[] {
  const dockerfile = parseDockerfile(text);
  const stages = buildStages(dockerfile, options.buildArgs);
  const config: LintConfig = { approvedBases: options.approvedBases ?? [], rules: {} };
  const findings: Finding[] = [];
  const environments = new Environments(dockerfile, stages, options.buildArgs);
  rule.check({
    file: "Dockerfile",
    dockerfile,
    stages,
    config,
    envAt: (instruction) => environments.at(instruction),
    report(instruction, message) {
      findings.push({
        rule: rule.id,
        severity: rule.severity,
        line: instruction.range.startLine,
        endLine: instruction.range.endLine,
        message,
      });
    },
  });
  return findings;
}

/** The start lines of a rule's findings, for compact table tests. */
export function linesOf(rule: Rule, text: string, options?: LintWithOptions): number[] {
  return lintWith(rule, text, options).map((f) => f.line);
}

/** Joins lines into a Dockerfile text (keeps test tables readable). */
export function df(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}
