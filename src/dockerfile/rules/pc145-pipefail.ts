import type { Instruction } from "../ast.js";
import type { Stage } from "../stages.js";
import type { Rule } from "./types.js";
import { basename, hasFlag, ownInstructions, parentStage, runScripts } from "./util.js";

/** Shells whose pipelines are not POSIX pipelines (a failing stage is reported differently). */
const NON_POSIX = new Set(["pwsh", "powershell", "powershell.exe", "pwsh.exe", "cmd", "cmd.exe"]);
const PIPEFAIL_SHELLS = new Set(["bash", "zsh", "ash", "ksh", "mksh"]);

/** True when a SHELL instruction makes pipelines fail on any failing command (or is not POSIX). */
function shellIsSafe(shell: Instruction): boolean {
  const [program, ...args] = shell.args;
  if (program === undefined) return false;
  const name = basename(program).toLowerCase();
  if (NON_POSIX.has(name)) return true;
  if (!PIPEFAIL_SHELLS.has(name)) return false;
  return args.some((a, i) => a === "pipefail" && /^-[a-z]*o$/.test(args[i - 1] ?? ""));
}

/**
 * Whether the SHELL in effect at the end of each stage is safe: its own last SHELL, else the one it
 * inherits from the stage it is built FROM (parents come earlier, so one pass in order).
 */
function safeAtEnd(stages: readonly Stage[]): Map<Stage, boolean> {
  const safe = new Map<Stage, boolean>();
  for (const stage of stages) {
    const last = ownInstructions(stage, "SHELL").at(-1);
    const parent = parentStage(stages, stage);
    safe.set(
      stage,
      last !== undefined ? shellIsSafe(last) : parent !== undefined && safe.get(parent) === true,
    );
  }
  return safe;
}

export const pc145: Rule = {
  id: "PC145",
  name: "pipefail",
  severity: "warning",
  rationale:
    "A POSIX shell reports only the last command of a pipeline, so in `RUN curl -fsSL $URL | tar -xz` " +
    "a failed download produces an empty archive and a green build. With `-o pipefail` any failing " +
    "command fails the RUN. A RUN that starts with `set -o pipefail` is accepted (hadolint's DL4006 " +
    "asks for the SHELL instruction only).",
  fix: 'Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (`/bin/ash` on Alpine) before the RUN, or start it with `set -o pipefail &&`.',
  equivalents: { hadolint: "DL4006" },
  check(context) {
    const inherited = safeAtEnd(context.stages);
    for (const stage of context.stages) {
      const shells = ownInstructions(stage, "SHELL");
      let shell = -1; // the last SHELL before the current RUN (both lists in line order)
      for (const instruction of ownInstructions(stage, "RUN")) {
        const line = instruction.range.startLine;
        while ((shells[shell + 1]?.range.startLine ?? Number.POSITIVE_INFINITY) < line) shell++;
        if (instruction.form === "exec") continue;
        const scripts = runScripts(instruction);
        if (!scripts.some((s) => s.pipelines.some((p) => p.commands.length > 1))) continue;
        const before = shells[shell];
        const parent = parentStage(context.stages, stage);
        const safe =
          before !== undefined ? shellIsSafe(before) : parent !== undefined && inherited.get(parent) === true;
        if (safe) continue;
        const first = scripts[0]?.commands[0];
        if (first?.name === "set" && hasFlag(first, "-o") && first.args.includes("pipefail")) continue;
        context.report(instruction, "RUN has a pipe but the shell does not use -o pipefail");
      }
    }
  },
};
