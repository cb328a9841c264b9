import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withinBudget } from "../../../test/support/budget.js";
import { SbomError } from "../errors.js";
import { toCycloneDx } from "./cyclonedx/write.js";
import { readSbom } from "./read.js";
import { toSpdx } from "./spdx/write.js";
import { SBOM_BUDGET, sampleDocument } from "./testing.js";

/**
 * Any JSON value put anywhere in a valid document gives back a document or an SbomError, never
 * another exception, within `SBOM_BUDGET` (CPU time and peak memory per byte): `scan --sbom` reads files
 * from anyone.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function paths(
  value: Json,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      paths(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

function replaced(root: Json, path: (string | number)[], replacement: Json): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as { [key: string]: Json };
  let node: { [key: string]: Json } = copy;
  for (const key of path.slice(0, -1)) node = node[key as string] as { [key: string]: Json };
  node[path.at(-1) as string] = replacement;
  return copy;
}

describe.each([
  ["CycloneDX", JSON.parse(toCycloneDx(sampleDocument())) as Json],
  ["SPDX", JSON.parse(toSpdx(sampleDocument())) as Json],
])("readSbom on a mutated %s document", (_name, original) => {
  const all = paths(original);
  it("returns a document or throws SbomError, within budget", () => {
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), fc.jsonValue(), (index, value) => {
        const text = JSON.stringify(replaced(original, all[index]!, value as Json));
        const { value: outcome } = withinBudget(
          { what: "readSbom", size: text.length },
          SBOM_BUDGET,
          () => {
            try {
              return readSbom(text);
            } catch (err) {
              return err as Error;
            }
          },
          { quick: true },
        );
        if (outcome instanceof Error) expect(outcome).toBeInstanceOf(SbomError);
        else expect(Array.isArray(outcome.packages)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
