import type { AuditEntry, AuditGate, AuditLog } from "../../audit/index.js";
import type { Decision } from "../../policy/index.js";

/** Where a decision was made, beside what it decided. */
export interface DecisionContext {
  readonly gate: AuditGate;
  /** The image as written (pushed name, pod spec, CLI argument). */
  readonly image: string;
  /** The digest the decision was about, when it was known. */
  readonly digest?: string;
  readonly actor?: string;
  readonly namespace?: string;
  /** Admission: `Kind/name` of the workload. */
  readonly workload?: string;
  /** How the caller was authenticated (admission: `mtls:<CN>`, `token`, `none`). */
  readonly caller?: string;
}

/** Records gate decisions in the audit log (every surface: CI, registry push and pull, admission). */
export interface DecisionRecorder {
  record(decision: Decision, context: DecisionContext): Promise<AuditEntry>;
}

/** A recorder over an AuditLog: copies the Decision into the log's plain record. */
export function auditRecorder(log: AuditLog): DecisionRecorder {
  return {
    record: (decision, context) =>
      log.append({
        gate: context.gate,
        image: context.image,
        ...(context.digest !== undefined ? { digest: context.digest } : {}),
        ...(context.actor !== undefined ? { actor: context.actor } : {}),
        ...(context.namespace !== undefined ? { namespace: context.namespace } : {}),
        ...(context.workload !== undefined ? { workload: context.workload } : {}),
        ...(context.caller !== undefined ? { caller: context.caller } : {}),
        effect: decision.effect,
        mode: decision.mode,
        reason: decision.reason,
        rules: decision.rules,
        policyDigest: decision.policyDigest,
        ...(decision.breakGlass ? { breakGlass: decision.breakGlass } : {}),
      }),
  };
}
