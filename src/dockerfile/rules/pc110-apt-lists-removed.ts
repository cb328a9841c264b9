import type { Rule } from "./types.js";
import {
  aptCall,
  cacheMountTargets,
  finalChain,
  isAptInstall,
  operands,
  ownInstructions,
  runCommands,
} from "./util.js";

const APT_LISTS = "/var/lib/apt/lists";
/** rm operands that clear the lists; `rm /var/lib/apt/lists/*.gz` leaves the (uncompressed) lists. */
const CLEARS_LISTS = new Set([APT_LISTS, `${APT_LISTS}/*`, "/var/lib/apt", "/var/lib/apt/*"]);

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
        // `apt-get update` is what writes the lists (hadolint's DL3009 looks for it); an install
        // without an update in the same RUN still leaves lists an earlier layer could not drop.
        if (!commands.some((c) => isAptInstall(c) || aptCall(c)?.sub === "update")) continue;
        if (cacheMountTargets(instruction).some((t) => t === APT_LISTS || t === "/var/lib/apt")) continue;
        const removed = commands.some(
          (c) => c.name === "rm" && operands(c).some((path) => CLEARS_LISTS.has(path.replace(/\/+$/, ""))),
        );
        if (!removed) {
          context.report(
            instruction,
            "apt lists are left in the layer: remove them in the same RUN (rm -rf /var/lib/apt/lists/*)",
          );
        }
      }
    }
  },
};
