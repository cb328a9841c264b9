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

/** Whether the SHELL in effect at `line` of `stage` (or inherited from its parent stages) is safe. */
function safeShellAt(stages: readonly Stage[], stage: Stage, line: number): boolean {
  const seen = new Set<Stage>();
  let current: Stage | undefined = stage;
  let limit = line;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const shells = ownInstructions(current, "SHELL").filter((s) => s.range.startLine < limit);
    const last = shells[shells.length - 1];
    if (last !== undefined) return shellIsSafe(last);
    current = parentStage(stages, current);
    limit = Number.POSITIVE_INFINITY;
  }
  return false;
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
    for (const stage of context.stages) {
      for (const instruction of ownInstructions(stage, "RUN")) {
        if (instruction.form === "exec") continue;
        const scripts = runScripts(instruction);
        if (!scripts.some((s) => s.pipelines.some((p) => p.commands.length > 1))) continue;
        if (safeShellAt(context.stages, stage, instruction.range.startLine)) continue;
        const first = scripts[0]?.commands[0];
        if (first?.name === "set" && hasFlag(first, "-o") && first.args.includes("pipefail")) continue;
        context.report(instruction, "RUN has a pipe but the shell does not use -o pipefail");
      }
    }
  },
};
