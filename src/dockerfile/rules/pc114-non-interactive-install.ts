import type { SimpleCommand } from "../shell/types.js";
import type { Rule } from "./types.js";
import { aptCall, hasFlag, instructionsOf, operands, runCommands, YUM_VALUE_FLAGS } from "./util.js";

const APT_PROMPTING = new Set([
  "install",
  "upgrade",
  "dist-upgrade",
  "full-upgrade",
  "remove",
  "purge",
  "autoremove",
  "build-dep",
]);
const YUM_PROMPTING = new Set([
  "install",
  "groupinstall",
  "localinstall",
  "update",
  "upgrade",
  "remove",
  "erase",
  "reinstall",
]);

/** The prompting subcommand a command runs without assuming yes, or undefined. */
function promptingCall(command: SimpleCommand): string | undefined {
  const apt = aptCall(command);
  if (apt !== undefined) {
    if (apt.sub === undefined || !APT_PROMPTING.has(apt.sub)) return undefined;
    const yes =
      hasFlag(command, "-y", "--yes", "--assume-yes", "--force-yes") ||
      command.args.some((a) => a === "-qq" || a === "-q=2" || /APT::Get::Assume-Yes=(true|1|yes)/i.test(a));
    return yes ? undefined : `${command.name} ${apt.sub}`;
  }
  if (command.name === "yum" || command.name === "dnf") {
    const sub = operands(command, YUM_VALUE_FLAGS)[0];
    if (sub === undefined || !YUM_PROMPTING.has(sub)) return undefined;
    return hasFlag(command, "-y", "--assumeyes") ? undefined : `${command.name} ${sub}`;
  }
  if (command.name === "zypper") {
    const sub = operands(command, ["--root", "-R", "-D", "-C", "-c", "--config"])[0];
    if (
      sub === undefined ||
      !["install", "in", "update", "up", "remove", "rm", "patch", "dist-upgrade", "dup"].includes(sub)
    ) {
      return undefined;
    }
    return hasFlag(command, "-n", "--non-interactive", "-y", "--no-confirm") ? undefined : `zypper ${sub}`;
  }
  return undefined;
}

export const pc114: Rule = {
  id: "PC114",
  name: "non-interactive-install",
  severity: "warning",
  rationale:
    "A build has no terminal: a package manager that stops to ask for confirmation either aborts the " +
    "build or, depending on the tool, proceeds with its default answer. Saying yes explicitly makes the " +
    "build behave the same everywhere and keeps failures meaningful.",
  fix: "Add `-y` to apt-get/yum/dnf (`apt-get install -y ...`) and `-n` (`--non-interactive`) to zypper.",
  equivalents: { hadolint: "DL3014, DL3030, DL3034, DL3038", trivy: "DS021" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        const call = promptingCall(command);
        if (call !== undefined) context.report(at, `${call} without -y (non-interactive)`);
      }
    }
  },
};
