import { describe, expect, it } from "vitest";
import type { GatheredFacts, ScanEvidence } from "../../evidence/index.js";
import type { Facts, ScanFacts } from "../../policy/index.js";
import type { ScanReport } from "../scanning/report.js";

/**
 * evidence/ and policy/ sit on the same row and cannot import each other: their fact shapes are kept
 * equal by hand. app/ sees both, so the compiler checks here that what evidence gathers is what policy
 * reads, and that a stored ScanReport is scan evidence. `tsc --noEmit` fails when they drift.
 */
type Assignable<From, To> = [From] extends [To] ? true : false;

const gatheredIsFacts: Assignable<GatheredFacts, Facts> = true;
const factsIsGathered: Assignable<Facts, GatheredFacts> = true;
const reportIsScanFacts: Assignable<ScanReport, ScanFacts> = true;
const reportIsScanEvidence: Assignable<ScanReport, ScanEvidence> = true;

describe("fact shapes across evidence/, policy/ and app/scanning", () => {
  it("are assignable (checked by the compiler)", () => {
    expect([gatheredIsFacts, factsIsGathered, reportIsScanFacts, reportIsScanEvidence]).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});
