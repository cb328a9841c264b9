/**
 * Shell patterns of `${var#pat}`, `${var%pat}` and `${var/pat/repl}` as BuildKit reads them
 * (frontend/dockerfile/shell/lex.go, `convertShellPatternToRegex`): `*` is any run of characters but
 * a newline, `?` one character but a newline, `\*` `\?` `\\` are literal, `\}` and `\/` are the
 * character, `[` is literal (no bracket expressions). BuildKit hands the pattern to Go's regexp, which
 * is linear; a JavaScript RegExp backtracks (`*a*a*a…b` takes exponential time). So the pattern runs
 * here as an NFA simulation over code points: O(value × pattern) per match, charged to a budget so a
 * file full of them still ends quickly with "too complex" instead of hanging.
 */
import { PortcullisError } from "../core/index.js";

/** A word BuildKit refuses (`${x:?msg}` on an unset variable, a syntax error, a bad pattern). */
export class ExpandError extends PortcullisError<"DOCKERFILE_INVALID"> {
  constructor(message: string) {
    super("DOCKERFILE_INVALID", message);
  }
}

/**
 * An expansion past a limit (`ExpansionBudget`, `MAX_EXPANDED_LENGTH`): the value is unknown to the
 * linter, not wrong, so callers treat it as "too complex to analyse".
 */
export class ExpandLimitError extends ExpandError {}

/** Work units (characters produced, NFA steps) one file's expansions may spend. */
export const EXPANSION_BUDGET = 1 << 25;
/** The longest value one word may expand to (real values are paths, versions, URLs). */
export const MAX_EXPANDED_LENGTH = 64 * 1024;

/** A shared allowance of work; every expansion of one file draws from the same one. */
export class ExpansionBudget {
  constructor(private remaining: number = EXPANSION_BUDGET) {}

  charge(units: number): void {
    this.remaining -= units;
    if (this.remaining < 0)
      throw new ExpandLimitError("too complex: variable expansion exceeded its work budget");
  }
}

const STAR = -1;
const ANY = -2;
const NEWLINE = 10;

/** A compiled pattern: code points, STAR or ANY, in order. */
export type Pattern = readonly number[];

export function compilePattern(pattern: string): Pattern {
  const chars = Array.from(pattern);
  const atoms: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i] as string;
    if (tok === "*") atoms.push(STAR);
    else if (tok === "?") atoms.push(ANY);
    else if (tok === "\\") {
      const peek = chars[i + 1];
      // `\}` and `\/`: the backslash only kept the character from ending the word; drop it.
      if (peek === "}" || peek === "/") continue;
      if (peek !== "*" && peek !== "?" && peek !== "\\") {
        throw new ExpandError(
          `invalid pattern (${pattern}) in substitution: invalid escape '\\${peek ?? ""}'`,
        );
      }
      atoms.push(peek.codePointAt(0) as number);
      i++;
    } else atoms.push(tok.codePointAt(0) as number);
  }
  return atoms;
}

export function codePoints(value: string): number[] {
  const out: number[] = [];
  for (const c of value) out.push(c.codePointAt(0) as number);
  return out;
}

function stringOf(codes: readonly number[], from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i += 4096) {
    out += String.fromCodePoint(...codes.slice(i, Math.min(to, i + 4096)));
  }
  return out;
}

/** Follows the ε-moves (a STAR may match nothing), keeping the smallest start per state. */
function close(pattern: Pattern, starts: Int32Array): void {
  for (let j = 0; j < pattern.length; j++) {
    const s = starts[j] as number;
    if (s >= 0 && pattern[j] === STAR) {
      const t = starts[j + 1] as number;
      if (t < 0 || s < t) starts[j + 1] = s;
    }
  }
}

/** Moves every thread over character `c`; returns whether any thread is left. */
function step(pattern: Pattern, from: Int32Array, to: Int32Array, c: number): boolean {
  to.fill(-1);
  let alive = false;
  for (let j = 0; j < pattern.length; j++) {
    const s = from[j] as number;
    if (s < 0) continue;
    const atom = pattern[j] as number;
    if (atom === STAR) {
      if (c === NEWLINE) continue;
      const t = to[j] as number;
      if (t < 0 || s < t) to[j] = s;
      alive = true;
    } else if (atom === c || (atom === ANY && c !== NEWLINE)) {
      const t = to[j + 1] as number;
      if (t < 0 || s < t) to[j + 1] = s;
      alive = true;
    }
  }
  if (alive) close(pattern, to);
  return alive;
}

/**
 * The leftmost match at or after `from`, longest from that start (what Go's leftmost-first search
 * finds for these greedy patterns), or undefined. With `anchored`, only a match starting at `from`;
 * with `shortest`, the shortest match from that start (the lazy `*?` of `#` and `%`).
 */
export function findMatch(
  pattern: Pattern,
  value: readonly number[],
  from: number,
  budget: ExpansionBudget,
  options: { anchored: boolean; shortest: boolean },
): { start: number; end: number } | undefined {
  const m = pattern.length;
  let cur = new Int32Array(m + 1).fill(-1);
  let next = new Int32Array(m + 1);
  let best: { start: number; end: number } | undefined;
  for (let i = from; ; i++) {
    // A new thread at each position until a match is found (a later start can only lose).
    if (best === undefined && (i === from || !options.anchored)) {
      if ((cur[0] as number) < 0) cur[0] = i;
      close(pattern, cur);
    }
    const acc = cur[m] as number;
    if (acc >= 0 && (best === undefined || acc < best.start || (acc === best.start && i > best.end))) {
      best = { start: acc, end: i };
      if (options.shortest) return best;
    }
    if (best !== undefined) {
      // Only threads that could still give an earlier start or a longer match are kept.
      for (let j = 0; j <= m; j++) if ((cur[j] as number) > best.start) cur[j] = -1;
    }
    if (i >= value.length) return best;
    budget.charge(m + 1);
    const alive = step(pattern, cur, next, value[i] as number);
    [cur, next] = [next, cur];
    if (!alive && (best !== undefined || options.anchored)) return best;
  }
}

/** `${var#pat}` (shortest) and `${var##pat}` (longest): the value without the matching prefix. */
export function trimPrefix(pattern: string, value: string, greedy: boolean, budget: ExpansionBudget): string {
  const codes = codePoints(value);
  const match = findMatch(compilePattern(pattern), codes, 0, budget, { anchored: true, shortest: !greedy });
  return match === undefined ? value : stringOf(codes, match.end, codes.length);
}

/** `${var%pat}` (shortest) and `${var%%pat}` (longest): the same on the reversed value and pattern. */
export function trimSuffix(pattern: string, value: string, greedy: boolean, budget: ExpansionBudget): string {
  const codes = codePoints(value);
  const reversed = [...compilePattern(pattern)].reverse();
  const match = findMatch(reversed, [...codes].reverse(), 0, budget, { anchored: true, shortest: !greedy });
  return match === undefined ? value : stringOf(codes, 0, codes.length - match.end);
}

/**
 * `${var/pat/repl}` and `${var//pat/repl}`: the first (or every) leftmost-longest match replaced, as
 * Go's `Regexp.ReplaceAllString` walks: an empty match right after a match is not replaced.
 */
export function replaceMatches(
  pattern: string,
  value: string,
  replacement: string,
  all: boolean,
  budget: ExpansionBudget,
): string {
  const compiled = compilePattern(pattern);
  const codes = codePoints(value);
  let out = "";
  let lastEnd = 0;
  let search = 0;
  while (search <= codes.length) {
    const match = findMatch(compiled, codes, search, budget, { anchored: false, shortest: false });
    if (match === undefined) break;
    out += stringOf(codes, lastEnd, match.start);
    if (match.end > lastEnd || match.start === 0) out += replacement;
    lastEnd = match.end;
    if (!all) break;
    search = match.end > search ? match.end : search + 1;
    budget.charge(replacement.length);
  }
  return out + stringOf(codes, lastEnd, codes.length);
}
