export { ReplicationMetrics } from "./metrics.js";
export {
  REPLICATION_ACTOR_PREFIX,
  ReplicationService,
  type ReplicationServiceOptions,
  type RuleInput,
} from "./service.js";
export {
  type ReplicationDirection,
  type ReplicationRule,
  type ReplicationRun,
  ReplicationStore,
  type RuleFields,
  type RunState,
  type RunTrigger,
} from "./store.js";
