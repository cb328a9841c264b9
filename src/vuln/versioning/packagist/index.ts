import { compareDigitRuns, isDigitCode, isPrintableToken } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Packagist (Composer) versions, ordered as PHP's version_compare() (ext/standard/versioning.c)
 * orders them after Composer strips a leading "v": "-", "_" and "+" become ".", a "." is put
 * between digits and non-digits, then parts compare as numbers, or as special forms
 * dev < alpha = a < beta = b < RC = rc < # < pl = p, where a number counts as "#" and any other
 * word sorts before "dev".
 */
function canonicalParts(version: string): string[] {
  let text = version;
  if (text.charCodeAt(0) === 118 || text.charCodeAt(0) === 86) text = text.slice(1);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 45 || c === 95 || c === 43) {
      out += ".";
      continue;
    }
    if (i > 0) {
      const p = text.charCodeAt(i - 1);
      const pKind = p === 46 || p === 45 || p === 95 || p === 43 ? 0 : isDigitCode(p) ? 1 : 2;
      const cKind = c === 46 ? 0 : isDigitCode(c) ? 1 : 2;
      if (pKind !== 0 && cKind !== 0 && pKind !== cKind) out += ".";
    }
    out += text[i];
  }
  return out.split(".");
}

// Checked in order, by prefix, as PHP's compare_special_version_forms does.
const FORMS: ReadonlyArray<readonly [string, number]> = [
  ["dev", 0],
  ["alpha", 1],
  ["a", 1],
  ["beta", 2],
  ["b", 2],
  ["RC", 3],
  ["rc", 3],
  ["#", 4],
  ["pl", 5],
  ["p", 5],
];

function formOrder(part: string): number {
  for (const [form, order] of FORMS) if (part.startsWith(form)) return order;
  return -6;
}

function isNumber(part: string): boolean {
  return part.length > 0 && isDigitCode(part.charCodeAt(0));
}

function comparePart(a: string, b: string): number {
  const an = isNumber(a);
  const bn = isNumber(b);
  if (an && bn) {
    let ae = 0;
    while (ae < a.length && isDigitCode(a.charCodeAt(ae))) ae++;
    let be = 0;
    while (be < b.length && isDigitCode(b.charCodeAt(be))) be++;
    return compareDigitRuns(a, 0, ae, b, 0, be);
  }
  return Math.sign(formOrder(an ? "#" : a) - formOrder(bn ? "#" : b));
}

function compareParts(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = comparePart(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  // The longer one wins if it goes on with a number; otherwise its next part is weighed against "#".
  if (a.length > n) return isNumber(a[n]!) ? 1 : compareParts(a.slice(n), ["#"]);
  if (b.length > n) return isNumber(b[n]!) ? -1 : compareParts(["#"], b.slice(n));
  return 0;
}

const cache = new ParseCache((v: string) => (isPrintableToken(v) ? canonicalParts(v) : null));

function read(version: string): string[] {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("packagist", version, "empty or contains whitespace");
  return parsed;
}

export const packagist: VersionScheme = {
  id: "packagist",
  isValid: (version) => isPrintableToken(version),
  compare: (a, b) => compareParts(read(a), read(b)),
};
