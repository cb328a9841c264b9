import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cdxComponent, cdxDependency, isComponentShape, isDependencyShape } from "./schema.js";

/**
 * The reader uses a component or dependency as JSON.parse built it when the plain check passes, and
 * asks zod only otherwise: the check must never accept what the schema refuses (and should accept
 * what real documents hold, or the fast path is never taken).
 */

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom("id", "name", "value", "expression"), fc.oneof(fc.string(), fc.integer()), {
    maxKeys: 2,
  }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, junk);
const property = fc.record({ name: maybe(fc.string()), value: maybe(fc.string()) }, { requiredKeys: [] });
const license = fc.record(
  {
    license: maybe(fc.record({ id: maybe(fc.string()), name: maybe(fc.string()) }, { requiredKeys: [] })),
    expression: maybe(fc.string()),
  },
  { requiredKeys: [] },
);
const component = fc.record(
  {
    type: maybe(fc.constantFrom("library", "application")),
    name: maybe(fc.string()),
    "bom-ref": maybe(fc.string()),
    group: maybe(fc.string()),
    version: maybe(fc.string()),
    purl: maybe(fc.string()),
    licenses: maybe(fc.array(maybe(license), { maxLength: 2 })),
    properties: maybe(fc.array(maybe(property), { maxLength: 2 })),
    components: maybe(fc.array(junk, { maxLength: 2 })),
    extra: junk,
  },
  { requiredKeys: [] },
);
const dependency = fc.record(
  { ref: maybe(fc.string()), dependsOn: maybe(fc.array(maybe(fc.string()), { maxLength: 3 })) },
  { requiredKeys: [] },
);

describe("CycloneDX fast shape checks", () => {
  it("accept only what the schemas accept (property, fixed seed)", () => {
    fc.assert(
      fc.property(fc.oneof(component, junk), fc.oneof(dependency, junk), (c, d) => {
        if (isComponentShape(c)) expect(cdxComponent.safeParse(c).success).toBe(true);
        if (isDependencyShape(d)) expect(cdxDependency.safeParse(d).success).toBe(true);
      }),
      { seed: 22, numRuns: 5000 },
    );
  });

  it("accept well-formed components and dependencies", () => {
    const c = {
      type: "library",
      name: "openssl",
      "bom-ref": "r1",
      purl: "pkg:deb/debian/openssl@3",
      licenses: [{ license: { id: "Apache-2.0" } }, { expression: "MIT OR ISC" }],
      properties: [{ name: "a", value: "b" }, { name: "c" }],
      components: [{ anything: true }],
      hashes: [],
    };
    expect(isComponentShape(c)).toBe(true);
    expect(isDependencyShape({ ref: "r1", dependsOn: ["r2"] })).toBe(true);
    expect(isDependencyShape({ ref: "r1" })).toBe(true);
  });
});
