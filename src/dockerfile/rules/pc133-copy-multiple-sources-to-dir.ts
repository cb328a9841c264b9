import type { Rule } from "./types.js";
import { expandedWord, instructionsOf } from "./util.js";

export const pc133: Rule = {
  id: "PC133",
  name: "copy-multiple-sources-to-dir",
  severity: "error",
  rationale:
    "With more than one source, COPY and ADD need a directory destination, written with a trailing " +
    'slash; BuildKit refuses `COPY a b /dest` ("When using COPY with more than one source file, the ' +
    'destination must be a directory and end with a /"), so the file does not build.',
  fix: "End the destination with a slash: `COPY package.json package-lock.json /app/`.",
  equivalents: { hadolint: "DL3021", trivy: "DS011" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "COPY", "ADD")) {
      if (instruction.args.length <= 2) continue;
      const written = instruction.args[instruction.args.length - 1] ?? "";
      const dest = expandedWord(context, instruction, written);
      if (dest === undefined || dest.endsWith("/") || dest.endsWith("\\")) continue;
      context.report(
        at,
        `${instruction.keyword} has ${instruction.args.length - 1} sources but the destination "${written}" does not end with /`,
      );
    }
  },
};
