export { type AdmitOptions, type AdmitResult, admit } from "./admit.js";
export {
  type ApiServerAuthOptions,
  type RenderedApiServerAuth,
  renderApiServerAuth,
} from "./api-server-config.js";
export {
  AUDIT_KEY_MAX_LENGTH,
  isValidAuditAnnotationKey,
  mergeAuditAnnotations,
  toAuditAnnotationKey,
} from "./audit-annotations.js";
export { type OpensslOptions, renderOpensslCommands, serviceDnsNames } from "./certs.js";
export type {
  AdmissionDecider,
  AdmissionMode,
  ImageDecision,
  MutateOptions,
  ResponseOptions,
  Verdict,
  WorkloadDecision,
} from "./decision.js";
export { AdmissionError, type AdmissionErrorCode } from "./errors.js";
export { type ExtractOptions, extractFacts } from "./extract.js";
export type {
  AdmissionFacts,
  ContainerImage,
  ContainerSecurityFacts,
  ContainerType,
  HostPathVolume,
  PodFacts,
  PodSecurityFacts,
  RefusedReview,
  SkippedReview,
  WorkloadFacts,
} from "./facts.js";
export { DEFAULT_TAG, type NormalisedImage, normaliseImage, pinnedImage } from "./image-reference.js";
export { escapePointerToken, jsonPointer } from "./json-pointer.js";
export { WORKLOAD_LIMITS } from "./limits.js";
export type { JsonPatchOperation, PinnedImage } from "./patch.js";
export {
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type AdmissionStatus,
  allowResponse,
  reviewToResponse,
} from "./response.js";
export {
  type AdmissionApiVersion,
  type AdmissionOperation,
  type AdmissionRequest,
  type AdmissionReview,
  type AdmissionUserInfo,
  type GroupVersionKind,
  type GroupVersionResource,
  MAX_REVIEW_BYTES,
  parseAdmissionReview,
  parseAdmissionReviewJson,
} from "./review.js";
export {
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_WEBHOOK_PORT,
  OPT_OUT_VALUE,
  type RenderedWebhookConfigurations,
  renderWebhookConfigurations,
  type WebhookConfigOptions,
} from "./webhook-config.js";
export { WORKLOAD_KINDS, type WorkloadKind, type WorkloadKindInfo } from "./workload-kinds.js";
