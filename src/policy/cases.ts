import { z } from "zod";
import type { Decision } from "./decision.js";
import { PolicyError } from "./errors.js";
import { evaluate } from "./evaluate.js";
import type { PolicyInput } from "./facts.js";
import { policyInputSchema } from "./input-schema.js";
import type { Policy } from "./model.js";
import { ownRecord } from "./own-record.js";

/**
 * Recorded policy test cases (`portcullis policy test FILE --cases DIR`): one JSON file per case with
 * the input, the clock, and the expected decision. Only the expected keys are compared; `rules` maps a
 * rule id to whether every result of that id passed.
 */
const caseSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  now: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: "expected an RFC 3339 time" }),
  input: policyInputSchema,
  expect: z.strictObject({
    allowed: z.boolean().optional(),
    effect: z.enum(["allow", "warn", "deny"]).optional(),
    verdict: z.enum(["pass", "fail"]).optional(),
    ruleSource: z.string().optional(),
    breakGlass: z.boolean().optional(),
    rules: ownRecord(z.boolean()).optional(),
    reasonIncludes: z.array(z.string()).optional(),
  }),
});

export type PolicyCaseExpectation = z.infer<typeof caseSchema>["expect"];

export interface PolicyCase {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly now: string;
  readonly input: PolicyInput;
  readonly expect: PolicyCaseExpectation;
}

export interface PolicyCaseResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  /** What differed from the expectation, one line each. */
  readonly mismatches: readonly string[];
  readonly decision: Decision;
}

export interface PolicyCasesReport {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly PolicyCaseResult[];
}

/** Parses one case file's text; a bad case is a PolicyError CASE_INVALID naming the file and key. */
export function parsePolicyCase(text: string, file: string): PolicyCase {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PolicyError("CASE_INVALID", `${file}: invalid JSON: ${(err as Error).message}`, {
      cause: err,
      detail: { file },
    });
  }
  const parsed = caseSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    throw new PolicyError("CASE_INVALID", `${file}: ${path ? `${path}: ` : ""}${issue.message}`, {
      detail: { file, path },
    });
  }
  return { file, ...parsed.data } as PolicyCase;
}

function compare(expect: PolicyCaseExpectation, decision: Decision): string[] {
  const out: string[] = [];
  const check = (key: string, want: unknown, got: unknown) => {
    if (want !== undefined && want !== got)
      out.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  check("allowed", expect.allowed, decision.allowed);
  check("effect", expect.effect, decision.effect);
  check("verdict", expect.verdict, decision.verdict);
  check("ruleSource", expect.ruleSource, decision.ruleSource);
  check("breakGlass", expect.breakGlass, decision.breakGlass !== undefined);
  for (const [rule, want] of Object.entries(expect.rules ?? {})) {
    const results = decision.rules.filter((r) => r.rule === rule);
    if (results.length === 0) out.push(`rules.${rule}: expected a result, the decision has none`);
    else
      check(
        `rules.${rule}`,
        want,
        results.every((r) => r.passed),
      );
  }
  for (const fragment of expect.reasonIncludes ?? []) {
    const all = [decision.reason, ...decision.rules.map((r) => r.reason)];
    if (!all.some((reason) => reason.includes(fragment)))
      out.push(`reason: expected to include ${JSON.stringify(fragment)}`);
  }
  return out;
}

/** Runs a policy against already-read cases (the CLI reads the folder). Pure. */
export function runPolicyCases(policy: Policy, cases: readonly PolicyCase[]): PolicyCasesReport {
  const results = cases.map((c): PolicyCaseResult => {
    const decision = evaluate(policy, c.input, { now: Date.parse(c.now) });
    const mismatches = compare(c.expect, decision);
    return { file: c.file, name: c.name, passed: mismatches.length === 0, mismatches, decision };
  });
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed, results };
}
