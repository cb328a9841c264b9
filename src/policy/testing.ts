import { stringify } from "yaml";
import type { Decision, RuleResult } from "./decision.js";
import { evaluate } from "./evaluate.js";
import type { Facts, ImageInput, PolicyInput, RequestInput } from "./facts.js";
import { parsePolicy } from "./load.js";
import type { Policy } from "./model.js";

/** Test helpers: a policy from a `require` mapping, and inputs with sensible defaults. Not exported. */

export const DIGEST = `sha256:${"a".repeat(64)}`;
export const OTHER_DIGEST = `sha256:${"b".repeat(64)}`;
export const NOW = Date.parse("2026-06-01T12:00:00Z");

export function policyFrom(document: Record<string, unknown>): Policy {
  return parsePolicy(
    stringify({ apiVersion: "portcullis.dev/v1", kind: "Policy", ...document }),
    "test.yaml",
  );
}

export function policyWith(require: Record<string, unknown>, rule: Record<string, unknown> = {}): Policy {
  return policyFrom({
    defaultRule: { evaluationMode: "require", enforcementMode: "enforce", ...rule, require },
  });
}

export interface InputOverrides {
  image?: Partial<ImageInput>;
  request?: Partial<RequestInput>;
  evidence?: Facts;
}

export function inputFor(overrides: InputOverrides = {}): PolicyInput {
  return {
    image: {
      reference: `registry.example.com/team/app@${DIGEST}`,
      registry: "registry.example.com",
      repository: "team/app",
      digest: DIGEST,
      ...overrides.image,
    },
    request: { kind: "admission", namespace: "default", ...overrides.request },
    evidence: overrides.evidence ?? {},
  };
}

export function decide(policy: Policy, overrides: InputOverrides = {}): Decision {
  return evaluate(policy, inputFor(overrides), { now: NOW });
}

/** The results of one requirement, for table-driven rule tests. */
export function resultsOf(
  require: Record<string, unknown>,
  overrides: InputOverrides,
  rule: string,
): RuleResult[] {
  return decide(policyWith(require), overrides).rules.filter(
    (r) => r.rule === rule || r.rule.startsWith(`${rule}.`),
  );
}
