import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectLinearTime, withinBudget } from "../../../test/support/budget.js";
import { matchGlob } from "../../core/index.js";
import { schemeForPackageType } from "../versioning/index.js";
import { checkStandards } from "./check.js";
import { parseStandards } from "./load.js";
import type { Standards, StandardsPackage, Violation } from "./types.js";

/**
 * The standards reader and checker are linear in their input (issue 22). Every generated file is read
 * within a budget per byte (test/support/budget.ts): 2 s plus 15 µs of CPU per byte (a rule is some 67
 * bytes; parsing YAML into a document with source positions, then plain values, then the schema measured
 * 1.3 µs per byte warm and 5.7 cold here), and a peak of 16 MiB plus 160 bytes per byte (the YAML
 * document with its positions takes 70 to 100). A reader quadratic in the rules would blow the time at
 * a few thousand; the time must also grow no faster than the file from n to 8n rules.
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

/** The checker as it was, every rule against every package: the oracle for the index. */
function referenceCheck(standards: Standards, packages: readonly StandardsPackage[]): string[] {
  const matches = (rule: { name: string; type?: string | undefined }, pkg: StandardsPackage) =>
    (rule.type === undefined || rule.type === pkg.type) &&
    (/[*?]/.test(rule.name)
      ? matchGlob(rule.name.toLowerCase(), pkg.name.toLowerCase())
      : rule.name.toLowerCase() === pkg.name.toLowerCase());
  const out: string[] = [];
  for (const [kind, rules] of [
    ["forbidden-package", standards.forbiddenPackages],
    ["minimum-version", standards.minimumVersions],
  ] as const) {
    for (const rule of rules) {
      for (const pkg of packages)
        if (matches(rule, pkg)) out.push(`${kind} ${rule.reason} ${pkg.type}/${pkg.name}`);
    }
  }
  return out;
}

/** A violation as the oracle writes it (each rule's `reason` names it). */
const summary = (v: Violation) => `${v.rule} ${v.reason} ${v.package?.type}/${v.package?.name}`;

/** Packages named `lib-<i>` and `tool-<i>`, with rules for literal names (`tool-<i>`) at a ratio. */
function checkWorkload(
  rules: number,
  packages: number,
): { standards: Standards; packages: StandardsPackage[] } {
  const standards: Standards = {
    forbiddenPackages: Array.from({ length: rules }, (_, i) => ({
      name: `tool-${i * 2}`,
      severity: "high" as const,
    })),
    minimumVersions: Array.from({ length: rules }, (_, i) => ({
      name: `LIB-${i * 2 + 1}`,
      version: "2.0.0",
      type: "npm" as const,
      severity: "high" as const,
    })),
    approvedBaseImages: [],
    requireKnownBase: false,
  };
  const list = Array.from({ length: packages }, (_, i) => ({
    type: i % 2 === 0 ? "deb" : "npm",
    name: i % 2 === 0 ? `tool-${i}` : `lib-${i}`,
    version: "1.0.0",
    locations: [{ path: "/var/lib/dpkg/status" }],
  }));
  return { standards, packages: list };
}

/**
 * `checkStandards` looks each package's name up among the literal rules and tries only glob rules
 * against every package: linear in rules plus packages for literal names, which nearly all are. Budget
 * per rule or package: 500 ms plus 20 µs of CPU, and a peak of 8 MiB plus 512 live bytes (the
 * violations returned take some 120). Comparing every rule with every package took 1.7 s for 8,000
 * rules and 16,000 packages here, and minutes for the 60,000 rules a 4 MiB standards file can hold.
 */
describe("checkStandards at scale", () => {
  it("gives the answers of checking every rule against every package (property, fixed seed)", () => {
    const name = fc.constantFrom("gcc", "GCC", "gcc-12", "libc6", "bash", "__proto__", "constructor", "a?c");
    const pattern = fc.oneof(name, fc.constantFrom("gcc*", "*-dev", "lib?6", "*", "G*C", "a\\?c"));
    const type = fc.option(fc.constantFrom("deb" as const, "npm" as const), { nil: undefined });
    const rule = fc.record({ name: pattern, type });
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 8 }),
        fc.array(rule, { maxLength: 8 }),
        fc.array(
          fc.record({
            name: fc.oneof(name, fc.constantFrom("gcc-12-dev", "abc", "a?c")),
            type: fc.constantFrom("deb", "npm"),
          }),
          {
            maxLength: 10,
          },
        ),
        (forbidden, minimum, specs) => {
          // Every package is below the minimum or not comparable with it: each match is a violation.
          const standards: Standards = {
            forbiddenPackages: forbidden.map((r, i) => ({
              ...r,
              reason: `f${i}`,
              severity: "high" as const,
            })),
            minimumVersions: minimum.map((r, i) => ({
              ...r,
              reason: `m${i}`,
              version: "99",
              severity: "high" as const,
            })),
            approvedBaseImages: [],
            requireKnownBase: false,
          };
          const packages = specs.map((p) => ({ ...p, version: "1", locations: [] }));
          const got = checkStandards(standards, { packages }, schemeForPackageType).map(summary);
          expect(got).toEqual(referenceCheck(standards, packages));
        },
      ),
      { seed: 22, numRuns: 1000 },
    );
  });

  it("checks any number of literal rules against any number of packages within a linear budget (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 40_000 }),
        (rules, count) => {
          const { standards, packages } = checkWorkload(rules, count);
          const size = 2 * rules + count;
          const { value } = withinBudget(
            { what: "checkStandards", size, unit: "rules and packages", one: "rule or package" },
            { cpuMs: { fixed: 500, perUnit: 0.02 }, memoryBytes: { fixed: 8 * MiB, perUnit: 512 } },
            () => checkStandards(standards, { packages }, schemeForPackageType),
          );
          expect(value.length).toBe(
            Math.min(rules, Math.ceil(count / 2)) + Math.min(rules, Math.floor(count / 2)),
          );
        },
      ),
      { seed: 22, numRuns: 8 },
    );
  });

  it("takes some 8 times as long for 8 times the rules and packages, not 64", async () => {
    const small = checkWorkload(1_000, 4_000);
    const large = checkWorkload(8_000, 32_000);
    await expectLinearTime(
      "checkStandards",
      {
        size: 6_000,
        run: () => checkStandards(small.standards, { packages: small.packages }, schemeForPackageType),
      },
      {
        size: 48_000,
        run: () => checkStandards(large.standards, { packages: large.packages }, schemeForPackageType),
      },
      { slack: 3, floorMs: 50 },
    );
  });
});
