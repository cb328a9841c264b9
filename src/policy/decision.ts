import type { EnforcementMode, EvaluationMode } from "./model.js";

/** What a gate does: let it through, let it through with a warning, or refuse it. */
export type Effect = "allow" | "warn" | "deny";

/** One requirement's outcome. `reason` always says why, pass or fail. */
export interface RuleResult {
  /** The requirement's id (`registries`, `signedBy`, `custom.<name>`, ...). */
  readonly rule: string;
  readonly passed: boolean;
  readonly reason: string;
}

export interface Decision {
  /** Whether the gate lets the image through. */
  readonly allowed: boolean;
  readonly effect: Effect;
  /** What the requirements said before the enforcement mode and break-glass were applied. */
  readonly verdict: "pass" | "fail";
  readonly mode: EnforcementMode;
  readonly evaluationMode: EvaluationMode;
  /** Which rule decided: `defaultRule`, `namespaceRules.kube-system`, `serviceAccountRules.ns:sa`, ... */
  readonly ruleSource: string;
  /** The allowlist pattern that exempted the image, if one did. */
  readonly allowlisted?: string;
  /** Set when the break-glass annotation let the workload through: audit it loudly. */
  readonly breakGlass?: { readonly annotation: string; readonly value: string };
  readonly rules: readonly RuleResult[];
  /** One line for logs and AdmissionResponse messages. */
  readonly reason: string;
  /** sha256 of the policy file's bytes. */
  readonly policyDigest: string;
}
