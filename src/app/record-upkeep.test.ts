import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EventRecord, loadRecordSigner, readFrames } from "../audit/index.js";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { resolveConfig } from "./config.js";
import { WebhookStore } from "./notifications/index.js";
import { recordUpkeep } from "./record-upkeep.js";

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const logger = pino({ level: "silent" });

describe("the record's upkeep configuration", () => {
  it("reads audit.syslog, audit.retention and webhooks.deliveryRetention", () => {
    const defaults = resolveConfig({ env: {} });
    expect(defaults.audit.syslog).toBeUndefined();
    expect(defaults.audit.retention).toEqual({});
    expect(defaults.webhooks.deliveryRetentionMs).toBe(30 * DAY);
    const set = resolveConfig({
      env: {
        PORTCULLIS_AUDIT_SYSLOG_URL: "tls://siem.example:6514",
        PORTCULLIS_AUDIT_SYSLOG_FACILITY: "4",
        PORTCULLIS_AUDIT_RETENTION_MAX_AGE: "400d",
        PORTCULLIS_AUDIT_RETENTION_KEEP: "1000",
        PORTCULLIS_WEBHOOKS_DELIVERY_RETENTION: "7d",
      },
    });
    expect(set.audit.syslog).toEqual({ url: "tls://siem.example:6514", facility: 4, appName: "portcullis" });
    expect(set.audit.retention).toEqual({ maxAgeMs: 400 * DAY, keep: 1000 });
    expect(set.webhooks.deliveryRetentionMs).toBe(7 * DAY);
  });
});

for (const target of databaseTestTargets()) {
  describe(`recordUpkeep on ${target.name}`, () => {
    let database: Database;
    let record: EventRecord;
    let server: Server | undefined;

    beforeEach(async () => {
      database = await target.open();
      record = new EventRecord(database, { signer: await loadRecordSigner(database, randomBytes(32)) });
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
      await record.settled();
      await database.close();
    });

    it("prunes the record and old deliveries as configured, and forwards to the configured syslog", async () => {
      await record.append(
        Array.from({ length: 12 }, (_, i) => ({
          kind: "image.pulled" as const,
          at: NOW - (12 - i) * DAY,
          summary: `pull ${i}`,
          payload: null,
        })),
      );
      const webhooks = new WebhookStore(database);
      await webhooks.create({
        id: "wh_1",
        project: "team",
        url: "https://hooks.example/in",
        events: ["dev.portcullis.image.pushed"],
        secretSealed: "x",
        enabled: true,
        allowInsecure: false,
        description: "",
        createdBy: "alice",
        at: NOW - 90 * DAY,
      });
      const old = await webhooks.enqueue(
        "wh_1",
        { id: "e1", type: "dev.portcullis.image.pushed", payload: "{}" },
        NOW - 60 * DAY,
      );
      await webhooks.recordAttempt(
        old,
        { attempt: 1, at: NOW - 60 * DAY, statusCode: 200, durationMs: 1, error: null, nextRetryAt: null },
        "delivered",
      );

      const received: string[] = [];
      server = createServer((socket) => {
        let rest: Buffer = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
          const read = readFrames(Buffer.concat([rest, chunk]));
          received.push(...read.messages);
          rest = read.rest;
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      const config = resolveConfig({
        env: {
          PORTCULLIS_AUDIT_SYSLOG_URL: `tcp://127.0.0.1:${port}`,
          PORTCULLIS_AUDIT_RETENTION_MAX_AGE: "10d",
          PORTCULLIS_AUDIT_RETENTION_KEEP: "4",
        },
      });
      const upkeep = recordUpkeep({ config, database, record, webhooks, logger });
      // Older than 10 days: entries 0 and 1; keep 4 would prune 8: the run prunes the smaller cut.
      expect(await upkeep.runRetention(NOW)).toEqual({ recordPruned: 2, deliveriesDeleted: 1 });
      expect(await record.prunedBelow()).toBe(2);
      expect(await upkeep.runRetention(NOW)).toEqual({ recordPruned: 0, deliveriesDeleted: 0 });

      const stop = upkeep.start();
      // Entries 2..12 (12 is the prune itself); the pruned ones cannot be sent.
      await vi.waitFor(() => expect(received).toHaveLength(11), { timeout: 10_000 });
      expect(received[10]).toMatch(/ record\.pruned \[portcullis@32473 index="12" /);
      await stop();
    });
  });
}
