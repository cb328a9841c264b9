import { describe, expect, it } from "vitest";
import {
  conjuncts,
  formatSpdxExpression,
  isValidSpdxExpression,
  knownLicenseId,
  parseSpdxExpression,
} from "./expression.js";
import { spdxLicenseList } from "./license-list.js";

describe("SPDX licence list", () => {
  it("splits the CycloneDX enum into licences and exceptions", () => {
    const list = spdxLicenseList();
    expect(list.licenses.size).toBeGreaterThan(600);
    expect(list.exceptions.size).toBeGreaterThan(40);
    expect(list.licenses.get("apache-2.0")).toBe("Apache-2.0");
    expect(list.exceptions.get("classpath-exception-2.0")).toBe("Classpath-exception-2.0");
    expect(list.licenses.has("classpath-exception-2.0")).toBe(false);
    expect(list.exceptions.has("mit")).toBe(false);
    expect(list.version).toMatch(/\d+\.\d+/);
  });
});

describe("parseSpdxExpression", () => {
  it.each([
    ["MIT", "MIT"],
    ["mit", "MIT"],
    ["Apache-2.0 OR MIT", "Apache-2.0 OR MIT"],
    ["GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"],
    ["GPL-2.0+", "GPL-2.0+"],
    ["LicenseRef-my-licence.1", "LicenseRef-my-licence.1"],
    ["DocumentRef-other:LicenseRef-x", "DocumentRef-other:LicenseRef-x"],
    ["(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"],
    ["MIT OR Apache-2.0 AND BSD-3-Clause", "MIT OR Apache-2.0 AND BSD-3-Clause"],
    ["((MIT))", "MIT"],
    ["  LGPL-2.1-or-later   AND  GPL-2.0-or-later ", "LGPL-2.1-or-later AND GPL-2.0-or-later"],
    ["GPL-3.0-or-later WITH GCC-exception-3.1 OR MIT", "GPL-3.0-or-later WITH GCC-exception-3.1 OR MIT"],
  ])("accepts %j as %j", (text, canonical) => {
    const result = parseSpdxExpression(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(formatSpdxExpression(result.expression)).toBe(canonical);
  });

  it.each([
    ["", "empty"],
    ["MIT AND", "end"],
    ["AND MIT", "unexpected"],
    ["MIT and Apache-2.0", "unexpected"],
    ["Not-A-Licence", "not on the SPDX licence list"],
    ["ASL 2.0", "not on the SPDX licence list"],
    ["GPL-2.0-only WITH MIT", "not an SPDX licence exception"],
    ["(MIT", "missing ')'"],
    ["MIT)", "unexpected"],
    ["MIT OR (Apache-2.0", "missing ')'"],
    ["MIT WITH", "end"],
    ["LicenseRef-", "not"],
    ["GPL-2.0-only WITH Classpath-exception-2.0 WITH LLVM-exception", "unexpected"],
    ["MIT/X11", "not a licence id"],
  ])("rejects %j (%s)", (text, problem) => {
    const result = parseSpdxExpression(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });

  it("binds WITH tighter than AND, and AND tighter than OR", () => {
    const parsed = parseSpdxExpression("MIT OR Apache-2.0 AND BSD-2-Clause");
    expect(parsed.ok && parsed.expression.kind).toBe("or");
  });

  it("turns absurd nesting into a problem, not a crash", () => {
    expect(isValidSpdxExpression(`${"(".repeat(4000)}MIT${")".repeat(4000)}`)).toBe(false);
  });

  it("refuses very long input without work", () => {
    expect(isValidSpdxExpression(`${"MIT AND ".repeat(2000)}MIT`)).toBe(false);
  });

  it("splits top-level conjunctions only", () => {
    const parsed = parseSpdxExpression("MIT AND (Apache-2.0 OR BSD-3-Clause) AND Zlib");
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(conjuncts(parsed.expression).map(formatSpdxExpression)).toEqual([
        "MIT",
        "Apache-2.0 OR BSD-3-Clause",
        "Zlib",
      ]);
    }
  });

  it("knows single ids only", () => {
    expect(knownLicenseId("apache-2.0")).toBe("Apache-2.0");
    expect(knownLicenseId("MIT OR Apache-2.0")).toBeUndefined();
    expect(knownLicenseId("GPL-3+")).toBeUndefined();
  });
});
