import type { Rule } from "./types.js";
import { basename, instructionsOf, runScripts } from "./util.js";

export const pc116: Rule = {
  id: "PC116",
  name: "no-sudo",
  severity: "warning",
  rationale:
    "RUN already executes as the current USER, and sudo in an image means sudo is installed and " +
    "configured, which gives any process in the running container a path back to root. Its TTY and " +
    "PAM handling also make builds behave unpredictably.",
  fix:
    "Switch users with `USER root` before the privileged steps and `USER app` after; at runtime use " +
    "`gosu`/`su-exec` in an entrypoint if a privilege drop is needed.",
  equivalents: { hadolint: "DL3004", trivy: "DS010" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const commands = runScripts(instruction).flatMap((s) => [...s.commands]);
      if (commands.some((c) => basename(c.name) === "sudo")) context.report(at, "RUN uses sudo");
    }
  },
};
