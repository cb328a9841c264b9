import type { Rule } from "./types.js";
import { instructionsOf } from "./util.js";

export const pc121: Rule = {
  id: "PC121",
  name: "exec-form",
  severity: "warning",
  rationale:
    "In shell form (`CMD node server.js`) the container's PID 1 is `/bin/sh -c`, which does not " +
    "forward SIGTERM to the application: `docker stop` and Kubernetes wait out the grace period and " +
    "then kill it, so connections are dropped and shutdown hooks never run. The shell form also " +
    "requires a shell in the image and ignores arguments passed to ENTRYPOINT.",
  fix: 'Use the JSON exec form: `CMD ["node", "server.js"]`; if you need shell features, exec at the end: `CMD ["sh", "-c", "exec node server.js"]`.',
  equivalents: { hadolint: "DL3025", buildkit: "JSONArgsRecommended" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "CMD", "ENTRYPOINT")) {
      if (instruction.form === "shell") {
        context.report(at, `${instruction.keyword} uses the shell form; use the JSON exec form`);
      }
    }
  },
};
