/**
 * Word-level helpers ported from BuildKit's parser (line_parsers.go `parseWords`, split_command.go
 * `splitCommand` / `extractBuilderFlags`). They keep BuildKit's quirks on purpose: quotes stay in
 * the words, an escape at the very end of the text is dropped.
 */
import { isGoSpace, splitOnceWhitespace, trimSpace } from "./text.js";

/**
 * BuildKit's `parseWords`: split on whitespace outside quotes, keeping quotes and escapes as written.
 * `'...'` cannot escape anything; the escape token escapes the next character elsewhere.
 */
export function parseWords(rest: string, escapeToken: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let inWordPhase = false;
  let inQuote = false;
  let quote = "";
  let word = "";
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const atEnd = pos === chars.length;
    let ch = atEnd ? "" : (chars[pos] as string);
    if (!inWordPhase && !inQuote) {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      inWordPhase = true;
    }
    if (atEnd) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (inWordPhase && !inQuote) {
      if (isGoSpace(ch)) {
        inWordPhase = false;
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        inQuote = true;
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    // in quote
    if (ch === quote) inQuote = false;
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        inQuote = false;
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return words;
}

/**
 * BuildKit's `extractBuilderFlags`: leading `--flag[=value]` words (quotes removed, `\` escapes),
 * stopping at the first word not starting with `--` or after a bare `--`. Returns the flags and the rest.
 */
export function extractBuilderFlags(line: string): { flags: string[]; rest: string } {
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const atEnd = pos === line.length;
    let ch = atEnd ? "" : (line[pos] as string);
    if (phase === "spaces") {
      if (atEnd) break;
      if (isGoSpace(ch)) continue;
      if (ch !== "-" || pos + 1 === line.length || line[pos + 1] !== "-") {
        return { flags: words, rest: line.slice(pos) };
      }
      phase = "word";
    }
    if (atEnd) {
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === "word") {
      if (isGoSpace(ch)) {
        phase = "spaces";
        if (word === "--") return { flags: words, rest: line.slice(pos) };
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === "\\") {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
      ch = line[pos] as string;
    }
    word += ch;
  }
  return { flags: words, rest: "" };
}

export interface SplitCommand {
  /** The keyword as written. */
  readonly cmd: string;
  /** Raw flag words, `--name=value` / `--name`. */
  readonly flags: string[];
  /** The arguments after the flags, trimmed. */
  readonly rest: string;
}

/** BuildKit's `splitCommand`. */
export function splitCommand(line: string): SplitCommand {
  const parts = splitOnceWhitespace(trimSpace(line));
  if (parts.length === 1) return { cmd: parts[0], flags: [], rest: "" };
  const { flags, rest } = extractBuilderFlags(parts[1]);
  return { cmd: parts[0], flags, rest: trimSpace(rest) };
}
