import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectLinearTime, withinBudget } from "../../../test/support/budget.js";
import { parseStandards } from "./load.js";

/**
 * The standards reader is linear in its input (issue 22). Every generated file is read within a budget
 * per byte (test/support/budget.ts): 2 s plus 15 µs of CPU per byte (a rule is some 67 bytes; parsing
 * YAML into a document with source positions, then plain values, then the schema measured 1.3 µs per
 * byte warm and 5.7 cold here), and a peak of 16 MiB plus 160 bytes per byte (the YAML document with its
 * positions takes 70 to 100). A reader quadratic in the rules would blow the time at a few thousand; the
 * time must also grow no faster than the file from n to 8n rules.
 */

const MiB = 2 ** 20;
const PARSE_BUDGET = {
  cpuMs: { fixed: 2000, perUnit: 0.015 },
  memoryBytes: { fixed: 16 * MiB, perUnit: 160 },
};

function standardsYaml(forbidden: number, minimum: number, bases: number): string {
  const lines = ["apiVersion: portcullis.dev/v1", "kind: Standards"];
  lines.push(forbidden > 0 ? "forbiddenPackages:" : "forbiddenPackages: []");
  for (let i = 0; i < forbidden; i++) lines.push(`  - { name: "tool-${i}", type: deb, reason: "no tools" }`);
  lines.push(minimum > 0 ? "minimumVersions:" : "minimumVersions: []");
  for (let i = 0; i < minimum; i++) {
    lines.push(`  - name: lib-${i}`, "    type: npm", `    version: "1.${i}.0"`, "    severity: critical");
  }
  lines.push(bases > 0 ? "approvedBaseImages:" : "approvedBaseImages: []");
  for (let i = 0; i < bases; i++) lines.push(`  - { name: "registry.example/base-${i}", tags: ["1.${i}*"] }`);
  return `${lines.join("\n")}\n`;
}

describe("parseStandards at scale", () => {
  it("reads any number of rules within a linear budget (property, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        (forbidden, minimum, bases) => {
          const text = standardsYaml(forbidden, minimum, bases);
          const { value: standards } = withinBudget(
            { what: "parseStandards", size: text.length },
            PARSE_BUDGET,
            () => parseStandards(text, "standards.yaml"),
          );
          expect(standards.minimumVersions).toHaveLength(minimum);
          expect(standards.minimumVersions.at(-1)?.version).toBe(
            minimum > 0 ? `1.${minimum - 1}.0` : undefined,
          );
        },
      ),
      { seed: 22, numRuns: 8 },
    );
  });

  it("takes some 8 times as long for 8 times the rules, not 64", async () => {
    const small = standardsYaml(150, 150, 40);
    const large = standardsYaml(1_200, 1_200, 320);
    await expectLinearTime(
      "parseStandards",
      { size: small.length, run: () => parseStandards(small, "standards.yaml") },
      { size: large.length, run: () => parseStandards(large, "standards.yaml") },
      { slack: 3, floorMs: 50 },
    );
  });
});
