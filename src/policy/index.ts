/**
 * policy/: the one policy engine behind every gate (CI verify, registry push/pull, Kubernetes
 * admission). Pure: `parsePolicy` turns a file's bytes into a compiled Policy, `evaluate` turns a
 * policy and plain facts into a Decision. No I/O: evidence/ gathers the facts, app/ wires the gates.
 */
export { type PolicyTrustAnchors, policyTrustAnchors } from "./anchors.js";
export {
  type PolicyCase,
  type PolicyCaseExpectation,
  type PolicyCaseResult,
  type PolicyCasesReport,
  parsePolicyCase,
  runPolicyCases,
} from "./cases.js";
export type { CelContext, CompiledCondition } from "./cel.js";
export type { Decision, Effect, RuleResult } from "./decision.js";
export { PolicyError, type PolicyErrorCode } from "./errors.js";
export { type EvaluateOptions, evaluate, requiredEvidence } from "./evaluate.js";
export type {
  AttestationFact,
  BaseImageFacts,
  ConfigFacts,
  EvidenceError,
  EvidenceSource,
  Facts,
  ImageInput,
  ImageUserFacts,
  PodSecurityFacts,
  PolicyInput,
  RequestInput,
  RequestKind,
  ScanFacts,
  ScanFinding,
  SignatureFact,
  SignerFact,
} from "./facts.js";
export {
  compileImagePattern,
  type ImagePattern,
  type MatchableImage,
  matchesImage,
} from "./image-pattern.js";
export { policyInputSchema } from "./input-schema.js";
export { MAX_POLICY_BYTES, parsePolicy } from "./load.js";
export type {
  AttestationRequirement,
  BaseImageRequirement,
  CustomRequirement,
  EnforcementMode,
  EvaluationMode,
  FailurePolicy,
  LabelRequirement,
  PodSecurityRequirement,
  Policy,
  PolicyRule,
  Requirements,
  ScanException,
  ScanRequirement,
  Severity,
  SignerRequirement,
} from "./model.js";
export { REQUIREMENT_RULES } from "./rules/list.js";
export type { AnyRequirementRule, RequirementRule, RuleContext } from "./rules/rule.js";
export { selectRule } from "./select.js";
