export {
  type AdmissionAuthentication,
  AdmissionMetrics,
  type AdmissionServerOptions,
  buildAdmissionServer,
  DEFAULT_ADMISSION_TIMEOUT_MS,
  deadlineFor,
  evaluatingGate,
  fromPolicyGate,
  type ImageCheck,
  type ImagePolicyGate,
  type ImageVerdict,
  type ReviewLogEntry,
  type WebhookFailurePolicy,
} from "./admission/index.js";
export * as accountsApi from "./api/identity/schemas.js";
export * as webhooksApi from "./api/identity/webhook-schemas.js";
export * as recordApi from "./api/record/schemas.js";
export * as replicationApi from "./api/replication/schemas.js";
export { toWireError, type WireError } from "./errors.js";
export { ServerMetrics } from "./metrics.js";
export { type BuildServerOptions, buildServer } from "./server.js";
export {
  logTlsReload,
  ReloadableTls,
  type ReloadableTlsOptions,
  type ReloadLogger,
  type TlsCredentials,
  TlsError,
  type TlsFiles,
  type TlsReloadOutcome,
} from "./tls.js";
