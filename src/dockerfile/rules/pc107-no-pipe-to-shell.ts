import type { Rule } from "./types.js";
import { instructionsOf, isPipeToShell, isShellName, runCommands, runPipelines } from "./util.js";

const DOWNLOAD_SUBSTITUTION = /^(?:\$\(|`|<\()\s*(?:curl|wget)\b/;

export const pc107: Rule = {
  id: "PC107",
  name: "no-pipe-to-shell",
  severity: "error",
  rationale:
    "`curl ... | sh` runs whatever the server sends at build time, unverified and unrecorded: a " +
    "compromised host, a hijacked domain or a partial download executes inside the build with its " +
    "network and secrets. The script is not pinned, not reviewed and not in any SBOM, so the image's " +
    "contents cannot be reproduced or audited.",
  fix:
    "Download the script or binary to a file, verify it (`sha256sum -c`, a signature), then run it; or " +
    "use `ADD --checksum=...` or a package from the distribution's signed repositories.",
  equivalents: {},
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const piped = runPipelines(instruction).some((p) => isPipeToShell(p));
      const substituted = runCommands(instruction).some(
        (c) => isShellName(c.name) && c.args.some((a) => DOWNLOAD_SUBSTITUTION.test(a)),
      );
      if (piped || substituted) {
        context.report(at, "a downloaded script is piped into a shell without verification");
      }
    }
  },
};
