import type { Rule } from "./types.js";
import { instructionsOf, runCommands } from "./util.js";

/** True when a chmod mode grants write to "others" (777, 666, o+w, a+rwx, ...) without the sticky bit. */
export function isWorldWritableMode(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) {
    const digits = mode.padStart(4, "0");
    const special = Number(digits[0]);
    const others = Number(digits[3]);
    return (others & 2) !== 0 && (special & 1) === 0;
  }
  return mode.split(",").some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (m === null) return false;
    const who = m[1] ?? "";
    const perms = m[3] ?? "";
    return (
      m[2] !== "-" && (who.includes("o") || who.includes("a")) && perms.includes("w") && !perms.includes("t")
    );
  });
}

export const pc117: Rule = {
  id: "PC117",
  name: "no-world-writable",
  severity: "warning",
  rationale:
    "`chmod 777` (or `a+rwx`) lets every user in the container rewrite the files, so a compromised " +
    "low-privilege process can replace binaries, scripts or configuration that more privileged code " +
    "later runs. It is almost always a workaround for an ownership problem that `chown` or " +
    "`COPY --chown` solves properly.",
  fix: "Give the files to the user that needs them (`COPY --chown=app:app`, `chown app`) and use 755/644 (or 775 with a shared group).",
  equivalents: {},
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (command.name !== "chmod") continue;
        const mode = command.args.find((a) => !/^-[A-Za-z]+$/.test(a) && !a.startsWith("--"));
        if (mode !== undefined && isWorldWritableMode(mode)) {
          context.report(at, `chmod ${mode} makes files world-writable`);
        }
      }
    }
  },
};
