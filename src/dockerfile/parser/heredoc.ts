/**
 * Heredoc detection, after BuildKit's `heredocsFromLine` / `heredocFromMatch`: the instruction line
 * is split into shell words (quotes and escapes kept), and every word shaped `[n]<<[-]WORD` starts
 * a heredoc. A quoted WORD (`<<"EOF"`, `<<'EOF'`, `<<E"OF"`) disables expansion of the body.
 */
import { isGoSpace } from "./text.js";

export interface HeredocMarker {
  readonly name: string;
  readonly expand: boolean;
  readonly chomp: boolean;
}

/**
 * Shell words of `text` (BuildKit's lexer with `\` as escape; `$` is not special here, as with
 * SkipUnsetEnv). `rawQuotes` keeps the quote characters, `rawEscapes` the escape characters.
 * Null on an unterminated quote (BuildKit's lexer fails there).
 */
export function lexWords(text: string, rawQuotes: boolean, rawEscapes: boolean): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const chars = Array.from(text);
  let i = 0;
  const flush = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  while (i < chars.length) {
    const ch = chars[i] as string;
    if (ch === "'") {
      inWord = true;
      const end = chars.indexOf("'", i + 1);
      if (end < 0) return null;
      const body = chars.slice(i + 1, end).join("");
      word += rawQuotes ? `'${body}'` : body;
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      inWord = true;
      let j = i + 1;
      let body = "";
      for (; j < chars.length && chars[j] !== '"'; j++) {
        let c = chars[j] as string;
        if (c === "\\") {
          if (rawEscapes) body += c;
          const peek = chars[j + 1];
          if (peek === undefined) continue;
          if (peek === '"' || peek === "$" || peek === "\\") {
            j++;
            c = peek;
          } else if (rawEscapes) {
            continue;
          }
        }
        body += c;
      }
      if (j >= chars.length) return null;
      word += rawQuotes ? `"${body}"` : body;
      i = j + 1;
      continue;
    }
    if (ch === "\\") {
      inWord = true;
      if (rawEscapes) word += ch;
      const next = chars[i + 1];
      if (next === undefined) break;
      word += next;
      i += 2;
      continue;
    }
    if (isGoSpace(ch)) {
      flush();
      i++;
      continue;
    }
    inWord = true;
    word += ch;
    i++;
  }
  flush();
  return words;
}

const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const BARE_OPERATOR = /^\d*<<-?$/;

function countQuotes(s: string): number {
  let n = 0;
  for (const c of s) if (c === "'" || c === '"') n++;
  return n;
}

/** BuildKit's `heredocFromMatch` on one raw word; null when the word is not a heredoc marker. */
export function parseHeredocWord(word: string): HeredocMarker | null {
  const m = HEREDOC_WORD.exec(word);
  if (m === null) return null;
  const chomp = m[2] === "-";
  const rest = m[3] ?? "";
  if (rest.length === 0) return null;
  const words = lexWords(rest, false, false);
  if (words === null || words.length !== 1) return null;
  const raw = lexWords(rest, true, false);
  if (raw === null || raw.length !== 1) return null;
  const name = words[0] as string;
  if (name === "") return null;
  return { name, chomp, expand: countQuotes(name) === countQuotes(raw[0] as string) };
}

/** Every heredoc marker on an instruction line, in order. */
export function heredocsFromLine(line: string): HeredocMarker[] {
  const words = lexWords(line, true, true);
  if (words === null) return [];
  const out: HeredocMarker[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const next = words[i + 1];
    // `<< EOF` / `<<- EOF`: a bare operator takes the next word as its delimiter.
    if (next !== undefined && BARE_OPERATOR.test(w)) {
      const joined = parseHeredocWord(`${w} ${next}`);
      if (joined !== null) {
        out.push(joined);
        i++;
        continue;
      }
    }
    const h = parseHeredocWord(w);
    if (h !== null) out.push(h);
  }
  return out;
}
