import { subcommand } from "../shell/index.js";
import type { Rule } from "./types.js";
import { cacheMountTargets, instructionsOf, runCommands } from "./util.js";

export const pc142: Rule = {
  id: "PC142",
  name: "yarn-cache-clean",
  severity: "info",
  rationale:
    "`yarn install` keeps every downloaded package in its global cache; left in the layer, the " +
    "cache often weighs as much as node_modules itself and only makes the image bigger.",
  fix: "End the RUN with `&& yarn cache clean`, or mount the cache: `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`.",
  equivalents: { hadolint: "DL3060" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const commands = runCommands(instruction).filter((c) => c.name === "yarn");
      if (commands.length === 0 || cacheMountTargets(instruction).length > 0) continue;
      const installs = commands.some((c) => subcommand(c) === "install");
      const cleans = commands.some((c) => subcommand(c) === "cache" && c.args.includes("clean"));
      if (installs && !cleans) context.report(at, "yarn install without yarn cache clean");
    }
  },
};
