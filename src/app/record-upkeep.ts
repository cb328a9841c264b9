import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import {
  AuditError,
  type EventRecord,
  parseSyslogUrl,
  pruneRecord,
  RecordForwarder,
} from "../audit/index.js";
import type { Database } from "../storage/index.js";
import type { ResolvedConfig } from "./config.js";
import type { WebhookStore } from "./notifications/index.js";

/** How often `serve` applies the record's and the deliveries' retention. */
export const UPKEEP_INTERVAL_MS = 60 * 60_000;

export interface RetentionOutcome {
  /** Record entries pruned by this run. */
  readonly recordPruned: number;
  /** Webhook deliveries deleted by this run. */
  readonly deliveriesDeleted: number;
}

export interface RecordUpkeep {
  /** Starts forwarding (audit.syslog); returns its stop. */
  start(): () => Promise<void>;
  /** One retention run over the record (audit.retention.*) and webhook deliveries. */
  runRetention(now?: number): Promise<RetentionOutcome>;
}

/**
 * The record's upkeep in `serve`: forwarding to syslog and retention, with the deliveries' retention
 * beside it (both are history that would otherwise grow forever). Built at startup, so a bad URL or an
 * unreadable CA file stops `serve` with its message instead of failing quietly later.
 */
export function recordUpkeep(options: {
  readonly config: ResolvedConfig;
  readonly database: Database;
  readonly record: EventRecord;
  readonly webhooks?: WebhookStore;
  readonly logger: Logger;
}): RecordUpkeep {
  const { config, database, record, webhooks, logger } = options;
  const syslog = config.audit.syslog;
  let forwarder: RecordForwarder | undefined;
  if (syslog) {
    let ca: string | undefined;
    if (syslog.caFile) {
      try {
        ca = readFileSync(syslog.caFile, "utf8");
      } catch (err) {
        throw new AuditError(
          "INVALID_ARGUMENT",
          `cannot read audit.syslog.ca ${syslog.caFile}: ${(err as Error).message}`,
        );
      }
    }
    const target = parseSyslogUrl(syslog.url);
    forwarder = new RecordForwarder(database, record, {
      target,
      ...(ca ? { ca } : {}),
      facility: syslog.facility,
      appName: syslog.appName,
      // Logged once per failed connection attempt (the backoff bounds how often).
      onError: (err) =>
        logger.warn({ err: err.message, syslog: syslog.url }, "forwarding the record to syslog failed"),
    });
    if (target.protocol === "tcp") {
      logger.warn(
        { syslog: syslog.url },
        "the record is forwarded to syslog over plain TCP: use tls:// beyond a trusted network",
      );
    }
  }
  return {
    start: () => {
      forwarder?.start();
      return async () => forwarder?.stop();
    },
    runRetention: async (now = Date.now()) => {
      const { maxAgeMs, keep } = config.audit.retention;
      let recordPruned = 0;
      if (maxAgeMs !== undefined || keep !== undefined) {
        const result = await pruneRecord(database, record, {
          ...(maxAgeMs !== undefined ? { before: now - maxAgeMs } : {}),
          ...(keep !== undefined ? { keep } : {}),
          actor: "retention",
        });
        recordPruned = result.pruned;
      }
      const keepMs = config.webhooks.deliveryRetentionMs;
      const deliveriesDeleted = webhooks && keepMs > 0 ? await webhooks.pruneDeliveries(now - keepMs) : 0;
      return { recordPruned, deliveriesDeleted };
    },
  };
}
