import { AuditLog, EventRecord, loadRecordSigner } from "../audit/index.js";
import type { ScanReportSource } from "../evidence/index.js";
import { type Database, openDatabase } from "../storage/index.js";
import type { ResolvedConfig } from "./config.js";
import { auditRecorder, type DecisionRecorder } from "./gates/audit.js";
import { storedScanSource } from "./gates/scan-sources.js";
import { readOrCreateKek } from "./identity/services.js";
import { ScanStore } from "./scanning/store.js";

/**
 * The platform's metadata database as `config.database` names it, migrated: the one way every process
 * opens it (serve, gc, admission serve, audit). `poolSize` overrides the configured PostgreSQL pool
 * for a short-lived command that runs one query at a time.
 */
export function openPlatformDatabase(
  config: ResolvedConfig,
  poolSize: number = config.database.poolSize,
): Promise<Database> {
  return openDatabase(config.database.url, { poolSize });
}

/** What the gates keep in the platform's database: the decision log, and scan reports by digest. */
export interface GateRecords {
  /** The append-only, hash-chained log of gate decisions. */
  readonly audit: AuditLog;
  /** Records a decision in `audit` (registry gates, admission). */
  readonly recorder: DecisionRecorder;
  /** Scan reports by digest, written by scan on push. */
  readonly scans: ScanStore;
  /** `scans` as a gate's scan source (storedScanSource). */
  readonly scanSource: ScanReportSource;
}

/**
 * The gates' records over an open database; built the same way for `serve` and `admission serve`.
 * Every decision is mirrored into `record` (one that only appends when none is given).
 */
export function gateRecords(
  database: Database,
  record: EventRecord = new EventRecord(database),
): GateRecords {
  const audit = new AuditLog(database, Date.now, record);
  const scans = new ScanStore(database);
  return { audit, recorder: auditRecorder(audit), scans, scanSource: storedScanSource(scans) };
}

/**
 * The one record over an open database, able to sign checkpoints: its key is sealed with
 * `auth.keyFile`, created on first use in every auth mode (anonymous too), as the token keys are.
 */
export async function openRecord(config: ResolvedConfig, database: Database): Promise<EventRecord> {
  return new EventRecord(database, {
    signer: await loadRecordSigner(database, readOrCreateKek(config.auth.keyFile)),
  });
}
