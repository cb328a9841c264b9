/**
 * Helpers shared by the rules: walking instructions (ONBUILD unwrapped) with their stage, turning a
 * RUN into the shell scripts it runs and the commands they execute.
 */
import type { Instruction } from "../ast.js";
import { basename, effectiveCommand, flagValue, hasFlag, isPipeToShell, parseShell } from "../shell/index.js";
import type { Pipeline, ShellScript, SimpleCommand } from "../shell/types.js";
import { type Stage, stageParents } from "../stages.js";
import type { RuleContext } from "./types.js";

export interface Located {
  /** The instruction to analyse (for `ONBUILD RUN x`, the wrapped RUN). */
  readonly instruction: Instruction;
  /** Where to report: the instruction as it appears in the file (the ONBUILD itself when wrapped). */
  readonly at: Instruction;
  /** The stage it belongs to; undefined before the first FROM (global ARGs). */
  readonly stage: Stage | undefined;
  readonly onbuild: boolean;
}

/**
 * Every instruction of the file, in order, with its stage; `ONBUILD X` yields X (reported at the
 * ONBUILD line). `keywords` filters on the (wrapped) instruction's keyword.
 */
export function instructionsOf(context: RuleContext, ...keywords: string[]): readonly Located[] {
  const all = locatedOf(context);
  if (keywords.length === 0) return all;
  // Most rules ask for the same few keyword lists: filter each list once per file.
  let byKeywords = filteredCache.get(all);
  if (byKeywords === undefined) {
    byKeywords = new Map();
    filteredCache.set(all, byKeywords);
  }
  const key = keywords.join(" ");
  let filtered = byKeywords.get(key);
  if (filtered === undefined) {
    filtered = all.filter((l) => keywords.includes(l.instruction.keyword));
    byKeywords.set(key, filtered);
  }
  return filtered;
}

const filteredCache = new WeakMap<readonly Located[], Map<string, readonly Located[]>>();

/** Every rule walks the instructions: locate them (stage, ONBUILD) once per file. */
const locatedCache = new WeakMap<object, Located[]>();

function locatedOf(context: RuleContext): readonly Located[] {
  const cached = locatedCache.get(context.stages);
  if (cached !== undefined) return cached;
  const out: Located[] = [];
  const stages = context.stages;
  // The stage of an instruction is the last whose FROM starts at or before it; both are in line order.
  let next = 0;
  let stage: Stage | undefined;
  for (const at of context.dockerfile.instructions) {
    const line = at.range.startLine;
    for (let s = stages[next]; s !== undefined && s.from.range.startLine <= line; s = stages[next]) {
      stage = s;
      next++;
    }
    const instruction = at.keyword === "ONBUILD" && at.onbuild !== undefined ? at.onbuild : at;
    out.push({ instruction, at, stage, onbuild: instruction !== at });
  }
  locatedCache.set(context.stages, out);
  return out;
}

/** The stage's own instructions, without its FROM and without ONBUILD-wrapped ones. */
export function ownInstructions(stage: Stage, keyword?: string): Instruction[] {
  return stage.instructions.filter(
    (i) => i !== stage.from && i.keyword !== "FROM" && (keyword === undefined || i.keyword === keyword),
  );
}

/** The final stage and the stages it is built FROM (`FROM build AS final`), nearest first. */
export function finalChain(stages: readonly Stage[]): Stage[] {
  const chain: Stage[] = [];
  // A parent always comes earlier in the file, so the chain cannot loop.
  for (let stage = stages[stages.length - 1]; stage !== undefined; stage = parentStage(stages, stage)) {
    chain.push(stage);
  }
  return chain;
}

/** The earlier stage a stage is built FROM, when its base names one. */
export function parentStage(stages: readonly Stage[], stage: Stage): Stage | undefined {
  return stages[stage.index] === stage ? stageParents(stages)[stage.index] : undefined;
}

/** True for a FROM that pulls an image from a registry (not `scratch`, not an earlier stage). */
export function isExternalBase(stage: Stage): boolean {
  return !stage.baseIsStage && stage.base.toLowerCase() !== "scratch";
}

/** Strips one pair of matching surrounding quotes. */
export function unquote(word: string): string {
  if (word.length >= 2) {
    const first = word[0];
    if ((first === '"' || first === "'") && word.endsWith(first)) return word.slice(1, -1);
  }
  return word;
}

/** `key=value` of an ENV/ARG/LABEL argument (value undefined for `ARG NAME`), quotes removed. */
export function keyValue(arg: string): { key: string; value: string | undefined } {
  const eq = arg.indexOf("=");
  if (eq === -1) return { key: arg, value: undefined };
  return { key: arg.slice(0, eq), value: unquote(arg.slice(eq + 1)) };
}

export function flagOf(instruction: Instruction, name: string): string | null | undefined {
  const flag = instruction.flags.find((f) => f.name === name);
  return flag === undefined ? undefined : flag.value;
}

/** The `target=` of every `--mount=type=cache` on a RUN. */
export function cacheMountTargets(instruction: Instruction): string[] {
  const targets: string[] = [];
  for (const flag of instruction.flags) {
    if (flag.name !== "mount" || flag.value === null) continue;
    const fields = new Map<string, string>();
    for (const part of flag.value.split(",")) {
      const eq = part.indexOf("=");
      if (eq === -1) fields.set(part.trim(), "");
      else fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    if (fields.get("type") !== "cache") continue;
    const target = fields.get("target") ?? fields.get("dst") ?? fields.get("destination");
    if (target !== undefined) targets.push(target.replace(/\/+$/, ""));
  }
  return targets;
}

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh"]);
const HEREDOC_MARKER = /<<-?\s*(["']?)[A-Za-z0-9_]+\1/g;

export function isShellName(name: string): boolean {
  return SHELLS.has(basename(name));
}

/** The parsed script; one that could not be read at all is an empty, incomplete one (never nothing). */
function parseOrEmpty(text: string): ShellScript {
  try {
    return parseShell(text);
  } catch {
    return { pipelines: [], commands: [], incomplete: true };
  }
}

function execScript(args: readonly string[]): ShellScript[] {
  const [name, ...rest] = args;
  if (name === undefined) return [];
  // ["sh", "-c", "script"]: the script is shell text.
  const c = rest.indexOf("-c");
  if (isShellName(name) && c !== -1 && rest[c + 1] !== undefined) {
    return [parseOrEmpty(rest[c + 1] ?? "")];
  }
  const command: SimpleCommand = { name, args: rest, assignments: [], raw: args.join(" ") };
  return [{ pipelines: [{ commands: [command], next: null }], commands: [command], incomplete: false }];
}

const scriptCache = new WeakMap<Instruction, ShellScript[]>();

/**
 * The shell scripts a RUN executes: its shell-form text, the exec-form command (or the `sh -c` script
 * it wraps), and heredoc bodies when the RUN line is only heredoc markers or a shell reading them.
 */
export function runScripts(instruction: Instruction): ShellScript[] {
  const cached = scriptCache.get(instruction);
  if (cached !== undefined) return cached;
  const scripts: ShellScript[] = [];
  if (instruction.form === "exec") {
    scripts.push(...execScript(instruction.args));
  } else {
    const text = instruction.args.join(" ");
    if (instruction.heredocs.length === 0) {
      scripts.push(parseOrEmpty(text));
    } else {
      const rest = text.replace(HEREDOC_MARKER, " ").trim();
      const words = rest.split(/\s+/).filter((w) => w !== "");
      const first = words[0];
      const runsShell =
        first === undefined || (isShellName(first) && words.slice(1).every((w) => w.startsWith("-")));
      if (!runsShell) {
        // The shell gets the line and then the bodies (`cat <<EOF > f` + body): an unquoted body is
        // expanded, so a `$(…)` in it runs, and a body fed to `sh` is a script.
        const bodies = instruction.heredocs.map((h) => `${h.content.replace(/\n?$/, "\n")}${h.name}\n`);
        scripts.push(parseOrEmpty(`${text}\n${bodies.join("")}`));
      }
      if (runsShell) {
        for (const heredoc of instruction.heredocs) {
          scripts.push(parseOrEmpty(heredoc.content));
        }
      }
    }
  }
  scriptCache.set(instruction, scripts);
  return scripts;
}

export function runPipelines(instruction: Instruction): readonly Pipeline[] {
  const scripts = runScripts(instruction);
  // One script (the common case): its own list, no copy.
  return scripts.length === 1
    ? (scripts[0] as ShellScript).pipelines
    : scripts.flatMap((s) => [...s.pipelines]);
}

/**
 * Every command a RUN executes, seen through wrappers (`sudo`, `env A=1`, `nohup`, ...) with the name
 * reduced to its basename (`/usr/bin/apt-get` → `apt-get`).
 */
export function runCommands(instruction: Instruction): SimpleCommand[] {
  // Every RUN rule asks for these: compute them once per instruction.
  const cached = commandCache.get(instruction);
  if (cached !== undefined) return cached;
  const commands = runScripts(instruction).flatMap((s) => s.commands.map(effectiveCommand));
  commandCache.set(instruction, commands);
  return commands;
}

const commandCache = new WeakMap<Instruction, SimpleCommand[]>();

/**
 * The operands of a command: its non-flag arguments, skipping the values of `valueFlags` (given as
 * `-o`, `--option`; `--option=value` is one word and needs no skipping).
 */
/** yum/dnf options that take a value (so the word after them is not the subcommand). */
export const YUM_VALUE_FLAGS: readonly string[] = [
  "--setopt",
  "--installroot",
  "--releasever",
  "--enablerepo",
  "--disablerepo",
  "-c",
  "--config",
];

export function operands(command: SimpleCommand, valueFlags: readonly string[] = []): string[] {
  const out: string[] = [];
  const args = command.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (valueFlags.includes(arg)) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

const APT_VALUE_FLAGS = [
  "-o",
  "-c",
  "-t",
  "--option",
  "--config-file",
  "--target-release",
  "--default-release",
];

/** For `apt-get`/`apt`: the subcommand (`install`) and the operands after it. */
export function aptCall(command: SimpleCommand): { sub: string | undefined; packages: string[] } | undefined {
  if (command.name !== "apt-get" && command.name !== "apt") return undefined;
  const [sub, ...packages] = operands(command, APT_VALUE_FLAGS);
  return { sub, packages };
}

export function isAptInstall(command: SimpleCommand): boolean {
  return aptCall(command)?.sub === "install";
}

export { basename, flagValue, hasFlag, isPipeToShell };

/** True when a word still holds an unexpanded variable or command substitution. */
export function hasVariable(word: string): boolean {
  return word.includes("$");
}

/**
 * The values of an instruction's words with ARG/ENV expanded as BuildKit does for EXPOSE, VOLUME and
 * the like (a word holding `$PORTS` may expand to several); `values` is undefined when the word uses
 * a variable whose value is unknown at that instruction.
 */
export function expandedWords(
  context: RuleContext,
  instruction: Instruction,
  words: readonly string[] = instruction.args,
): { written: string; values: string[] | undefined }[] {
  const env = hasVariableIn(words) ? context.envAt(instruction) : undefined;
  return words.map((written) => {
    if (env === undefined || !hasVariable(written)) return { written, values: [unquote(written)] };
    const value = env.expand(written);
    return { written, values: value === undefined ? undefined : value.split(/\s+/).filter((w) => w !== "") };
  });
}

function hasVariableIn(words: readonly string[]): boolean {
  return words.some(hasVariable);
}

/** A word with ARG/ENV expanded at the instruction, or undefined when its value is unknown there. */
export function expandedWord(
  context: RuleContext,
  instruction: Instruction,
  word: string,
): string | undefined {
  return hasVariable(word) ? context.envAt(instruction).expand(word) : unquote(word);
}
