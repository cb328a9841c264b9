import { createHash } from "node:crypto";

/**
 * The surfaces that decide about images (the policy's request kinds), and `access`: identity events
 * (logins, token issues, account, grant and robot changes). An `access` row keeps its target (an
 * account, a project, a robot) in `image`, the event type in `workload` and the client address in
 * `caller`, until the one record of every event (issue 15) gives them columns of their own.
 */
export const AUDIT_GATES = ["ci", "registry-push", "registry-pull", "admission", "access"] as const;
export type AuditGate = (typeof AUDIT_GATES)[number];

/** One requirement's outcome, as the policy engine reports it. */
export interface AuditRule {
  readonly rule: string;
  readonly passed: boolean;
  readonly reason: string;
}

/**
 * What a gate decided, in plain data: the audit domain sits below the policy engine, so `app/` copies a
 * Decision into this shape (app/gates/audit.ts).
 */
export interface AuditRecord {
  readonly gate: AuditGate;
  readonly image: string;
  readonly digest?: string;
  readonly effect: "allow" | "warn" | "deny";
  /** The enforcement mode in force: enforce, warn or dry-run. */
  readonly mode: string;
  readonly reason: string;
  readonly rules: readonly AuditRule[];
  readonly policyDigest?: string;
  /** Who asked: the registry user, the admission request's user, the CI job. */
  readonly actor?: string;
  readonly namespace?: string;
  /** The workload (admission: `Kind/name`). */
  readonly workload?: string;
  readonly breakGlass?: { readonly annotation: string; readonly value: string };
  /**
   * How the surface that asked was authenticated (admission: who sent the AdmissionReview):
   * `mtls:<client certificate subject CN>`, `token`, or `none`. Absent on rows written before it existed
   * and on the registry's and CI's decisions.
   */
  readonly caller?: string;
}

/** A stored decision: the record, when it was made, and its place in the hash chain. */
export interface AuditEntry extends AuditRecord {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The prev_hash of the first row. */
export const GENESIS_HASH = `sha256:${"0".repeat(64)}`;

/**
 * The bytes a row's hash covers: every stored field but the id (assigned by the database after the hash
 * is known) in a fixed order, absent values as null, then the previous hash. A JSON array keeps the
 * encoding unambiguous (no field can bleed into the next), and key order inside `rules` and `breakGlass`
 * is fixed here too so the hash does not depend on how a caller built its objects.
 * A record with a `caller` is hashed as v2 (the caller after the policy digest); one without is hashed
 * exactly as v1 was, so rows written before the field existed still verify.
 */
export function canonicalBytes(at: number, record: AuditRecord, prevHash: string): string {
  const v2 = record.caller !== undefined;
  return JSON.stringify([
    v2 ? "portcullis.dev/audit/v2" : "portcullis.dev/audit/v1",
    at,
    record.gate,
    record.actor ?? null,
    record.namespace ?? null,
    record.workload ?? null,
    record.image,
    record.digest ?? null,
    record.effect,
    record.mode,
    record.breakGlass ? [record.breakGlass.annotation, record.breakGlass.value] : null,
    record.reason,
    record.rules.map((r) => [r.rule, r.passed, r.reason]),
    record.policyDigest ?? null,
    ...(v2 ? [record.caller] : []),
    prevHash,
  ]);
}

export function entryHash(at: number, record: AuditRecord, prevHash: string): string {
  return `sha256:${createHash("sha256")
    .update(canonicalBytes(at, record, prevHash))
    .digest("hex")}`;
}
