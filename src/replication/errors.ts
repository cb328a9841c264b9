import { PortcullisError } from "../core/index.js";

/**
 * Codes of the replication domain: INVALID_ARGUMENT for a rule that does not hold together (a bad
 * glob, a namespace that is not a repository name), REPLICATION_FAILED when an artifact could not be
 * copied (the run records it and goes on; a rerun retries it), NOT_FOUND for a rule that does not
 * exist, CONFLICT for a rule name already taken.
 */
export type ReplicationErrorCode = "INVALID_ARGUMENT" | "REPLICATION_FAILED" | "NOT_FOUND" | "CONFLICT";

export class ReplicationError extends PortcullisError<ReplicationErrorCode> {}
