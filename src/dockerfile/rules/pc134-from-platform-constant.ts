import type { Rule } from "./types.js";
import { flagOf, hasVariable } from "./util.js";

export const pc134: Rule = {
  id: "PC134",
  name: "from-platform-constant",
  severity: "warning",
  rationale:
    "`FROM --platform=linux/amd64` hard-codes the architecture of the stage, so a multi-platform " +
    "build produces an image whose contents do not match the platform it is labelled with, and " +
    "arm64 hosts silently run it under emulation. `--platform=$BUILDPLATFORM` (cross-compiling on the " +
    "builder's platform) and `$TARGETPLATFORM` are the intended uses and are not reported; hadolint's " +
    "DL3029 reports every `--platform`, BuildKit's FromPlatformFlagConstDisallowed only constants, as here.",
  fix: "Drop `--platform`, or use `--platform=$BUILDPLATFORM` for build stages that cross-compile.",
  equivalents: { hadolint: "DL3029", buildkit: "FromPlatformFlagConstDisallowed" },
  check(context) {
    for (const stage of context.stages) {
      const platform = flagOf(stage.from, "platform");
      if (platform === undefined || platform === null || platform === "" || hasVariable(platform)) continue;
      context.report(stage.from, `FROM --platform=${platform} fixes the stage's platform`);
    }
  },
};
