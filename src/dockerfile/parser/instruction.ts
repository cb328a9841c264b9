/**
 * One logical line (continuations joined) → an Instruction, without its heredoc bodies: keyword,
 * flags, arguments, and the nested instruction of ONBUILD.
 */
import type { Flag, Heredoc, Instruction, SourceRange } from "../ast.js";
import { ArgsError, KNOWN_INSTRUCTIONS, parseArgs } from "./line-parsers.js";
import { splitCommand } from "./words.js";

export interface MutableInstruction {
  keyword: string;
  original: string;
  range: SourceRange;
  flags: Flag[];
  form: Instruction["form"];
  args: string[];
  heredocs: Heredoc[];
  onbuild?: MutableInstruction;
}

/** `--name=value` → {name, value}; `--name` → {name, value: null}. */
export function toFlag(word: string): Flag {
  const body = word.startsWith("--") ? word.slice(2) : word;
  const eq = body.indexOf("=");
  return eq < 0 ? { name: body, value: null } : { name: body.slice(0, eq), value: body.slice(eq + 1) };
}

const NOT_ONBUILD_TRIGGERS: Readonly<Record<string, string>> = {
  ONBUILD: "ONBUILD ONBUILD isn't allowed",
  FROM: "FROM isn't allowed as an ONBUILD trigger",
  MAINTAINER: "MAINTAINER isn't allowed as an ONBUILD trigger",
};

/** Parses one logical line; throws ArgsError (the caller adds the line number). */
export function buildInstruction(line: string, escapeToken: string, range: SourceRange): MutableInstruction {
  const { cmd, flags, rest } = splitCommand(line);
  const keyword = cmd.toUpperCase();
  if (!KNOWN_INSTRUCTIONS.has(keyword)) throw new ArgsError(`unknown instruction: ${keyword}`);
  const base = { keyword, original: line, range, flags: flags.map(toFlag), heredocs: [] };
  if (keyword === "ONBUILD") {
    if (rest === "") throw new ArgsError("ONBUILD requires at least one argument");
    const child = buildInstruction(rest, escapeToken, range);
    const refusal = NOT_ONBUILD_TRIGGERS[child.keyword];
    if (refusal !== undefined) throw new ArgsError(refusal);
    return { ...base, form: "none", args: [], onbuild: child };
  }
  const parsed = parseArgs(keyword, rest, escapeToken);
  return { ...base, form: parsed.form, args: parsed.args };
}

const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);

/** BuildKit's `canContainHeredoc`: RUN/COPY/ADD (also under ONBUILD) not in JSON form. */
export function canContainHeredoc(ins: MutableInstruction): boolean {
  const target = ins.onbuild ?? ins;
  return HEREDOC_INSTRUCTIONS.has(target.keyword) && target.form !== "exec";
}
