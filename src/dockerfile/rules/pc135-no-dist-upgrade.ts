import type { Rule } from "./types.js";
import { aptCall, instructionsOf, operands, runCommands } from "./util.js";

const ZYPPER_DIST_UPGRADE = new Set(["dist-upgrade", "dup"]);
const APT_DIST_UPGRADE = new Set(["dist-upgrade", "full-upgrade"]);

export const pc135: Rule = {
  id: "PC135",
  name: "no-dist-upgrade",
  severity: "warning",
  rationale:
    "A distribution upgrade inside a build (`zypper dist-upgrade`, `apt-get dist-upgrade`) may move the " +
    "image to a different release than the base image claims, remove or replace packages, and " +
    "produce different results every day. The base image's maintainers ship the distribution; " +
    "rebuilding on a newer base image is the reviewable way to upgrade it.",
  fix: "Remove the dist-upgrade and build FROM a newer base image tag (or digest) instead.",
  equivalents: { hadolint: "DL3035", trivy: "DS024" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        const apt = aptCall(command);
        let sub: string | undefined;
        if (apt !== undefined && apt.sub !== undefined && APT_DIST_UPGRADE.has(apt.sub)) sub = apt.sub;
        if (command.name === "zypper") {
          const first = operands(command, ["--root", "-R", "-D", "-C", "-c", "--config"])[0];
          if (first !== undefined && ZYPPER_DIST_UPGRADE.has(first)) sub = first;
        }
        if (sub !== undefined)
          context.report(at, `${command.name} ${sub} upgrades the whole distribution during the build`);
      }
    }
  },
};
