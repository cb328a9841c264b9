import type { Rule } from "./types.js";
import { flagOf, instructionsOf, operands, runCommands } from "./util.js";

/**
 * True when a chmod mode sets the setuid or setgid bit: octal with 4, 2 or 6 in the special digit
 * (`4755`, `02755`), or a symbolic clause adding `s` (`u+s`, `g=rxs`, `+s`).
 */
export function setsSpecialBits(mode: string): boolean {
  if (/^[0-7]{4,}$/.test(mode)) {
    const special = Number(mode[mode.length - 4]);
    return (special & 6) !== 0;
  }
  return mode.split(",").some((clause) => /^[ugoa]*[+=][rwxXst]*s/.test(clause));
}

export const pc148: Rule = {
  id: "PC148",
  name: "no-setuid-setgid",
  severity: "warning",
  rationale:
    "A setuid or setgid binary runs with its owner's (usually root's) privileges whoever starts it, " +
    "so it is the classic way from a compromised non-root process to root. CIS Docker Benchmark 4.8 " +
    "asks images to drop these bits; adding new ones in the Dockerfile works directly against it. " +
    "(Bits inherited from the base image cannot be seen statically: scan the built image for them, " +
    "or strip them with `find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.)",
  fix: "Do not set setuid/setgid bits; grant a specific capability (`setcap`) or run the process as the right user instead.",
  equivalents: { cis: "4.8" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        if (command.name !== "chmod") continue;
        const mode = operands(command, ["--reference"])[0];
        if (mode !== undefined && setsSpecialBits(mode)) {
          context.report(at, `chmod ${mode} sets the setuid/setgid bit`);
        }
      }
    }
    for (const { instruction, at } of instructionsOf(context, "COPY", "ADD")) {
      const mode = flagOf(instruction, "chmod");
      if (mode !== undefined && mode !== null && setsSpecialBits(mode)) {
        context.report(at, `${instruction.keyword} --chmod=${mode} sets the setuid/setgid bit`);
      }
    }
  },
};
