/**
 * Per-instruction argument parsing, after BuildKit's dispatch table (line_parsers.go): which
 * instructions take a JSON array, which split on whitespace, which keep their text whole.
 */
import type { InstructionForm } from "../ast.js";
import { isGoSpace, splitAllWhitespace, splitOnceWhitespace, trimLeftSpace } from "./text.js";
import { parseWords } from "./words.js";

export const KNOWN_INSTRUCTIONS: ReadonlySet<string> = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** An argument-parsing failure; the caller adds the line. */
export class ArgsError extends Error {}

export interface ParsedArgs {
  readonly form: InstructionForm;
  readonly args: string[];
}

const NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only";

/** BuildKit's `parseJSON`: null when `rest` is not a JSON array; throws on a non-string element. */
export function parseJSONArray(rest: string): string[] | null {
  const text = trimLeftSpace(rest);
  if (!text.startsWith("[")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const out: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== "string") throw new ArgsError(NOT_STRING_ARRAY);
    out.push(item);
  }
  return out;
}

/** RUN/CMD/ENTRYPOINT/SHELL: a JSON array, or the text as one shell string. */
function parseMaybeJSON(rest: string): ParsedArgs {
  if (rest === "") return { form: "none", args: [] };
  const json = parseJSONArray(rest);
  if (json !== null) return { form: "exec", args: json };
  return { form: "shell", args: [rest] };
}

function parseWhitespaceDelimited(rest: string): ParsedArgs {
  if (rest === "") return { form: "none", args: [] };
  return { form: "none", args: splitAllWhitespace(rest) };
}

/** ADD/COPY/VOLUME: a JSON array, or whitespace-separated words. */
function parseMaybeJSONToList(rest: string): ParsedArgs {
  const json = parseJSONArray(rest);
  if (json !== null) return { form: "exec", args: json };
  return parseWhitespaceDelimited(rest);
}

/** True when ENV/LABEL arguments use the legacy `KEY value` format (BuildKit's rule: no `=` in the first word). */
export function isLegacyKeyValue(rest: string, escapeToken: string): boolean {
  const words = parseWords(rest, escapeToken);
  return words.length > 0 && !(words[0] as string).includes("=");
}

/** ENV/LABEL: `k=v ...` (quotes kept as written) or legacy `k value with spaces`; each arg is `k=v`. */
function parseNameVal(rest: string, keyword: string, escapeToken: string): ParsedArgs {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return { form: "none", args: [] };
  if (!(words[0] as string).includes("=")) {
    const parts = splitOnceWhitespace(rest);
    if (parts.length < 2) throw new ArgsError(`${keyword} must have two arguments`);
    return { form: "none", args: [`${parts[0]}=${parts[1]}`] };
  }
  for (const word of words) {
    if (!word.includes("=")) {
      throw new ArgsError(
        `Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`,
      );
    }
  }
  return { form: "none", args: words };
}

/** HEALTHCHECK: a type word (`CMD`, `NONE`, as written) then RUN-like arguments. */
function parseHealthConfig(rest: string): ParsedArgs {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep] as string)) sep++;
  if (sep === 0) return { form: "none", args: [] };
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next] as string)) next++;
  const cmd = parseMaybeJSON(rest.slice(next));
  return { form: cmd.form, args: [rest.slice(0, sep), ...cmd.args] };
}

/** Parses the arguments of every instruction but ONBUILD (handled by the caller). */
export function parseArgs(keyword: string, rest: string, escapeToken: string): ParsedArgs {
  switch (keyword) {
    case "RUN":
    case "CMD":
    case "ENTRYPOINT":
      return parseMaybeJSON(rest);
    case "SHELL": {
      const parsed = parseMaybeJSON(rest);
      if (parsed.form !== "exec") throw new ArgsError("SHELL requires the arguments to be in JSON form");
      return parsed;
    }
    case "ADD":
    case "COPY":
    case "VOLUME":
      return parseMaybeJSONToList(rest);
    case "ENV":
    case "LABEL":
      return parseNameVal(rest, keyword, escapeToken);
    case "ARG":
      return { form: "none", args: parseWords(rest, escapeToken) };
    case "EXPOSE":
    case "FROM":
      return parseWhitespaceDelimited(rest);
    case "HEALTHCHECK":
      return parseHealthConfig(rest);
    default:
      // MAINTAINER, STOPSIGNAL, USER, WORKDIR: the text as one argument.
      return { form: "none", args: rest === "" ? [] : [rest] };
  }
}
