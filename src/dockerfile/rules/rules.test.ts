import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
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
    const { hadolint, trivy, cis, buildkit, ...rest } = rule.equivalents;
    expect(rest).toEqual({});
    if (hadolint !== undefined) expect(hadolint).toMatch(/^DL\d{4}(, DL\d{4})*$/);
    if (trivy !== undefined) expect(trivy).toMatch(/^DS\d{3}(, DS\d{3})*$/);
    if (cis !== undefined) expect(cis).toMatch(/^\d+(\.\d+)*(, \d+(\.\d+)*)*$/);
    if (buildkit !== undefined) expect(buildkit).toMatch(/^[A-Z][A-Za-z]+(, [A-Z][A-Za-z]+)*$/);
    expect(typeof rule.check).toBe("function");
  });

  it("finds rules by id", () => {
    expect(ruleById("PC101")?.name).toBe("base-image-pinned-by-digest");
    expect(ruleById("pc104")?.id).toBe("PC104");
    expect(ruleById("PC999")).toBeUndefined();
  });

  const reference = join(DIR, "..", "..", "..", "docs", "dockerfile-rules.md");
  it.skipIf(unavailable("docs/dockerfile-rules.md", existsSync(reference)))(
    "is listed in docs/dockerfile-rules.md",
    () => {
      const text = readFileSync(reference, "utf8");
      for (const rule of RULES) expect(text, rule.id).toContain(`## ${rule.id} ${rule.name}`);
    },
  );
});
