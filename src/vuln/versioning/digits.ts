/**
 * Numeric comparison of two runs of ASCII digits inside strings, without parsing them into
 * numbers: version components in real feeds exceed 2^53 (dates, build stamps, the 30-digit
 * cases in osv-scalibr's fixtures), and slicing or BigInt would allocate on every compare.
 */
export function compareDigitRuns(
  a: string,
  aStart: number,
  aEnd: number,
  b: string,
  bStart: number,
  bEnd: number,
): number {
  while (aStart < aEnd && a.charCodeAt(aStart) === 48) aStart++;
  while (bStart < bEnd && b.charCodeAt(bStart) === 48) bStart++;
  const lengthDiff = aEnd - aStart - (bEnd - bStart);
  if (lengthDiff !== 0) return lengthDiff < 0 ? -1 : 1;
  for (; aStart < aEnd; aStart++, bStart++) {
    const d = a.charCodeAt(aStart) - b.charCodeAt(bStart);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether the string is empty-free and holds only printable ASCII without spaces. */
export function isPrintableToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
  }
  return true;
}

/** Sign of a number as -1, 0 or 1, so every scheme returns the same three values. */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
