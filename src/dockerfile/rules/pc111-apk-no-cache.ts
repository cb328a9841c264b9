import type { Rule } from "./types.js";
import { cacheMountTargets, hasFlag, instructionsOf, operands, runCommands } from "./util.js";

const APK_CACHE = "/var/cache/apk";

export const pc111: Rule = {
  id: "PC111",
  name: "apk-no-cache",
  severity: "info",
  rationale:
    "`apk add` without `--no-cache` stores the package index under /var/cache/apk in the layer, " +
    "adding size to every copy of the image for no runtime benefit, and encourages a separate, " +
    "soon-stale `apk update` layer.",
  fix: "Use `apk add --no-cache pkg` (no `apk update` needed), or mount a cache: `RUN --mount=type=cache,target=/var/cache/apk`.",
  equivalents: { hadolint: "DL3019", trivy: "DS025" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const commands = runCommands(instruction);
      if (cacheMountTargets(instruction).some((t) => t === APK_CACHE)) continue;
      const cleaned = commands.some(
        (c) => c.name === "rm" && operands(c).some((path) => path.startsWith(APK_CACHE)),
      );
      if (cleaned) continue;
      for (const command of commands) {
        if (command.name !== "apk" || operands(command, ["-X", "--repository", "-p", "--root"])[0] !== "add")
          continue;
        if (hasFlag(command, "--no-cache")) continue;
        context.report(at, "apk add without --no-cache");
      }
    }
  },
};
