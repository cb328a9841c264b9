import type { Rule } from "./types.js";
import { flagValue, hasFlag, hasVariable, instructionsOf, runCommands } from "./util.js";

/** UIDs above this make lastlog/faillog sparse files that tar writes out in full. */
const LONG_UID = 99_999;

export const pc138: Rule = {
  id: "PC138",
  name: "useradd-no-log-init",
  severity: "warning",
  rationale:
    "`useradd` records the new user in /var/log/lastlog and /var/log/faillog, files indexed by UID. " +
    "With a large UID they become sparse files of gigabytes that the layer tarball stores in full, " +
    "bloating the image (and sometimes exhausting the builder's disk). `-l` (`--no-log-init`) skips them.",
  fix: "Add `-l`: `useradd -l -u 100001 app` (or use a UID below 100000).",
  equivalents: { hadolint: "DL3046" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (command.name !== "useradd" || hasFlag(command, "-l", "--no-log-init")) continue;
        const written = flagValue(command, "-u") ?? flagValue(command, "--uid");
        if (written === undefined) continue;
        // The shell sees the stage's ARG/ENV values: `-u $APP_UID` is judged by the value.
        const uid = hasVariable(written) ? context.envAt(instruction).expand(written) : written;
        if (uid === undefined || !/^\d+$/.test(uid) || Number(uid) <= LONG_UID) continue;
        context.report(at, `useradd -u ${uid} without -l (--no-log-init) writes huge sparse log files`);
      }
    }
  },
};
