import type { z } from "zod";

/**
 * The most useful explanation of a zod issue for a person editing YAML. A union (`false` or a scan
 * mapping; a label name or a mapping) reports "Invalid input" with one issue list per branch; we follow
 * the branch that got furthest into the value, so `scan: { maxSeverity: severe }` names
 * `scan.maxSeverity` and the allowed severities rather than `scan: Invalid input`.
 */
export function explainIssue(
  issue: z.core.$ZodIssue,
  base: readonly PropertyKey[] = [],
): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === "unrecognized_keys")
    return { path: [...path, issue.keys[0] ?? ""], message: "unknown key" };
  if (issue.code !== "invalid_union" || !issue.errors || issue.errors.length === 0)
    return { path, message: issue.message };
  const firsts = issue.errors.map((branch) => branch[0]).filter((first) => first !== undefined);
  const deep = firsts.filter(
    (first) => first.path.length > 0 || first.code === "invalid_union" || first.code === "unrecognized_keys",
  );
  if (deep.length > 0) {
    const best = deep.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return explainIssue(best, path);
  }
  // Every branch refused the value's type: the union's own message says what is expected, unless it is
  // zod's default, in which case the last branch (the real schema behind `false`) does.
  if (!issue.message.startsWith("Invalid input") || firsts.length === 0)
    return { path, message: issue.message };
  return { path, message: firsts[firsts.length - 1]!.message };
}
