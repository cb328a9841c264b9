import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REQUIREMENT_RULES } from "./list.js";

describe("the requirement rule list", () => {
  it("has one rule per requirement key, each with a rationale, a fix and a file", () => {
    const ids = REQUIREMENT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([
      "attestations",
      "baseImage",
      "custom",
      "digest",
      "labels",
      "nonRoot",
      "occurrences",
      "podSecurity",
      "registries",
      "scan",
      "signedBy",
    ]);
    const files = new Set(readdirSync(new URL(".", import.meta.url)));
    for (const rule of REQUIREMENT_RULES) {
      expect(rule.rationale.length).toBeGreaterThan(10);
      expect(rule.fix.length).toBeGreaterThan(10);
      const file = `${rule.id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.ts`;
      expect(files.has(file), file).toBe(true);
      expect(files.has(file.replace(".ts", ".test.ts")), file).toBe(true);
    }
  });
});
