import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { until } from "../../../test/support/until.js";
import type { Database } from "./database.js";
import {
  type InvalidationBus,
  LocalInvalidationBus,
  openInvalidationBus,
  type PostgresInvalidationBus,
} from "./invalidation.js";
import { databaseTestTargets } from "./testing.js";

const postgres = databaseTestTargets().find((t) => t.name === "postgres");

describe("LocalInvalidationBus", () => {
  it("is what SQLite gets: one process, nobody to tell", async () => {
    const sqlite = await databaseTestTargets()[0]!.open();
    const bus = await openInvalidationBus(sqlite);
    expect(bus).toBeInstanceOf(LocalInvalidationBus);
    await bus.publish("accounts");
    await bus.close();
    await sqlite.close();
  });
});

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "PostgresInvalidationBus",
  () => {
    const opened: Array<{ database: Database; buses: InvalidationBus[] }> = [];
    afterEach(async () => {
      for (const { database, buses } of opened.splice(0)) {
        for (const bus of buses) await bus.close();
        await database.close();
      }
    });

    /** Two replicas' buses on one schema (each its own listening connection). */
    const pair = async () => {
      const database = await postgres!.open();
      const a = (await openInvalidationBus(database)) as PostgresInvalidationBus;
      const b = (await openInvalidationBus(database)) as PostgresInvalidationBus;
      opened.push({ database, buses: [a, b] });
      return { database, a, b };
    };

    it("delivers a change to the other replicas, never back to its publisher", async () => {
      const { a, b } = await pair();
      const seenA: Array<string | undefined> = [];
      const seenB: Array<string | undefined> = [];
      a.subscribe("digest", (key) => seenA.push(key));
      b.subscribe("digest", (key) => seenB.push(key));
      b.subscribe("other", () => seenB.push("other"));
      await a.publish("digest", "sha256:aa");
      await a.publish("digest");
      await until("b heard both", () => seenB.length === 2);
      expect(seenB).toEqual(["sha256:aa", undefined]);
      // A round trip through b proves a had the time to hear its own publications, had it listened.
      await b.publish("digest", "sha256:bb");
      await until("a heard b", () => seenA.length === 1);
      expect(seenA).toEqual(["sha256:bb"]);
    });

    it("does not cross schemas: two deployments on one server", async () => {
      const one = await pair();
      const two = await pair();
      const heard: string[] = [];
      two.b.subscribe("accounts", () => heard.push("two"));
      one.b.subscribe("accounts", () => heard.push("one"));
      await one.a.publish("accounts");
      await until("one heard", () => heard.includes("one"));
      await two.a.publish("accounts");
      await until("two heard", () => heard.includes("two"));
      expect(heard).toEqual(["one", "two"]);
    });

    it("sends an over-long key as 'everything under the topic'", async () => {
      const { a, b } = await pair();
      const seen: Array<string | undefined> = [];
      b.subscribe("t", (key) => seen.push(key));
      await a.publish("t", "x".repeat(10_000));
      await until("b heard", () => seen.length === 1);
      expect(seen).toEqual([undefined]);
    });

    it("reconnects after losing its connection and tells every subscriber to drop everything", async () => {
      const { a, b } = await pair();
      const seen: Array<string | undefined> = [];
      b.subscribe("accounts", (key) => seen.push(key));
      const pid = await b.listenerPid();
      expect(pid).toBeTypeOf("number");
      const admin = new pg.Client({ connectionString: process.env.PORTCULLIS_TEST_POSTGRES });
      await admin.connect();
      try {
        await admin.query("select pg_terminate_backend($1)", [pid]);
      } finally {
        await admin.end();
      }
      await until("b listens again", () => b.connections === 2);
      // The flush on reconnection: nothing published meanwhile can be trusted to have been heard.
      expect(seen).toEqual([undefined]);
      await a.publish("accounts", "robot$x");
      await until("b hears on the new connection", () => seen.length === 2);
      expect(seen).toEqual([undefined, "robot$x"]);
      expect(await b.listenerPid()).not.toBe(pid);
    });
  },
);
