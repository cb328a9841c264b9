import { sql } from "kysely";
import type { Database } from "../../storage/index.js";
import type { AuditEntry } from "../entry.js";
import {
  canonicalJson,
  type JsonValue,
  MAX_PAYLOAD_BYTES,
  MAX_SUMMARY_CHARS,
  type RecordEventInput,
} from "./entry.js";
import type { EventRecord } from "./record.js";

/**
 * A decision row as a record entry: `gate.decision` (or `access` for identity events), its payload
 * carrying the row's id and chain hash so the old chain and the tree vouch for each other. Rules are
 * left out when they would push the payload past its bound (the chain row keeps them).
 */
export function mirrorOf(entry: AuditEntry): RecordEventInput & { decisionId: number } {
  const base: Record<string, JsonValue> = {
    decisionId: entry.id,
    chainHash: entry.hash,
    prevHash: entry.prevHash,
    gate: entry.gate,
    image: entry.image,
    effect: entry.effect,
    mode: entry.mode,
    reason: entry.reason,
  };
  for (const key of ["policyDigest", "workload", "caller"] as const) {
    const value = entry[key];
    if (value !== undefined) base[key] = value;
  }
  if (entry.breakGlass) base.breakGlass = { ...entry.breakGlass };
  const withRules = { ...base, rules: entry.rules.map((r) => ({ ...r })) };
  const payload = Buffer.byteLength(canonicalJson(withRules)) <= MAX_PAYLOAD_BYTES ? withRules : base;
  const summary = `${entry.gate} ${entry.effect} ${entry.image}: ${entry.reason}`
    .replace(/[\r\n]+/g, " ")
    .slice(0, MAX_SUMMARY_CHARS);
  const field = (value: string | undefined) =>
    value === undefined || value === "" ? undefined : value.slice(0, 512);
  const actor = field(entry.actor);
  const digest = field(entry.digest);
  const namespace = field(entry.namespace);
  return {
    decisionId: entry.id,
    kind: entry.gate === "access" ? "access" : "gate.decision",
    at: entry.at,
    ...(actor ? { actor } : {}),
    ...(digest ? { digest } : {}),
    ...(namespace ? { namespace } : {}),
    summary,
    payload,
  };
}

/**
 * Puts every decision row not yet in the record into it, oldest first, a batch at a time: the
 * migration of the hash chain into the tree (run at startup, and again harmlessly: a mirrored row is
 * never recorded twice), and the repair of a mirror a crash interrupted. Returns how many it added.
 */
export async function backfillDecisions(
  database: Database,
  record: EventRecord,
  toEntry: (row: unknown) => AuditEntry,
  batch = 1000,
): Promise<number> {
  let added = 0;
  // Decisions whose entries retention pruned are not mirrored again.
  let after = (await record.pruning()).decisionsThrough;
  for (;;) {
    const rows = await database.db
      .selectFrom("decisions as d")
      .selectAll("d")
      .where("d.id", ">", after)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("record_entries as r")
              .select(sql.lit(1).as("one"))
              .whereRef("r.decision_id", "=", "d.id"),
          ),
        ),
      )
      .orderBy("d.id", "asc")
      .limit(batch)
      .execute();
    if (rows.length === 0) return added;
    added += (await record.appendMirrored(rows.map((row) => mirrorOf(toEntry(row))))).length;
    after = Number(rows[rows.length - 1]!.id);
  }
}
