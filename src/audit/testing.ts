/**
 * Test support for the audit log and the record (not re-exported from index.ts, never built into a
 * command): one decision row as the gates append it, for the tests of the chain and of its mirror.
 */
import type { AuditRecord } from "./entry.js";

/** The image digest every `decisionRow` names unless told otherwise. */
export const DECISION_DIGEST = `sha256:${"ab".repeat(32)}`;

/** A registry push denied by the labels rule, by alice; `overrides` replace any field. */
export function decisionRow(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    gate: "registry-push",
    image: `localhost:5000/team/app@${DECISION_DIGEST}`,
    digest: DECISION_DIGEST,
    effect: "deny",
    mode: "enforce",
    reason: "denied by defaultRule: labels: label org.opencontainers.image.source is missing",
    rules: [{ rule: "labels", passed: false, reason: "label org.opencontainers.image.source is missing" }],
    policyDigest: `sha256:${"cd".repeat(32)}`,
    actor: "alice",
    ...overrides,
  };
}
