import type { Rule } from "./types.js";
import { hasVariable, instructionsOf, unquote } from "./util.js";

export const pc120: Rule = {
  id: "PC120",
  name: "workdir-absolute",
  severity: "warning",
  rationale:
    "A relative WORKDIR is resolved against whatever the previous working directory was, which may " +
    "come from the base image and change when the base is updated. Absolute paths make the directory " +
    "every later instruction runs in explicit and stable.",
  fix: "Use an absolute path: `WORKDIR /app`.",
  equivalents: { hadolint: "DL3000", trivy: "DS009", buildkit: "WorkdirRelativePath" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "WORKDIR")) {
      const written = instruction.args.join(" ");
      // `WORKDIR $APP_HOME`: judge the value ARG/ENV give it; skip when that value is unknown.
      const path = hasVariable(written) ? context.envAt(instruction).expand(written) : unquote(written);
      if (path === undefined || path === "" || path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) continue;
      context.report(at, `WORKDIR "${path}" is relative`);
    }
  },
};
