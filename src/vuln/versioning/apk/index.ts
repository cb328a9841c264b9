import { compareDigitRuns, isDigitCode, isPrintableToken, sign } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import { ParseCache } from "../parse-cache.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Alpine (apk) versions: `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`, as
 * apk-package(5) defines them and apk-tools' version.c orders them. Suffixes sort
 * alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p.
 *
 * `apk version -t` still orders strings outside that grammar, so we do too, like osv-scalibr:
 * a version with an unparsable tail sorts below the same version without it, two versions that
 * stray from the grammar before any `-r` compare as plain strings, and text after the build
 * number is otherwise ignored. Only empty strings and whitespace are refused.
 */
interface ApkVersion {
  readonly text: string;
  /** Offsets [start, end) of each number component. */
  readonly numbers: number[];
  readonly letter: number;
  /** Pairs of (weight, number-run start, number-run end) per suffix. */
  readonly suffixes: number[];
  readonly buildStart: number;
  readonly buildEnd: number;
  /** Whether text was left over that the grammar does not cover. */
  readonly remainder: boolean;
  /** Whether that text came before any `-r` build number (the version is not apk's at all). */
  readonly foreign: boolean;
}

const SUFFIXES = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
// Weight of each entry of SUFFIXES; 4 is "no suffix".
const SUFFIX_WEIGHTS = [0, 1, 2, 3, 5, 6, 7, 8, 9];
const NO_SUFFIX = 4;

function parse(text: string): ApkVersion | null {
  if (!isPrintableToken(text)) return null;
  const n = text.length;
  const numbers: number[] = [];
  let i = 0;
  while (i < n && isDigitCode(text.charCodeAt(i))) {
    const start = i;
    while (i < n && isDigitCode(text.charCodeAt(i))) i++;
    numbers.push(start, i);
    if (i < n && text.charCodeAt(i) === 46) i++;
  }
  let letter = -1;
  const c = text.charCodeAt(i);
  if (c >= 97 && c <= 122) {
    letter = c;
    i++;
  }
  const suffixes: number[] = [];
  while (i < n && text.charCodeAt(i) === 95 /* _ */) {
    const k = SUFFIXES.findIndex((s) => text.startsWith(s, i + 1));
    if (k < 0) break;
    i += 1 + SUFFIXES[k]!.length;
    const start = i;
    while (i < n && isDigitCode(text.charCodeAt(i))) i++;
    suffixes.push(SUFFIX_WEIGHTS[k]!, start, i);
  }
  if (text.charCodeAt(i) === 126 /* ~ */) {
    let j = i + 1;
    while (
      j < n &&
      ((text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) ||
        (text.charCodeAt(j) >= 97 && text.charCodeAt(j) <= 102))
    )
      j++;
    if (j > i + 1) i = j;
  }
  let buildStart = 0;
  let buildEnd = 0;
  const foreign = i < n && !text.startsWith("-r", i);
  if (!foreign && i < n) {
    i += 2;
    buildStart = i;
    while (i < n && isDigitCode(text.charCodeAt(i))) i++;
    buildEnd = i;
  }
  return { text, numbers, letter, suffixes, buildStart, buildEnd, remainder: i < n, foreign };
}

const cache = new ParseCache(parse);

function read(version: string): ApkVersion {
  const parsed = cache.get(version);
  if (parsed === null) throw invalidVersion("apk", version, "empty or contains whitespace");
  return parsed;
}

function compareNumbers(a: ApkVersion, b: ApkVersion): number {
  const count = Math.max(a.numbers.length, b.numbers.length);
  for (let k = 0; k < count; k += 2) {
    const as = a.numbers[k];
    const bs = b.numbers[k];
    let d: number;
    // A missing component is 0.
    if (as === undefined) d = compareDigitRuns("0", 0, 1, b.text, bs!, b.numbers[k + 1]!);
    else if (bs === undefined) d = compareDigitRuns(a.text, as, a.numbers[k + 1]!, "0", 0, 1);
    else if (k > 0 && (a.text.charCodeAt(as) === 48 || b.text.charCodeAt(bs) === 48)) {
      // apk-tools: after the first component, a leading zero makes the comparison textual (1.05 < 1.5).
      d = textCompare(a.text, as, a.numbers[k + 1]!, b.text, bs, b.numbers[k + 1]!);
    } else d = compareDigitRuns(a.text, as, a.numbers[k + 1]!, b.text, bs, b.numbers[k + 1]!);
    if (d !== 0) return d;
  }
  return 0;
}

function textCompare(a: string, as: number, ae: number, b: string, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(as + k) - b.charCodeAt(bs + k);
    if (d !== 0) return sign(d);
  }
  return sign(ae - as - (be - bs));
}

function compareSuffixes(a: ApkVersion, b: ApkVersion): number {
  const count = Math.max(a.suffixes.length, b.suffixes.length);
  for (let k = 0; k < count; k += 3) {
    const aw = a.suffixes[k] ?? NO_SUFFIX;
    const bw = b.suffixes[k] ?? NO_SUFFIX;
    if (aw !== bw) return aw < bw ? -1 : 1;
    const d = compareDigitRuns(
      a.text,
      a.suffixes[k + 1] ?? 0,
      a.suffixes[k + 2] ?? 0,
      b.text,
      b.suffixes[k + 1] ?? 0,
      b.suffixes[k + 2] ?? 0,
    );
    if (d !== 0) return d;
  }
  return 0;
}

function compare(x: string, y: string): number {
  const a = read(x);
  const b = read(y);
  if (a.foreign && b.foreign) return textCompare(x, 0, x.length, y, 0, y.length);
  // The commit hash is ignored: two builds of one version are not ordered by their hashes.
  let d = compareNumbers(a, b);
  if (d !== 0) return d;
  if (a.letter !== b.letter) return a.letter < b.letter ? -1 : 1;
  d = compareSuffixes(a, b);
  if (d !== 0) return d;
  d = compareDigitRuns(x, a.buildStart, a.buildEnd, y, b.buildStart, b.buildEnd);
  if (d !== 0) return d;
  if (a.remainder !== b.remainder) return a.remainder ? -1 : 1;
  return 0;
}

export const apk: VersionScheme = {
  id: "apk",
  isValid: (version) => isPrintableToken(version),
  compare,
};
