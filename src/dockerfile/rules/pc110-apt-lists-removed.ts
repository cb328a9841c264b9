import type { Rule } from "./types.js";
import {
  cacheMountTargets,
  finalChain,
  isAptInstall,
  operands,
  ownInstructions,
  runCommands,
} from "./util.js";

const APT_LISTS = "/var/lib/apt/lists";

export const pc110: Rule = {
  id: "PC110",
  name: "apt-lists-removed",
  severity: "info",
  rationale:
    "`apt-get update` downloads tens of megabytes of package indexes into /var/lib/apt/lists. Unless " +
    "they are removed in the same RUN they are committed into the layer and shipped with every copy of " +
    "the image, where they only add size and go stale. Only stages that end up in the final image " +
    "matter; builder stages are discarded.",
  fix:
    "End the RUN with `&& rm -rf /var/lib/apt/lists/*`, or keep the lists out of the layer with " +
    "`RUN --mount=type=cache,target=/var/lib/apt/lists ...`.",
  equivalents: { hadolint: "DL3009" },
  check(context) {
    for (const stage of finalChain(context.stages)) {
      for (const instruction of ownInstructions(stage, "RUN")) {
        const commands = runCommands(instruction);
        if (!commands.some(isAptInstall)) continue;
        if (cacheMountTargets(instruction).some((t) => t === APT_LISTS || t === "/var/lib/apt")) continue;
        const removed = commands.some(
          (c) => c.name === "rm" && operands(c).some((path) => path.startsWith(APT_LISTS)),
        );
        if (!removed) {
          context.report(
            instruction,
            "apt lists are not removed after install (rm -rf /var/lib/apt/lists/*)",
          );
        }
      }
    }
  },
};
