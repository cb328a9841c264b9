/** Test helpers: small rules with known behaviour, so linter tests do not depend on the real rules. */
import type { Rule } from "../rules/types.js";

/** PC901 (warning): every RUN. Equivalent to hadolint DL9001 and DL9002. */
export const everyRun: Rule = {
  id: "PC901",
  name: "every-run",
  severity: "warning",
  rationale: "A test rule. It flags every RUN instruction.",
  fix: "Do not RUN anything.",
  equivalents: { hadolint: "DL9001, DL9002", trivy: "DS900", cis: "4.9" },
  check(context) {
    for (const instruction of context.dockerfile.instructions) {
      if (instruction.keyword === "RUN")
        context.report(instruction, `RUN at line ${instruction.range.startLine}`);
    }
  },
};

/** PC902 (info): every FROM. */
export const everyFrom: Rule = {
  id: "PC902",
  name: "every-from",
  severity: "info",
  rationale: "A test rule. It flags every FROM instruction.",
  fix: "Build from nothing.",
  equivalents: { hadolint: "DL9003" },
  check(context) {
    for (const stage of context.stages) context.report(stage.from, `FROM ${stage.base}`);
  },
};

/** PC903 (error): throws, to prove a broken rule does not crash the linter. */
export const broken: Rule = {
  id: "PC903",
  name: "broken",
  severity: "style",
  rationale: "A test rule that fails.",
  fix: "None.",
  equivalents: {},
  check() {
    throw new Error("boom");
  },
};

export const TEST_RULES: readonly Rule[] = [everyRun, everyFrom];

export function text(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * The live memory `lintText` may hold at its peak, for test/support/budget.ts: 16 MiB plus 128 bytes per
 * byte of Dockerfile. The syntax tree, ARG/ENV scopes, shell trees and findings take some 60 bytes per
 * byte at 0.6 MB; a rule or scope that copied its state per instruction would take thousands.
 */
export const LINT_MEMORY = { fixed: 16 * 2 ** 20, perUnit: 128 };
