import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";
import { until } from "../../test/support/until.js";
import { EventBus, type RegistryEvent, SYSTEM_ACTOR } from "../registry/index.js";
import { type Database, openInvalidationBus, type PostgresInvalidationBus } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { shareChanges } from "./replicas.js";

const postgres = databaseTestTargets().find((t) => t.name === "postgres");
const DIGEST = `sha256:${"a".repeat(64)}`;

/** A scan store's change feed, as ScanStore.onChange offers it. */
function scanFeed() {
  const listeners = new Set<(digest: string) => void>();
  return {
    onChange: (listener: (digest: string) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stored: (digest: string) => {
      for (const listener of listeners) listener(digest);
    },
  };
}

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "shareChanges between two replicas",
  () => {
    let database: Database | undefined;
    const buses: PostgresInvalidationBus[] = [];
    afterEach(async () => {
      for (const bus of buses.splice(0)) await bus.close();
      await database?.close();
    });

    /** Replica A's and B's views: A emits, B's pull-verdict cache listens. */
    const pair = async () => {
      database = await postgres!.open();
      const logger = pino({ level: "silent" });
      const replica = async () => {
        const bus = (await openInvalidationBus(database!)) as PostgresInvalidationBus;
        buses.push(bus);
        const events = new EventBus();
        const scans = scanFeed();
        const shared = shareChanges({ bus, events, scans, logger });
        return { bus, events, scans, shared };
      };
      return { a: await replica(), b: await replica() };
    };

    it("replays on B the registry events and scans of A that change pull verdicts, and nothing else", async () => {
      const { a, b } = await pair();
      const events: RegistryEvent[] = [];
      const scanned: string[] = [];
      let forgotAll = 0;
      b.shared.gateEvents.on("*", (event) => events.push(event));
      b.shared.scanChanges((digest) => scanned.push(digest));
      b.shared.forgetAll(() => forgotAll++);

      // A pull of an image changes no verdict: not announced.
      a.events.emit({
        type: "manifest.pulled",
        repository: "team/app",
        digest: DIGEST,
        reference: "v1",
        actor: SYSTEM_ACTOR,
      });
      // A cosign signature tag names the digest it signs: announced, and B replays it.
      a.events.emit({
        type: "manifest.pushed",
        repository: "team/app",
        digest: `sha256:${"b".repeat(64)}`,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 512,
        tags: [`sha256-${"a".repeat(64)}.sig`],
        annotations: { big: "x".repeat(4000) },
        actor: SYSTEM_ACTOR,
      });
      a.scans.stored(DIGEST);
      await until("B heard the push and the scan", () => events.length === 1 && scanned.length === 1);
      expect(events[0]).toMatchObject({
        type: "manifest.pushed",
        repository: "team/app",
        tags: [`sha256-${"a".repeat(64)}.sig`],
      });
      // Only what the verdict cache reads crosses: not the annotations.
      expect(events[0]).not.toHaveProperty("annotations");
      expect(scanned).toEqual([DIGEST]);

      // A deleted manifest may have been a referrer of anything: B forgets every verdict.
      a.events.emit({
        type: "manifest.deleted",
        repository: "team/app",
        digest: DIGEST,
        tags: [],
        actor: SYSTEM_ACTOR,
      });
      await until("B forgot everything", () => forgotAll === 1);
      // B's own events still reach its cache directly, once.
      b.events.emit({
        type: "tag.changed",
        repository: "team/app",
        tag: `sha256-${"a".repeat(64)}.att`,
        from: null,
        to: DIGEST,
        actor: SYSTEM_ACTOR,
      });
      expect(events.map((e) => e.type)).toEqual(["manifest.pushed", "tag.changed"]);
    });

    it("makes B forget every verdict when its listening connection comes back", async () => {
      const { b } = await pair();
      let forgotAll = 0;
      b.shared.gateEvents.on("*", () => {});
      b.shared.forgetAll(() => forgotAll++);
      const pid = await b.bus.listenerPid();
      const { default: pg } = await import("pg");
      const admin = new pg.Client({ connectionString: process.env.PORTCULLIS_TEST_POSTGRES });
      await admin.connect();
      try {
        await admin.query("select pg_terminate_backend($1)", [pid]);
      } finally {
        await admin.end();
      }
      await until("B reconnected", () => b.bus.connections === 2);
      // Every subscriber of B was told: the registry topic's and the scans topic's (none here).
      expect(forgotAll).toBeGreaterThanOrEqual(1);
    });
  },
);
