import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStandards } from "./load.js";

/**
 * The standards reader is linear in the file's size (issue 22): a budget per rule, asserted for every
 * generated file. Parsing YAML (tokens, a document with source positions, then plain values, then the
 * schema) costs some 100 µs per rule on a loaded two-core machine, so the budget is 1 ms per rule plus
 * two seconds: generous, yet a reader quadratic in the rules would blow it at a few thousand.
 */

const budgetMs = (rules: number) => 2000 + rules;

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
          const started = performance.now();
          const standards = parseStandards(text, "standards.yaml");
          expect(performance.now() - started).toBeLessThan(budgetMs(forbidden + minimum + bases));
          expect(standards.minimumVersions).toHaveLength(minimum);
          expect(standards.minimumVersions.at(-1)?.version).toBe(
            minimum > 0 ? `1.${minimum - 1}.0` : undefined,
          );
        },
      ),
      { seed: 22, numRuns: 8 },
    );
  });
});
