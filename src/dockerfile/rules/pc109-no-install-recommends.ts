import type { Rule } from "./types.js";
import { aptCall, hasFlag, instructionsOf, runCommands } from "./util.js";

export const pc109: Rule = {
  id: "PC109",
  name: "no-install-recommends",
  severity: "info",
  rationale:
    "By default apt installs a package's recommended packages as well, which routinely pulls in " +
    "compilers, documentation, X11 libraries and daemons the image never uses. Every extra package is " +
    "extra size and extra attack surface that the vulnerability scanner will report against the image.",
  fix: "Add `--no-install-recommends` to `apt-get install` (and list explicitly what the image needs).",
  equivalents: { hadolint: "DL3015", trivy: "DS029" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (aptCall(command)?.sub !== "install") continue;
        if (hasFlag(command, "--no-install-recommends")) continue;
        if (command.args.some((a) => /APT::Install-Recommends=(false|0|no)/i.test(a))) continue;
        context.report(at, `${command.name} install without --no-install-recommends`);
      }
    }
  },
};
