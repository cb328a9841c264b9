import type { Rule } from "./types.js";
import { instructionsOf, runCommands } from "./util.js";

/** hadolint DL3001's list: interactive, init-system or host-administration commands. */
const POINTLESS = new Set([
  "ssh",
  "vim",
  "shutdown",
  "service",
  "ps",
  "free",
  "top",
  "kill",
  "mount",
  "ifconfig",
]);

export const pc131: Rule = {
  id: "PC131",
  name: "no-pointless-commands",
  severity: "info",
  rationale:
    "A build step has no terminal, no init system and no host to administer: `vim` and `top` wait for " +
    "a user who is not there, `service x start` starts a daemon that dies with the build step, and " +
    "`mount`, `ifconfig`, `kill` or `shutdown` act on the build sandbox, not on the running container. " +
    "Such commands are usually copied from a VM setup script and do nothing useful in the image.",
  fix: "Remove the command; configure services to start from CMD/ENTRYPOINT, and debug with `docker exec`.",
  equivalents: { hadolint: "DL3001" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const found = new Set<string>();
      for (const command of runCommands(instruction)) {
        if (POINTLESS.has(command.name)) found.add(command.name);
      }
      if (found.size > 0)
        context.report(at, `RUN runs ${[...found].join(", ")}, which makes no sense in a container build`);
    }
  },
};
