/**
 * Character classes and small string helpers matching the Go functions BuildKit's parser uses
 * (`unicode.IsSpace`, `strings.TrimSpace`, the `[\t\v\f\r ]+` whitespace regexp).
 */

/** Go's `unicode.IsSpace`. */
export function isGoSpace(ch: string): boolean {
  switch (ch) {
    case " ":
    case "\t":
    case "\n":
    case "\v":
    case "\f":
    case "\r":
    case "\u0085":
    case "\u00a0":
    case "\u1680":
    case "\u2028":
    case "\u2029":
    case "\u202f":
    case "\u205f":
    case "\u3000":
      return true;
    default:
      return ch >= "\u2000" && ch <= "\u200a";
  }
}

/** Go's `strings.TrimLeftFunc(s, unicode.IsSpace)`. */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i] as string)) i++;
  return i === 0 ? s : s.slice(i);
}

/** Go's `strings.TrimRightFunc(s, unicode.IsSpace)`. */
export function trimRightSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isGoSpace(s[j - 1] as string)) j--;
  return j === s.length ? s : s.slice(0, j);
}

/** Go's `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** BuildKit's `reWhitespace` / `tokenWhitespace`: `[\t\v\f\r ]+`. */
export const WHITESPACE_RUN = /[\t\v\f\r ]+/;

/** `regexp.Split(s, 2)` with the whitespace regexp: the text before the first run and the rest. */
export function splitOnceWhitespace(s: string): [string] | [string, string] {
  const m = WHITESPACE_RUN.exec(s);
  if (m === null) return [s];
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)];
}

/** `regexp.Split(s, -1)` with the whitespace regexp (empty leading/trailing parts kept, as Go does). */
export function splitAllWhitespace(s: string): string[] {
  return s.split(/[\t\v\f\r ]+/);
}
