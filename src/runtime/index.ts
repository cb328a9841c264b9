export { RuntimeError, type RuntimeErrorCode } from "./errors.js";
export type { JsonValue, RuntimeEvent, RuntimeEventKind } from "./event.js";
export { parseFalcoAlerts } from "./falco/parse.js";
export { FALCO_PRIORITIES, type FalcoPriority, falcoBodySchema } from "./falco/schema.js";
export { type ParsedEventList, parseAuditEventList, parseAuditEventListInTurns } from "./k8s-audit/parse.js";
export { auditEventListSchema } from "./k8s-audit/schema.js";
export type { ContainerImage } from "./k8s-audit/workloads.js";
export { RUNTIME_LIMITS } from "./limits.js";
