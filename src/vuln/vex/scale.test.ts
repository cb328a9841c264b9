import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectLinearTime, withinBudget } from "../../../test/support/budget.js";
import type { Finding } from "../model.js";
import { applyVex, purlMatches } from "./apply.js";
import { parseOpenVex } from "./parse.js";
import type { OpenVexDocument } from "./schema.js";

/**
 * Issue 22: `scan --vex` with 2,000 statements against a 2,000-package SBOM did not finish, because
 * every finding was compared with every statement (parsing both purls each time). Statements are now
 * indexed by vulnerability and package, so applying them is linear in findings plus statements: each
 * shape's time grows no faster than its size from n to 8n, and every generated workload is held to a
 * budget per byte of VEX (test/support/budget.ts): 1 s plus 2 µs of CPU per byte (a statement is 150 to
 * 270 bytes; reading and applying measured 0.1 to 0.5 µs per byte here, the old code some 50 s for
 * 2,000 statements, 300 KB), and a peak of 16 MiB plus 64 live bytes per byte (measured up to 15: the
 * parsed document, the index and the findings returned).
 */

const DIGEST = `sha256:${"1".repeat(64)}`;

function finding(i: number, vulnerability: string): Finding {
  const name = `p${i}`;
  return {
    id: vulnerability,
    aliases: [`GHSA-${i}`],
    package: {
      index: i,
      name,
      type: "npm",
      purl: `pkg:npm/${name}@1.0.${i % 7}`,
      ecosystem: "npm",
      advisoryName: name,
      locations: [],
    },
    installedVersion: `1.0.${i % 7}`,
    severity: "HIGH",
    references: [],
  };
}

type Shape = "same-vulnerability" | "one-each" | "image-subcomponents" | "versionless";

/** `n` findings and `n` statements of one shape (as JSON text); every finding is covered by one. */
function workload(shape: Shape, n: number): { findings: Finding[]; vex: string } {
  const vulnerabilityOf = (i: number) => (shape === "one-each" ? `CVE-2024-${i}` : "CVE-2024-0001");
  const findings = Array.from({ length: n }, (_, i) => finding(i, vulnerabilityOf(i)));
  const statements = findings.map((f, i) => {
    const base = {
      vulnerability: { name: vulnerabilityOf(i) },
      status: "not_affected",
      justification: "component_not_present",
    };
    if (shape === "image-subcomponents") {
      return {
        ...base,
        products: [{ "@id": `registry.example/app@${DIGEST}`, subcomponents: [{ "@id": f.package.purl }] }],
      };
    }
    const purl = shape === "versionless" ? `pkg:npm/${f.package.name}` : f.package.purl;
    return { ...base, products: [{ "@id": purl }] };
  });
  return { findings, vex: JSON.stringify({ "@context": "https://openvex.dev/ns/v0.2.0", statements }) };
}

const VEX_BUDGET = {
  cpuMs: { fixed: 1000, perUnit: 0.002 },
  memoryBytes: { fixed: 16 * 2 ** 20, perUnit: 64 },
};

/** Reads the VEX document and applies it within `VEX_BUDGET`. */
function budgeted(shape: Shape, n: number): void {
  const { findings, vex } = workload(shape, n);
  const { value: out } = withinBudget(
    { what: `parseOpenVex + applyVex (${shape})`, size: vex.length },
    VEX_BUDGET,
    () => applyVex(findings, [parseOpenVex(vex)], DIGEST),
  );
  expect(out.every((f) => f.suppressed)).toBe(true);
}

const SHAPES = ["same-vulnerability", "one-each", "image-subcomponents", "versionless"] as const;

describe("parseOpenVex and applyVex at scale", () => {
  it("applies 2,000 statements about one vulnerability to 2,000 findings within budget", () => {
    budgeted("same-vulnerability", 2000);
  });

  it("is linear in findings and statements, whatever their shape (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPES), fc.integer({ min: 1, max: 20_000 }), (shape, n) => {
        budgeted(shape, n);
      }),
      { seed: 22, numRuns: 8 },
    );
  });

  it.each(SHAPES)("takes some 8 times as long for 8 times the statements, not 64 (%s)", async (shape) => {
    const small = workload(shape, 1_000);
    const large = workload(shape, 8_000);
    await expectLinearTime(
      `parseOpenVex + applyVex (${shape})`,
      { size: small.vex.length, run: () => applyVex(small.findings, [parseOpenVex(small.vex)], DIGEST) },
      { size: large.vex.length, run: () => applyVex(large.findings, [parseOpenVex(large.vex)], DIGEST) },
      { slack: 3, floorMs: 50 },
    );
  });
});

/** The old applyVex, every finding against every statement: the oracle for the index. */
function referenceVex(findings: readonly Finding[], documents: readonly OpenVexDocument[], digest?: string) {
  const digestOf = (id: string) => {
    const m = /sha256(?::|%3A)([0-9a-f]{64})/i.exec(id);
    return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
  };
  const idsOf = (
    item: string | { "@id"?: string | undefined; identifiers?: { purl?: string | undefined } | undefined },
  ) =>
    typeof item === "string"
      ? [item]
      : [item["@id"], item.identifiers?.purl].filter((id): id is string => id !== undefined);
  const statements = documents
    .flatMap((document) =>
      document.statements.map((statement) => ({
        statement,
        document,
        time: Date.parse(statement.timestamp ?? document.timestamp ?? "") || 0,
      })),
    )
    .sort((a, b) => a.time - b.time);
  return findings.map((finding) => {
    let found: string | undefined;
    for (const { statement, document } of statements) {
      const v = statement.vulnerability;
      const names = typeof v === "string" ? [v] : [v.name, v["@id"], ...(v.aliases ?? [])];
      if (!names.some((n) => n !== undefined && (n === finding.id || finding.aliases.includes(n)))) continue;
      const covers = statement.products.some((product) => {
        const ids = idsOf(product);
        if (ids.some((id) => purlMatches(id, finding.package.purl))) return true;
        if (!digest || !ids.some((id) => digestOf(id) === digest)) return false;
        const subs = [
          ...(typeof product === "string" ? [] : (product.subcomponents ?? [])),
          ...(statement.subcomponents ?? []),
        ];
        return (
          subs.length === 0 || subs.some((c) => idsOf(c).some((id) => purlMatches(id, finding.package.purl)))
        );
      });
      if (covers) found = `${statement.status} ${document["@id"]}`;
    }
    return found;
  });
}

describe("applyVex's index", () => {
  const vulnerability = fc.constantFrom("CVE-1", "CVE-2", "GHSA-x");
  const purl = fc.constantFrom(
    "pkg:npm/a@1",
    "pkg:npm/a",
    "pkg:npm/a@2",
    "pkg:npm/b@1",
    "pkg:npm/%40s/a@1",
    "pkg:deb/debian/a@1?arch=amd64",
    "pkg:deb/debian/a?arch=arm64",
    "pkg:deb/debian/a",
    "pkg:npm/a@1#sub",
    "not-a-purl",
    `pkg:oci/app@${DIGEST.replace(":", "%3A")}`,
    `registry.example/app@${DIGEST}`,
  );
  const component = fc.oneof(
    purl,
    fc.record({ "@id": purl }),
    fc.record({ identifiers: fc.record({ purl }) }),
  );
  const product = fc.oneof(
    purl,
    fc.record({
      "@id": purl,
      subcomponents: fc.option(fc.array(component, { maxLength: 2 }), { nil: undefined }),
    }),
  );
  const statement = fc.record({
    vulnerability: fc.oneof(
      vulnerability,
      fc.record({ name: vulnerability, aliases: fc.array(vulnerability, { maxLength: 2 }) }),
    ),
    products: fc.array(product, { minLength: 1, maxLength: 3 }),
    subcomponents: fc.option(fc.array(component, { maxLength: 2 }), { nil: undefined }),
    status: fc.constantFrom("not_affected", "affected", "fixed", "under_investigation"),
    justification: fc.constant("component_not_present"),
    timestamp: fc.option(fc.constantFrom("2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", "garbage"), {
      nil: undefined,
    }),
  });
  const packagePurl = fc.constantFrom(
    "pkg:npm/a@1",
    "pkg:npm/a@2",
    "pkg:npm/b@1",
    "pkg:npm/%40s/a@1",
    "pkg:deb/debian/a@1?arch=amd64&distro=x",
    "pkg:deb/debian/a@1",
  );

  it("gives the answers of comparing every finding with every statement (property, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(statement, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(vulnerability, fc.array(vulnerability, { maxLength: 2 }), packagePurl), {
          maxLength: 8,
        }),
        fc.boolean(),
        (statementLists, findingSpecs, withDigest) => {
          const documents = statementLists.map((statements, i) =>
            parseOpenVex({ "@context": "https://openvex.dev/ns/v0.2.0", "@id": `doc-${i}`, statements }),
          );
          const findings = findingSpecs.map(([id, aliases, purl], i) => {
            const f = finding(i, id);
            return { ...f, aliases, package: { ...f.package, purl } };
          });
          const digest = withDigest ? DIGEST : undefined;
          const got = applyVex(findings, documents, digest).map(
            (f) => f.vex && `${f.vex.status} ${f.vex.document}`,
          );
          expect(got).toEqual(referenceVex(findings, documents, digest));
        },
      ),
      { seed: 22, numRuns: 2000 },
    );
  });
});
