/**
 * Test support for the audit log and the record (not re-exported from index.ts, never built into a
 * command): one decision row as the gates append it, for the tests of the chain and of its mirror, and
 * a signed record of pushes for the record's own tests.
 */
import { randomBytes } from "node:crypto";
import type { Database } from "../storage/index.js";
import type { AuditRecord } from "./entry.js";
import { openTreeCheckpoint, type TreeCheckpoint } from "./merkle/index.js";
import type { RecordEventInput } from "./record/entry.js";
import { loadRecordSigner } from "./record/key.js";
import { EventRecord } from "./record/record.js";

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

/** The n-th push of team/app by alice, `spacing` ms after the one before it (record tests' events). */
export function pushEvent(n: number, spacing = 1): RecordEventInput {
  return {
    kind: "image.pushed",
    at: 1_700_000_000_000 + n * spacing,
    actor: "alice",
    repository: "team/app",
    summary: `alice pushed team/app:v${n}`,
    payload: { tag: `v${n}` },
  };
}

/**
 * A record over `database` signed by a fresh random key, holding `count` pushes (`pushEvent`, `spacing`
 * apart), and its signed checkpoint as saved then: what the prune and verify tests prove against.
 */
export async function signedRecord(
  database: Database,
  count: number,
  spacing = 1,
): Promise<{ record: EventRecord; saved: TreeCheckpoint }> {
  const record = new EventRecord(database, { signer: await loadRecordSigner(database, randomBytes(32)) });
  await record.append(Array.from({ length: count }, (_, i) => pushEvent(i, spacing)));
  const signer = record.signer!;
  const saved = openTreeCheckpoint(await record.checkpoint(), signer.name, [signer.verifier]);
  return { record, saved };
}
