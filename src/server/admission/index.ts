export {
  type AdmissionAuthentication,
  type AdmissionCaller,
  callerLabel,
} from "./caller.js";
export {
  deadlineFor,
  evidenceDeadlineFor,
  guardAnswered,
  guardedDecider,
  type WebhookFailurePolicy,
} from "./deadline.js";
export { gateDecider, imageInputOf, requestOf } from "./decider.js";
export {
  type EvidenceLookup,
  evaluatingGate,
  type ImageCheck,
  type ImageEvidence,
  type ImagePolicyGate,
  type ImageVerdict,
  noEvidence,
} from "./gate.js";
export {
  AdmissionMetrics,
  type AdmissionMetricsOptions,
  type DecisionFailureReason,
  type DecisionOverride,
  type ReviewOperation,
} from "./metrics.js";
export { fromPolicyGate, type PolicyGateRecording } from "./policy-gate.js";
export {
  type AdmissionServerOptions,
  buildAdmissionServer,
  DEFAULT_ADMISSION_TIMEOUT_MS,
  type ReviewLogEntry,
} from "./server.js";
