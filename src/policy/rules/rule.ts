import type { CelMeter } from "../../core/index.js";
import type { RuleResult } from "../decision.js";
import type { EvidenceSource, PolicyInput } from "../facts.js";
import type { Requirements } from "../model.js";

export interface RuleContext {
  readonly input: PolicyInput;
  /** Epoch ms of the decision (scan age, exception expiry, CEL `now`). */
  readonly now: number;
  /** The decision's CEL budget, shared by every expression it evaluates (core/cel/budget.ts). */
  readonly cel: CelMeter;
}

/**
 * One requirement of a policy rule, one file each (DESIGN: `Rule`). `id` is the requirement's key in
 * `require`, and the `rule` of its results. `needs` lists the evidence it reads: when gathering one of
 * them failed, the policy rule's failurePolicy decides the result instead of `check`.
 */
export interface RequirementRule<K extends keyof Requirements> {
  readonly id: K;
  /** Why the requirement exists, for `portcullis policy explain` and the README. */
  readonly rationale: string;
  /** What to do when it fails. */
  readonly fix: string;
  needs(requirement: NonNullable<Requirements[K]>): readonly EvidenceSource[];
  check(requirement: NonNullable<Requirements[K]>, context: RuleContext): RuleResult[];
}

export type AnyRequirementRule = { [K in keyof Requirements]-?: RequirementRule<K> }[keyof Requirements];

export function pass(rule: string, reason: string): RuleResult {
  return { rule, passed: true, reason };
}

export function fail(rule: string, reason: string): RuleResult {
  return { rule, passed: false, reason };
}

/** `"a", "b" and 3 more`, for reasons that list what failed. */
export function listSome(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** `30h`, `2d`, `45m`: how long ago, for scan ages. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 72) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
