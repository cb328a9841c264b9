import { compareDigitRuns, isDigitCode, isLetterCode } from "../digits.js";
import { invalidVersion } from "../invalid.js";
import type { VersionScheme } from "../scheme.js";

/**
 * Debian package versions, `[epoch:]upstream_version[-debian_revision]`, ordered as Debian Policy
 * 5.6.12 and dpkg's `verrevcmp` (lib/dpkg/version.c) order them. The compare works on offsets into
 * the two strings and allocates nothing: matching compares an installed version against every range.
 */

// Character classes, looked up in one table rather than tested with chains of comparisons.
const INVALID = 0;
const DIGIT = 1;
const ALLOWED = 2; // letters, ".", "+", "~"
const COLON = 3;
const HYPHEN = 4;
const CLASS = new Uint8Array(128);
// The sort weight of each character in a non-digit run (Policy 5.6.12): "~" before the end (0),
// letters by code, everything else after letters.
const WEIGHT = new Int16Array(128);
for (let c = 0; c < 128; c++) {
  if (isDigitCode(c)) CLASS[c] = DIGIT;
  else if (isLetterCode(c) || c === 46 || c === 43 || c === 126) CLASS[c] = ALLOWED;
  WEIGHT[c] = c === 126 ? -1 : isDigitCode(c) ? 0 : isLetterCode(c) ? c : c + 256;
}
CLASS[58] = COLON;
CLASS[45] = HYPHEN;

// Offsets of one parsed version: [epochEnd (index of ':' or -1), upstreamEnd, revisionStart (or -1)].
const left = new Int32Array(3);
const right = new Int32Array(3);

/** Splits `v` into `out` and returns why it is invalid, or undefined when it is valid. */
function split(v: string, out: Int32Array): string | undefined {
  const n = v.length;
  if (n === 0) return "empty";
  let colon = -1;
  let hyphen = -1;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    const k = c < 128 ? CLASS[c]! : INVALID;
    if (k <= ALLOWED) {
      if (k === INVALID) return "invalid character";
    } else if (k === COLON) {
      if (colon < 0) colon = i;
    } else hyphen = i;
  }
  if (colon >= 0) {
    if (colon === 0) return "empty epoch";
    for (let i = 0; i < colon; i++) if (!isDigitCode(v.charCodeAt(i))) return "epoch is not a number";
  }
  const upstreamStart = colon + 1;
  if (hyphen >= 0 && hyphen < upstreamStart) hyphen = -1;
  const upstreamEnd = hyphen >= 0 ? hyphen : n;
  if (upstreamEnd === upstreamStart) return "empty upstream version";
  if (!isDigitCode(v.charCodeAt(upstreamStart))) return "upstream version does not start with a digit";
  if (hyphen >= 0) {
    if (hyphen === n - 1) return "empty revision";
    for (let i = hyphen + 1; i < n; i++) if (v.charCodeAt(i) === 58) return "colon in revision";
  }
  out[0] = colon;
  out[1] = upstreamEnd;
  out[2] = hyphen >= 0 ? hyphen + 1 : -1;
  return undefined;
}

/** dpkg's verrevcmp over a[as..ae) and b[bs..be): alternating non-digit and digit runs. */
function verrevcmp(a: string, as: number, ae: number, b: string, bs: number, be: number): number {
  while (as < ae || bs < be) {
    // Non-digit prefix, compared with `order`; the end of a run counts as 0.
    while ((as < ae && !isDigitCode(a.charCodeAt(as))) || (bs < be && !isDigitCode(b.charCodeAt(bs)))) {
      // Valid versions hold ASCII only, so WEIGHT covers every character; the end weighs 0.
      const ac = as < ae ? WEIGHT[a.charCodeAt(as)]! : 0;
      const bc = bs < be ? WEIGHT[b.charCodeAt(bs)]! : 0;
      if (ac !== bc) return ac < bc ? -1 : 1;
      as++;
      bs++;
    }
    let ad = as;
    while (ad < ae && isDigitCode(a.charCodeAt(ad))) ad++;
    let bd = bs;
    while (bd < be && isDigitCode(b.charCodeAt(bd))) bd++;
    const d = compareDigitRuns(a, as, ad, b, bs, bd);
    if (d !== 0) return d;
    as = ad;
    bs = bd;
  }
  return 0;
}

function isValid(version: string): boolean {
  return split(version, left) === undefined;
}

function compare(a: string, b: string): number {
  const whyA = split(a, left);
  if (whyA !== undefined) throw invalidVersion("dpkg", a, whyA);
  const whyB = split(b, right);
  if (whyB !== undefined) throw invalidVersion("dpkg", b, whyB);
  if (a === b) return 0;
  // A missing epoch is 0, and an empty digit run compares as 0.
  const epoch = compareDigitRuns(a, 0, Math.max(left[0]!, 0), b, 0, Math.max(right[0]!, 0));
  if (epoch !== 0) return epoch;
  const upstream = verrevcmp(a, left[0]! + 1, left[1]!, b, right[0]! + 1, right[1]!);
  if (upstream !== 0) return upstream;
  const aRev = left[2]!;
  const bRev = right[2]!;
  return verrevcmp(a, aRev < 0 ? a.length : aRev, a.length, b, bRev < 0 ? b.length : bRev, b.length);
}

export const dpkg: VersionScheme = { id: "dpkg", isValid, compare };
