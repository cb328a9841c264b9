import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RULES, ruleById } from "./index.js";

const DIR = dirname(fileURLToPath(import.meta.url));
const RULE_FILE = /^pc(1\d\d)-([a-z0-9-]+)\.ts$/;

describe("rule registry", () => {
  const files = readdirSync(DIR).filter((f) => RULE_FILE.test(f));

  it("lists every rule file exactly once, in id order", () => {
    const fileIds = files.map((f) => `PC${RULE_FILE.exec(f)?.[1]}`).sort();
    expect(RULES.map((r) => r.id)).toEqual(fileIds);
    expect(new Set(RULES).size).toBe(RULES.length);
  });

  it("has unique ids and names, each matching its file", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
    for (const rule of RULES) {
      const file = files.find((f) => f.startsWith(`${rule.id.toLowerCase()}-`));
      expect(file, rule.id).toBe(`${rule.id.toLowerCase()}-${rule.name}.ts`);
    }
  });

  it.each(RULES.map((r) => [r.id, r] as const))("%s is documented", (_id, rule) => {
    expect(rule.id).toMatch(/^PC1\d\d$/);
    expect(rule.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(["error", "warning", "info", "style"]).toContain(rule.severity);
    expect(rule.rationale.trim().length).toBeGreaterThan(80);
    expect(rule.fix.trim().length).toBeGreaterThan(10);
    for (const value of Object.values(rule.equivalents)) {
      expect(value).toMatch(/^(DL\d{4}|DS\d{3}|\d+(\.\d+)*)(, (DL\d{4}|DS\d{3}|\d+(\.\d+)*))*$/);
    }
    expect(typeof rule.check).toBe("function");
  });

  it("finds rules by id", () => {
    expect(ruleById("PC101")?.name).toBe("base-image-pinned-by-digest");
    expect(ruleById("pc104")?.id).toBe("PC104");
    expect(ruleById("PC999")).toBeUndefined();
  });
});
