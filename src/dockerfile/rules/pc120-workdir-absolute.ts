import type { Rule } from "./types.js";
import { instructionsOf, unquote } from "./util.js";

export const pc120: Rule = {
  id: "PC120",
  name: "workdir-absolute",
  severity: "warning",
  rationale:
    "A relative WORKDIR is resolved against whatever the previous working directory was, which may " +
    "come from the base image and change when the base is updated. Absolute paths make the directory " +
    "every later instruction runs in explicit and stable.",
  fix: "Use an absolute path: `WORKDIR /app`.",
  equivalents: { hadolint: "DL3000", trivy: "DS009" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "WORKDIR")) {
      const path = unquote(instruction.args.join(" "));
      if (path === "" || path.startsWith("/") || path.startsWith("$") || /^[A-Za-z]:[\\/]/.test(path))
        continue;
      context.report(at, `WORKDIR "${path}" is relative`);
    }
  },
};
