import { z } from "zod";
import { RegistryError } from "../errors.js";

/**
 * A project's retention rules (the project setting `retention`), after Harbor's tag retention: each
 * rule picks repositories of the project and tags by glob, and keeps some of the artifacts those tags
 * name; an artifact is kept if ANY rule keeps it, and in a repository some rule picks, every artifact
 * no rule keeps is deleted. Repositories no rule picks are never touched.
 *
 * `excludeTags` are tag globs no rule can overrule: an artifact with a tag one of them matches is never
 * deleted (it still counts as a candidate of the rules, so `latestPushed 5` keeps five others besides).
 *
 * Globs are core's: `*` any run of characters (also `/`), `?` one character. `repositories` matches
 * the path inside the project (`app/api` for `team/app/api`; `*` is every repository of the project).
 */
const Glob = z.string().min(1).max(255);
const Count = z.number().int().min(1).max(100_000);
const Days = z.number().int().min(1).max(36_500);

const Selection = {
  repositories: Glob.default("*").describe("glob over the repository's path inside the project (`*`: all)"),
  tags: Glob.default("*").describe(
    "glob over tag names: an artifact is a candidate if one of its tags matches",
  ),
  untagged: z
    .boolean()
    .default(false)
    .describe(
      "untagged artifacts are candidates of this rule too (otherwise no rule of this one keeps them)",
    ),
};

export const RetentionRuleSchema = z.discriminatedUnion("keep", [
  z.strictObject({
    ...Selection,
    keep: z.literal("latestPushed").describe("the `count` most recently pushed candidates"),
    count: Count,
  }),
  z.strictObject({
    ...Selection,
    keep: z
      .literal("latestPulled")
      .describe(
        "the `count` most recently pulled candidates (never pulled ones rank last, newest push first)",
      ),
    count: Count,
  }),
  z.strictObject({
    ...Selection,
    keep: z.literal("pushedWithin").describe("candidates pushed within the last `days` days"),
    days: Days,
  }),
  z.strictObject({
    ...Selection,
    keep: z.literal("pulledWithin").describe("candidates pulled within the last `days` days"),
    days: Days,
  }),
  z.strictObject({ ...Selection, keep: z.literal("always").describe("every candidate") }),
]);

/** Harbor's limit, which keeps a plan's reasons readable. */
export const MAX_RETENTION_RULES = 15;
export const MAX_EXCLUDED_TAG_GLOBS = 20;

export const RetentionPolicySchema = z.strictObject({
  rules: z
    .array(RetentionRuleSchema)
    .max(MAX_RETENTION_RULES)
    .describe("an artifact is kept if any rule keeps it; an empty list turns retention off"),
  excludeTags: z
    .array(Glob)
    .max(MAX_EXCLUDED_TAG_GLOBS)
    .default([])
    .describe(
      "tag globs: an artifact with a tag one of them matches is never deleted, whatever the rules say",
    ),
});

export type RetentionRule = z.output<typeof RetentionRuleSchema>;
export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;
/** A policy as written (defaults not yet applied). */
export type RetentionPolicyInput = z.input<typeof RetentionPolicySchema>;

/** Reads a stored or submitted policy; a bad one is INVALID_RETENTION with the first problems. */
export function parseRetentionPolicy(value: unknown): RetentionPolicy {
  const result = RetentionPolicySchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  throw new RegistryError("RETENTION_INVALID", `retention rules: ${problems.join("; ")}`);
}

/** One line saying what a rule keeps, for plans and logs: `latestPushed 10 of tags v* in app/*`. */
export function describeRule(rule: RetentionRule): string {
  const what =
    rule.keep === "latestPushed" || rule.keep === "latestPulled"
      ? `${rule.keep} ${rule.count}`
      : rule.keep === "always"
        ? "always"
        : `${rule.keep} ${rule.days}d`;
  return `${what} of tags ${rule.tags}${rule.untagged ? " and untagged" : ""} in ${rule.repositories}`;
}
