/**
 * Test helper: renders an Instruction the way BuildKit's `Node.Dump()` prints its parse tree
 * (`(env "name" "value" "=")`), so the parser can be checked against BuildKit's own test data.
 */
import type { Instruction } from "../ast.js";
import { isLegacyKeyValue } from "./line-parsers.js";
import { splitCommand } from "./words.js";

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote`. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const simple: Record<string, string> = {
      '"': '\\"',
      "\\": "\\\\",
      "\x07": "\\a",
      "\b": "\\b",
      "\f": "\\f",
      "\n": "\\n",
      "\r": "\\r",
      "\t": "\\t",
      "\v": "\\v",
    };
    const esc = simple[ch];
    if (esc !== undefined) out += esc;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** One instruction as BuildKit's Dump prints it (without the surrounding parentheses). */
export function dumpInstruction(ins: Instruction, escapeToken: string): string {
  let s = ins.keyword.toLowerCase();
  if (ins.flags.length > 0) {
    s += ` [${ins.flags.map((f) => goQuote(f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`)).join(" ")}]`;
  }
  if (ins.onbuild !== undefined) return `${s} (${dumpInstruction(ins.onbuild, escapeToken)})`;
  if (ins.keyword === "ENV" || ins.keyword === "LABEL") {
    const sep = isLegacyKeyValue(splitCommand(ins.original).rest, escapeToken) ? "" : "=";
    for (const arg of ins.args) {
      const eq = arg.indexOf("=");
      s += ` ${goQuote(arg.slice(0, eq))} ${goQuote(arg.slice(eq + 1))} ${goQuote(sep)}`;
    }
    return s;
  }
  for (const arg of ins.args) s += ` ${goQuote(arg)}`;
  return s;
}
