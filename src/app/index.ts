export { AuditCheckpointWriter, type CheckpointWriterOptions } from "./audit-checkpoints.js";
export {
  ConfigError,
  type ConfigSources,
  isLoopback,
  parseListen,
  type ResolvedConfig,
  resolveConfig,
} from "./config.js";
export { CONFIG_KEYS, type ConfigKey, envName } from "./config-keys.js";
export * from "./gates/index.js";
export { GrafeasService, type GrafeasServiceOptions, MAX_PROJECT_IMAGES } from "./grafeas/service.js";
export { OccurrenceStore, type StoredOccurrence } from "./grafeas/store.js";
export type { FindingQuery, PackageFindings, PackageQuery } from "./images/contents.js";
export { type ExceptedImage, exceptionsFor, type FindingException } from "./images/exceptions.js";
export type {
  ArtifactQuery,
  ArtifactView,
  ImageInsights,
  OverviewView,
  ScanView,
} from "./images/insights.js";
export {
  type CloudEvent,
  type Delivery as WebhookDelivery,
  EVENT_TYPES,
  type EventType,
  NotificationError,
  type Notifications,
  type RuntimeAlert,
  verifyDelivery,
  type Webhook,
} from "./notifications/index.js";
export { createPlatform, type Platform, type PlatformOptions } from "./platform.js";
export type {
  LoadedPolicy,
  LocalImage,
  PolicyCatalog,
  PolicyCatalogOptions,
  PolicyKind,
  PolicySlot,
} from "./policies.js";
export { type GateRecords, gateRecords, openPlatformDatabase, openRecord } from "./records.js";
export type {
  ReplicationRule,
  ReplicationRun,
  ReplicationService,
  RuleInput as ReplicationRuleInput,
} from "./replication/index.js";
export type { RuntimeIngest, RuntimeIngestOptions, RuntimeIngestResult } from "./runtime-ingest.js";
export {
  type AssessOptions,
  assessSbom,
  notRunnableReason,
  openRegistryImage,
  ScanOnPush,
  type ScanReport,
  type ScanStatus,
  ScanStore,
  type ScanSummary,
  type StoredScan,
} from "./scanning/index.js";
export {
  buildTimeline,
  type MightHaveDone,
  type RiskyPackage,
  recordTagResolver,
  registryTagResolver,
  riskyPackages,
  type ScanNow,
  type Timeline,
  type TimelineRequest,
  type TimelineSources,
} from "./timeline/index.js";
export { createWebhookServices, type WebhookServices, type WebhookServicesOptions } from "./webhook.js";
