import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VulnError } from "../errors.js";
import type { VersionScheme } from "./scheme.js";
import {
  pairFailures,
  readPairs,
  sharedVersionsDir,
  testdataDir,
  type VersionPair,
  versionsOf,
} from "./testing.js";

/**
 * The suite every scheme runs (renovate's table-driven scheme tests, against osv-scalibr's
 * reference cases): every pair of its fixture files in both directions, the full generated file
 * from ../shared when present, valid and invalid strings, hand-written cases, and optional
 * fast-check properties over the real versions of the fixtures.
 */
export interface SchemeSuite {
  readonly scheme: VersionScheme;
  /** Pair files under versioning/testdata/. */
  readonly files: readonly string[];
  /** Big pair files under ../shared/testdata/versions/, run only when present. */
  readonly sharedFiles?: readonly string[];
  /**
   * At most this many pairs may name a version the scheme refuses (node-semver's numbers beyond
   * 2^53, PyPI's pre-PEP 440 strings); those pairs must then throw VERSION_INVALID.
   */
  readonly maxRefusedPairs?: number;
  readonly valid: readonly string[];
  readonly invalid: readonly string[];
  /** [a, b, expected sign] */
  readonly cases: ReadonlyArray<readonly [string, string, -1 | 0 | 1]>;
  /** Extra generated versions for the property tests; enables them. */
  readonly arbitrary?: fc.Arbitrary<string>;
  /** Whether the property tests also draw from the fixtures' real versions (default true). */
  readonly propertiesOnRealVersions?: boolean;
}

function split(scheme: VersionScheme, pairs: readonly VersionPair[]): [VersionPair[], VersionPair[]] {
  const kept: VersionPair[] = [];
  const refused: VersionPair[] = [];
  for (const p of pairs) (scheme.isValid(p.a) && scheme.isValid(p.b) ? kept : refused).push(p);
  return [kept, refused];
}

function refusalFailures(scheme: VersionScheme, pairs: readonly VersionPair[]): string[] {
  return pairs.flatMap(({ line, a, b }) => {
    try {
      scheme.compare(a, b);
      return [`line ${line}: ${a} vs ${b} did not throw`];
    } catch (err) {
      return err instanceof VulnError && err.code === "VERSION_INVALID"
        ? []
        : [`line ${line}: ${String(err)}`];
    }
  });
}

function checkFile(suite: SchemeSuite, path: string): void {
  const [kept, refused] = split(suite.scheme, readPairs(path));
  expect(kept.length).toBeGreaterThan(0);
  expect(refused.length).toBeLessThanOrEqual(suite.maxRefusedPairs ?? 0);
  expect(refusalFailures(suite.scheme, refused)).toEqual([]);
  expect(pairFailures(suite.scheme, kept)).toEqual([]);
}

export function describeScheme(suite: SchemeSuite): void {
  const { scheme } = suite;
  describe(`${scheme.id} reference cases`, () => {
    it.each(suite.files)("orders every pair of %s both ways", (file) => checkFile(suite, testdataDir + file));
    for (const file of suite.sharedFiles ?? []) {
      const path = sharedVersionsDir + file;
      // Skipped only outside CI: with CI set a missing shared file fails the case, naming its path.
      it.skipIf(!existsSync(path) && !process.env.CI)(
        `orders every pair of the full ${file}`,
        () => checkFile(suite, path),
        60_000,
      );
    }
  });

  describe(`${scheme.id} validity`, () => {
    it.each(suite.valid)("accepts %j", (v) => {
      expect(scheme.isValid(v)).toBe(true);
      expect(scheme.compare(v, v)).toBe(0);
    });
    it.each(suite.invalid)("refuses %j", (v) => {
      expect(scheme.isValid(v)).toBe(false);
      const other = suite.valid[0]!;
      for (const call of [() => scheme.compare(v, other), () => scheme.compare(other, v)]) {
        expect(call).toThrowError(VulnError);
        expect(call).toThrow(expect.objectContaining({ code: "VERSION_INVALID" }));
      }
    });
  });

  describe(`${scheme.id} order`, () => {
    it.each(suite.cases)("compare(%j, %j) has sign %i", (a, b, want) => {
      expect(Math.sign(scheme.compare(a, b))).toBe(want);
      expect(Math.sign(scheme.compare(b, a)) + want).toBe(0);
    });
  });

  const arbitrary = suite.arbitrary;
  if (arbitrary === undefined) return;
  describe(`${scheme.id} properties`, () => {
    const real = split(
      scheme,
      suite.files.flatMap((f) => readPairs(testdataDir + f)),
    )[0];
    const version =
      suite.propertiesOnRealVersions === false
        ? arbitrary
        : fc.oneof(fc.constantFrom(...versionsOf(real)), arbitrary);
    const cmp = (a: string, b: string): number => Math.sign(scheme.compare(a, b));

    it("is reflexive and antisymmetric", () => {
      fc.assert(
        fc.property(version, version, (a, b) => {
          expect(cmp(a, a)).toBe(0);
          expect(cmp(a, b) + cmp(b, a)).toBe(0);
        }),
        { numRuns: 3000 },
      );
    });

    it("is transitive", () => {
      fc.assert(
        fc.property(fc.array(version, { minLength: 3, maxLength: 12 }), (versions) => {
          const sorted = [...versions].sort(cmp);
          // Every later element must be >= every earlier one, and equality must chain.
          for (let i = 0; i < sorted.length; i++) {
            for (let j = i + 1; j < sorted.length; j++)
              expect(cmp(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
}
