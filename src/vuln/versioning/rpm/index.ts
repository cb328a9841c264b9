import { compareDigitRuns, isDigitCode, isLetterCode } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import type { VersionScheme } from "../scheme.js";

/**
 * RPM versions, `[epoch:]version[-release]`, ordered by rpm's `rpmvercmp` (rpmio/rpmvercmp.c)
 * applied to epoch, then version, then release. Offsets only; nothing is allocated per compare.
 *
 * The epoch is whatever precedes the first ":" and is itself compared with rpmvercmp (a missing
 * epoch is "0"), as osv-scalibr does, so module-style strings such as `1.m+e2:1` still order.
 */

// [colon index or -1, hyphen index (start of release minus one) or -1]
const left = new Int32Array(2);
const right = new Int32Array(2);

function split(v: string, out: Int32Array): boolean {
  if (v.length === 0) return false;
  let colon = -1;
  let hyphen = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // Control characters and whitespace never occur in an EVR string.
    if (c <= 32 || c === 127) return false;
    if (c === 58 && colon < 0) colon = i;
    else if (c === 45) hyphen = i;
  }
  out[0] = colon;
  out[1] = hyphen > colon ? hyphen : -1;
  return true;
}

function isAlnum(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}

/** rpmvercmp over a[as..ae) and b[bs..be). */
function rpmvercmp(a: string, as: number, ae: number, b: string, bs: number, be: number): number {
  while (as < ae || bs < be) {
    // Separators are every character that is neither alphanumeric nor "~" or "^" (non-ASCII too).
    while (as < ae && !isAlnum(a.charCodeAt(as)) && a.charCodeAt(as) !== 126 && a.charCodeAt(as) !== 94) as++;
    while (bs < be && !isAlnum(b.charCodeAt(bs)) && b.charCodeAt(bs) !== 126 && b.charCodeAt(bs) !== 94) bs++;
    const ac = as < ae ? a.charCodeAt(as) : -1;
    const bc = bs < be ? b.charCodeAt(bs) : -1;
    // "~" sorts before everything, even the end of the string.
    if (ac === 126 || bc === 126) {
      if (ac !== 126) return 1;
      if (bc !== 126) return -1;
      as++;
      bs++;
      continue;
    }
    // "^" sorts after the end of the string but before any other segment.
    if (ac === 94 || bc === 94) {
      if (ac === -1) return -1;
      if (bc === -1) return 1;
      if (ac !== 94) return 1;
      if (bc !== 94) return -1;
      as++;
      bs++;
      continue;
    }
    if (ac === -1 || bc === -1) break;
    const numeric = isDigitCode(ac);
    let ai = as;
    let bi = bs;
    if (numeric) {
      while (ai < ae && isDigitCode(a.charCodeAt(ai))) ai++;
      while (bi < be && isDigitCode(b.charCodeAt(bi))) bi++;
    } else {
      while (ai < ae && isLetterCode(a.charCodeAt(ai))) ai++;
      while (bi < be && isLetterCode(b.charCodeAt(bi))) bi++;
    }
    // Segments of different types: a number is newer than letters.
    if (bi === bs) return numeric ? 1 : -1;
    let d: number;
    if (numeric) d = compareDigitRuns(a, as, ai, b, bs, bi);
    else {
      d = 0;
      const n = Math.min(ai - as, bi - bs);
      for (let k = 0; k < n && d === 0; k++) d = a.charCodeAt(as + k) - b.charCodeAt(bs + k);
      if (d === 0) d = ai - as - (bi - bs);
    }
    if (d !== 0) return d < 0 ? -1 : 1;
    as = ai;
    bs = bi;
  }
  if (as >= ae && bs >= be) return 0;
  return as < ae ? 1 : -1;
}

const ZERO = "0";

function compare(a: string, b: string): number {
  if (!split(a, left)) throw invalidVersion("rpm", a, "empty or contains whitespace");
  if (!split(b, right)) throw invalidVersion("rpm", b, "empty or contains whitespace");
  const ac = left[0]!;
  const bc = right[0]!;
  const epoch = rpmvercmp(ac < 0 ? ZERO : a, 0, ac < 0 ? 1 : ac, bc < 0 ? ZERO : b, 0, bc < 0 ? 1 : bc);
  if (epoch !== 0) return epoch;
  const ah = left[1]!;
  const bh = right[1]!;
  const version = rpmvercmp(a, ac + 1, ah < 0 ? a.length : ah, b, bc + 1, bh < 0 ? b.length : bh);
  if (version !== 0) return version;
  // A missing release matches any release only in rpm's dependency ranges; for ordering, as in
  // osv-scalibr and grype, "1" sorts before "1-0" and "1-".
  if (ah < 0 || bh < 0) return ah < 0 ? (bh < 0 ? 0 : -1) : 1;
  return rpmvercmp(a, ah + 1, a.length, b, bh + 1, b.length);
}

export const rpm: VersionScheme = {
  id: "rpm",
  isValid: (version) => split(version, left),
  compare,
};
