import fc from "fast-check";

/**
 * Damaged copies of a real file, for "never throws" properties over a parser: cut at any length, then
 * up to `maxFlips` bytes overwritten. Starting from real bytes reaches deep into a format, where random
 * bytes mostly stop at its magic number.
 */
export function damagedCopies(real: Uint8Array, maxFlips = 16): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: real.length }),
      fc.array(fc.tuple(fc.nat(Math.max(0, real.length - 1)), fc.nat(255)), { maxLength: maxFlips }),
    )
    .map(([cut, flips]) => {
      const bytes = Buffer.from(real.subarray(0, cut));
      for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
      return bytes;
    });
}
