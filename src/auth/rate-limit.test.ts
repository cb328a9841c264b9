import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../storage/index.js";
import { dropTestSchema } from "../storage/testing.js";
import { ProcessRateLimit, rateLimit, SharedRateLimit } from "./rate-limit.js";

const START = Date.UTC(2026, 11, 7, 17, 0, 0);

describe("ProcessRateLimit (one process: SQLite)", () => {
  it("lets a minute's worth through at once, then one more per share of a minute", async () => {
    const limit = new ProcessRateLimit(3);
    for (let i = 0; i < 3; i++) expect(await limit.take("a", START)).toBeUndefined();
    expect(await limit.take("a", START)).toBe(20);
    expect(await limit.take("b", START)).toBeUndefined();
    expect(await limit.take("a", START + 20_000)).toBeUndefined();
    expect(await limit.take("a", START + 20_000)).toBeGreaterThanOrEqual(1);
  });

  it("is chosen on SQLite, and a limit of 0 is no limit", async () => {
    const database = await openDatabase(":memory:");
    try {
      expect(rateLimit(database, "runtime", 5)).toBeInstanceOf(ProcessRateLimit);
      const none = rateLimit(database, "runtime", 0);
      for (let i = 0; i < 100; i++) expect(await none.take("a")).toBeUndefined();
    } finally {
      await database.close();
    }
  });
});

const url = process.env.PORTCULLIS_TEST_POSTGRES;

// PostgreSQL when PORTCULLIS_TEST_POSTGRES is set (CI sets it), as databaseTestTargets() does.
describe.skipIf(!url)("SharedRateLimit (replicas on one PostgreSQL schema)", () => {
  const schema = `t_rate_${randomBytes(4).toString("hex")}`;
  let one: Database;
  let two: Database;
  beforeAll(async () => {
    // Two pools on one schema, as two replicas of `serve` have.
    one = await openDatabase(url!, { schema, poolSize: 4 });
    two = await openDatabase(url!, { schema, poolSize: 4 });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await dropTestSchema(url!, schema);
  });

  it("gives a caller one limit across replicas, not one each", async () => {
    const a = rateLimit(one, "runtime", 5);
    const b = rateLimit(two, "runtime", 5);
    expect(a).toBeInstanceOf(SharedRateLimit);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await (i % 2 === 0 ? a : b).take("robot falco", START + i));
    expect(answers.filter((x) => x === undefined)).toHaveLength(5);
    expect(answers.slice(5).every((x) => typeof x === "number" && x >= 1)).toBe(true);
    // Another caller, and another scope, have their own.
    expect(await b.take("robot other", START)).toBeUndefined();
    expect(await rateLimit(two, "elsewhere", 5).take("robot falco", START)).toBeUndefined();
  });

  it("stays exact when replicas race on one caller", async () => {
    const a = rateLimit(one, "runtime", 10);
    const b = rateLimit(two, "runtime", 10);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take("address 10.0.0.9", START)),
    );
    expect(answers.filter((x) => x === undefined)).toHaveLength(10);
  });

  it("slides: the last minute counts by the share of it still inside the window", async () => {
    const a = rateLimit(one, "slide", 4);
    for (let i = 0; i < 4; i++) expect(await a.take("c", START + 30_000)).toBeUndefined();
    // At the next minute's start the whole last minute is inside the sliding minute: still full.
    expect(await a.take("c", START + 60_000)).toBeGreaterThanOrEqual(1);
    // Halfway through it, half the last minute's 4 count: 2 more pass, the third waits.
    expect(await a.take("c", START + 90_000)).toBeUndefined();
    expect(await a.take("c", START + 90_000)).toBeUndefined();
    const wait = await a.take("c", START + 90_000);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(30);
    // Two minutes on, old windows are swept and the caller starts afresh.
    expect(await a.take("c", START + 200_000)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    const rows = await one.db
      .selectFrom("rate_limit_windows")
      .select("minute")
      .where("key", "=", "slide:c")
      .execute();
    expect(rows.map((r) => Number(r.minute))).toEqual([Math.floor((START + 200_000) / 60_000)]);
  });
});
