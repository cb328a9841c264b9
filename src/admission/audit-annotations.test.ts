import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIT_VALUE_MAX_LENGTH,
  isValidAuditAnnotationKey,
  mergeAuditAnnotations,
  toAuditAnnotationKey,
} from "./audit-annotations.js";

describe("audit annotation keys", () => {
  it.each([
    ["decision", "decision"],
    ["policy.digest", "policy.digest"],
    ["portcullis.dev/break-glass", "portcullis.dev-break-glass"],
    ["-leading and trailing-", "leading-and-trailing"],
    ["über image", "ber-image"],
    ["___", "annotation"],
    ["", "annotation"],
    ["a".repeat(70), "a".repeat(63)],
    [`${"a".repeat(62)}.b`, `${"a".repeat(62)}`],
  ])("%j → %j", (input, expected) => {
    expect(toAuditAnnotationKey(input)).toBe(expected);
    expect(isValidAuditAnnotationKey(expected)).toBe(true);
  });

  it("always yields a valid key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (key) => {
        expect(isValidAuditAnnotationKey(toAuditAnnotationKey(key))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("merges without overwriting: earlier sets win, clashes get a suffix, values are capped", () => {
    const merged = mergeAuditAnnotations(
      { decision: "deny", "a/b": "first" },
      { decision: "x", "a b": "second", long: "v".repeat(10_000) },
    );
    expect(merged).toEqual({
      decision: "deny",
      "a-b": "first",
      "decision-2": "x",
      "a-b-2": "second",
      long: `${"v".repeat(AUDIT_VALUE_MAX_LENGTH - 1)}…`,
    });
    const sets = fc.array(fc.dictionary(fc.string(), fc.string()), { maxLength: 4 });
    fc.assert(
      fc.property(sets, (list) => {
        const out = mergeAuditAnnotations(...list);
        for (const key of Object.keys(out)) expect(isValidAuditAnnotationKey(key)).toBe(true);
        const total = list.reduce((n, set) => n + Object.keys(set).length, 0);
        expect(Object.keys(out)).toHaveLength(total);
      }),
      { numRuns: 300 },
    );
  });
});
