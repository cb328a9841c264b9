import type { Rule } from "./types.js";

export const pc146: Rule = {
  id: "PC146",
  name: "instruction-before-from",
  severity: "error",
  rationale:
    "Only ARG (and parser directives and comments) may come before the first FROM; BuildKit refuses " +
    "any other instruction there, so the file does not build.",
  fix: "Move the instruction after the first FROM (or turn it into a global ARG if it only sets a value for FROM).",
  equivalents: { hadolint: "DL3061" },
  check(context) {
    for (const instruction of context.dockerfile.instructions) {
      if (instruction.keyword === "FROM") return;
      if (instruction.keyword !== "ARG") {
        context.report(
          instruction,
          `${instruction.keyword} before the first FROM (only ARG may come before it)`,
        );
      }
    }
  },
};
