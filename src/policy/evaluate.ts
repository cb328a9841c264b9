import { CelMeter } from "../core/index.js";
import type { Decision, Effect, RuleResult } from "./decision.js";
import type { EvidenceError, EvidenceSource, PolicyInput } from "./facts.js";
import { matchesImage } from "./image-pattern.js";
import type { EnforcementMode, Policy, PolicyRule, Requirements } from "./model.js";
import { ownValue } from "./own-record.js";
import { REQUIREMENT_RULES } from "./rules/list.js";
import type { AnyRequirementRule, RequirementRule } from "./rules/rule.js";
import { selectRule } from "./select.js";

export interface EvaluateOptions {
  /** The decision's clock (scan age, exception expiry); defaults to the current time. */
  readonly now?: Date | number;
}

/** The evidence sources a rule's requirements read, so a gate gathers only those. */
export function requiredEvidence(rule: PolicyRule): EvidenceSource[] {
  if (rule.evaluationMode !== "require") return [];
  const needs = new Set<EvidenceSource>();
  for (const r of REQUIREMENT_RULES) {
    const requirement = rule.require[r.id];
    if (requirement === undefined) continue;
    for (const source of (r as RequirementRule<typeof r.id>).needs(requirement as never)) needs.add(source);
  }
  return [...needs];
}

function runRequirement(
  r: AnyRequirementRule,
  requirement: NonNullable<Requirements[keyof Requirements]>,
  rule: PolicyRule,
  input: PolicyInput,
  now: number,
  cel: CelMeter,
): RuleResult[] {
  const generic = r as RequirementRule<typeof r.id>;
  const errors = input.evidence.errors ?? [];
  const missing = generic
    .needs(requirement as never)
    .map((source) => errors.find((e) => e.source === source))
    .filter((e): e is EvidenceError => e !== undefined);
  if (missing.length > 0) {
    const what = missing.map((e) => `${e.source}: ${e.message}`).join("; ");
    // Fail closed unless the rule says an unreachable source may be ignored.
    return rule.failurePolicy === "fail"
      ? [{ rule: r.id, passed: false, reason: `evidence unavailable (${what}); failurePolicy fail` }]
      : [
          {
            rule: r.id,
            passed: true,
            reason: `evidence unavailable (${what}); failurePolicy ignore lets it pass`,
          },
        ];
  }
  return generic.check(requirement as never, { input, now, cel });
}

/** What a failing verdict does in each enforcement mode. */
const ON_FAILURE: Record<EnforcementMode, { allowed: boolean; effect: Effect; prefix: string }> = {
  enforce: { allowed: false, effect: "deny", prefix: "denied by " },
  warn: { allowed: true, effect: "warn", prefix: "warning (warn mode) from " },
  "dry-run": { allowed: true, effect: "allow", prefix: "dry-run, would deny: " },
};

function failedSummary(rules: readonly RuleResult[]): string {
  return rules
    .filter((r) => !r.passed)
    .map((r) => `${r.rule}: ${r.reason}`)
    .join("; ");
}

/**
 * Decides about one image in one request. Pure: the same policy, input and clock give the same
 * decision, and it never throws on input of the documented shape.
 *
 * Order: the allowlist exempts an image outright; otherwise the most specific rule is selected
 * (selectRule), its evaluation mode applied, and in `require` mode every requirement checked. The
 * enforcement mode then turns a failing verdict into deny (enforce), a warning (warn) or an audit-only
 * allow (dry-run); the break-glass annotation lets a failing workload through with a warning.
 */
export function evaluate(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): Decision {
  const now =
    options.now === undefined
      ? Date.now()
      : typeof options.now === "number"
        ? options.now
        : options.now.getTime();
  const rule = selectRule(policy, input.request);
  const base = {
    mode: rule.enforcementMode,
    evaluationMode: rule.evaluationMode,
    policyDigest: policy.digest,
  };

  const exempt = policy.allowlist.find((p) => matchesImage(p, input.image));
  if (exempt) {
    const reason = `image matches allowlist pattern "${exempt.source}"`;
    return {
      ...base,
      allowed: true,
      effect: "allow",
      verdict: "pass",
      ruleSource: "allowlist",
      allowlisted: exempt.source,
      rules: [{ rule: "allowlist", passed: true, reason }],
      reason: `allowed: ${reason}`,
    };
  }

  let rules: RuleResult[];
  if (rule.evaluationMode === "always-allow") {
    rules = [
      { rule: "evaluationMode", passed: true, reason: `${rule.source} allows every image (always-allow)` },
    ];
  } else if (rule.evaluationMode === "always-deny") {
    rules = [
      { rule: "evaluationMode", passed: false, reason: `${rule.source} denies every image (always-deny)` },
    ];
  } else {
    rules = [];
    // One CEL budget for the whole decision, however many expressions and attestations it holds.
    const cel = new CelMeter();
    for (const r of REQUIREMENT_RULES) {
      const requirement = rule.require[r.id];
      if (requirement !== undefined) rules.push(...runRequirement(r, requirement, rule, input, now, cel));
    }
    if (rules.length === 0)
      rules.push({ rule: "require", passed: true, reason: `${rule.source} requires nothing` });
  }

  const passed = rules.every((r) => r.passed);
  const verdict = passed ? "pass" : "fail";
  const onFailure = ON_FAILURE[rule.enforcementMode];
  let allowed = passed || onFailure.allowed;
  let effect: Effect = passed ? "allow" : onFailure.effect;
  let reason = passed
    ? `allowed by ${rule.source}`
    : `${onFailure.prefix}${rule.source}: ${failedSummary(rules)}`;

  let breakGlass: Decision["breakGlass"];
  const annotation = policy.breakGlass?.annotation;
  const value = annotation === undefined ? undefined : ownValue(input.request.annotations, annotation);
  if (annotation !== undefined && value !== undefined && value !== "" && value.toLowerCase() !== "false") {
    breakGlass = { annotation, value };
    if (!passed) {
      allowed = true;
      effect = "warn";
      reason = `BREAK-GLASS (${annotation}=${value}) overrides: ${reason}`;
    }
  }
  return {
    ...base,
    allowed,
    effect,
    verdict,
    ruleSource: rule.source,
    ...(breakGlass ? { breakGlass } : {}),
    rules,
    reason,
  };
}
