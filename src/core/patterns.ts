import { RE2JS, RE2JSException } from "re2js";
import { CoreError } from "./errors.js";

/**
 * User-supplied patterns, matched in time linear in the input: regular expressions with RE2 syntax and
 * semantics (as CEL's `matches()` specifies, and as cosign's Go `regexp` reads
 * `--certificate-identity-regexp`), and `*`/`?` globs. A backtracking engine (JavaScript's RegExp) can
 * take exponential time on a pattern such as `^([a-z0-9]+-?)+$`, and it runs synchronously, so no
 * deadline could stop it: every pattern a policy, a standards file or a flag supplies goes through here.
 */

/** A compiled pattern; `test` runs in time linear in `text` (times the pattern's size). */
export interface LinearPattern {
  /** The pattern as written. */
  readonly source: string;
  test(text: string): boolean;
}

export interface LinearRegExp extends LinearPattern {
  /** RE2 program instructions: the factor by which matching cost grows with the text's length. */
  readonly size: number;
}

/** Longest pattern compiled (characters); patterns are written by people. */
export const MAX_PATTERN_LENGTH = 4096;
/**
 * Largest RE2 program (instructions). Matching costs up to text length × program size, and compiling
 * costs the program size: `[a-z]{1,1000}` alone is 2,000 instructions and takes tens of ms to compile.
 */
export const MAX_PATTERN_PROGRAM = 1000;

/**
 * Compiles a regular expression with RE2 syntax (https://github.com/google/re2/wiki/Syntax): no
 * backreferences, no lookaround. `anchored` tests the whole text (`^(?:p)$`); otherwise `test` looks
 * for a match anywhere, as CEL `matches()` and Go's `MatchString` do. Throws CoreError
 * PATTERN_INVALID with RE2's reason.
 */
export function compileRegExp(source: string, options: { anchored?: boolean } = {}): LinearRegExp {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new CoreError(
      "PATTERN_INVALID",
      `regular expression is longer than ${MAX_PATTERN_LENGTH} characters`,
    );
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    // RE2's own words ("invalid or unsupported Perl syntax: `(?=`"), without the generic prefix.
    const reason = err.message.replace(/^error parsing regexp: /, "");
    throw new CoreError(
      "PATTERN_INVALID",
      `invalid regular expression (RE2 syntax: no backreferences or lookaround): ${reason}`,
      { cause: err },
    );
  }
  const size = compiled.re2Input.prog.numInst() as number;
  if (size > MAX_PATTERN_PROGRAM) {
    throw new CoreError(
      "PATTERN_INVALID",
      `regular expression is too large (${size} RE2 instructions, at most ${MAX_PATTERN_PROGRAM}): use smaller repeat counts`,
    );
  }
  const anchored = options.anchored ?? false;
  return {
    source,
    size,
    test: anchored ? (text) => compiled.matches(text) : (text) => compiled.test(text),
  };
}

/**
 * A glob: `*` matches any run of characters (including none), `?` exactly one character (code
 * point); everything else matches itself. Matching is the classic two-pointer walk that, on a
 * mismatch, retries from the most recent `*` one character further: O(text × glob) at worst, never
 * exponential however many `*` the glob holds.
 */
export function compileGlob(glob: string): LinearPattern {
  return { source: glob, test: (text) => matchGlob(glob, text) };
}

const SURROGATE = /[\uD800-\uDFFF]/;
const STAR = 42; // "*"
const ONE = 63; // "?"

/** Whether `text` matches `glob` (see compileGlob). */
export function matchGlob(glob: string, text: string): boolean {
  if (SURROGATE.test(glob) || SURROGATE.test(text)) {
    // Characters outside the BMP are two code units; `?` must take both, so walk code points.
    const g = [...glob];
    const t = [...text];
    return globWalk(
      g.length,
      t.length,
      (p) => g[p] === "*",
      (p) => g[p] === "?",
      (p, i) => g[p] === t[i],
    );
  }
  // The common case, without allocating: compare UTF-16 code units in place.
  return globWalk(
    glob.length,
    text.length,
    (p) => glob.charCodeAt(p) === STAR,
    (p) => glob.charCodeAt(p) === ONE,
    (p, i) => glob.charCodeAt(p) === text.charCodeAt(i),
  );
}

/**
 * The two-pointer glob walk over a pattern of `patternLength` tokens and a text of `textLength`,
 * both addressed by index: `isStar(p)` tokens match any run, `isOne(p)` tokens any one item, the
 * rest are compared with `same(p, t)`. Exported for segment-wise matching (image patterns' `**`).
 */
export function globWalk(
  patternLength: number,
  textLength: number,
  isStar: (p: number) => boolean,
  isOne: (p: number) => boolean,
  same: (p: number, t: number) => boolean,
): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < textLength) {
    if (p < patternLength && !isStar(p) && (isOne(p) || same(p, t))) {
      p++;
      t++;
    } else if (p < patternLength && isStar(p)) {
      // Let the star match nothing for now; remember where to resume if the rest fails.
      starAt = p++;
      resumeAt = t;
    } else if (starAt !== -1) {
      // The rest failed: the last star swallows one more item. Earlier stars never need to move,
      // because the last one can absorb anything they would have.
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < patternLength && isStar(p)) p++;
  return p === patternLength;
}
