import { afterEach, describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";
import { until } from "../../test/support/until.js";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { PostgresQueue } from "./index.js";

const postgres = databaseTestTargets().find((t) => t.name === "postgres");

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "PostgresQueue",
  () => {
    const open: Array<{ database: Database; queues: PostgresQueue[] }> = [];
    afterEach(async () => {
      for (const { database, queues } of open.splice(0)) {
        for (const queue of queues) await queue.close();
        await database.close();
      }
    });

    /** `n` replicas' queues on one fresh schema. */
    const replicas = async (n: number, options: ConstructorParameters<typeof PostgresQueue>[1] = {}) => {
      const database = await postgres!.open();
      const queues = Array.from(
        { length: n },
        () => new PostgresQueue(database.db, { pollMs: 50, ...options }),
      );
      open.push({ database, queues });
      return { database, queues };
    };

    it("gives every job to exactly one replica, within each replica's concurrency", async () => {
      const { queues } = await replicas(3);
      const ran = new Map<number, number>();
      const active = [0, 0, 0];
      const peak = [0, 0, 0];
      for (const [i, queue] of queues.entries()) {
        queue.work<number>(
          "scan",
          async (n) => {
            ran.set(n, (ran.get(n) ?? 0) + 1);
            active[i]!++;
            peak[i] = Math.max(peak[i]!, active[i]!);
            await new Promise((r) => setTimeout(r, 5));
            active[i]!--;
          },
          { concurrency: 2 },
        );
      }
      for (let i = 0; i < 60; i++) queues[i % 3]!.enqueue("scan", i);
      await Promise.all(queues.map((q) => q.drain()));
      expect([...ran.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect([...ran.values()].every((count) => count === 1)).toBe(true);
      expect(Math.max(...peak)).toBeLessThanOrEqual(2);
    });

    it("deduplicates waiting jobs by key across replicas, and queues again once the job started", async () => {
      const { database, queues } = await replicas(2);
      const [a, b] = queues as [PostgresQueue, PostgresQueue];
      a.enqueue("scan", "first", { key: "sha256:a" });
      b.enqueue("scan", "duplicate", { key: "sha256:a" });
      b.enqueue("scan", "other", { key: "sha256:b" });
      await a.drain();
      await b.drain();
      const rows = await database.db.selectFrom("jobs").select(["key", "payload"]).orderBy("id").execute();
      expect(rows).toEqual([
        { key: "sha256:a", payload: '"first"' },
        { key: "sha256:b", payload: '"other"' },
      ]);
      const seen: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      a.work<string>("scan", async (p) => {
        seen.push(p);
        if (p === "first") await held;
      });
      await until("the first job runs", () => seen.includes("first"));
      // Running, no longer waiting: a change arriving now queues a fresh job for the same key.
      b.enqueue("scan", "again", { key: "sha256:a" });
      release();
      await a.drain();
      expect(seen.sort()).toEqual(["again", "first", "other"]);
    });

    it("takes again the job of a replica that died holding it, once its lease lapsed", async () => {
      const { database, queues } = await replicas(1, { leaseMs: 200 });
      // What a replica killed by SIGKILL mid-job leaves behind: a running row nobody renews.
      await database.db
        .insertInto("jobs")
        .values({
          kind: "scan",
          key: "sha256:dead",
          payload: JSON.stringify("left behind"),
          state: "running",
          owner: "killed",
          lease_until: Date.now() + 300,
          created_at: Date.now(),
        })
        .execute();
      const seen: string[] = [];
      const taken: number[] = [];
      queues[0]!.work<string>("scan", async (p) => {
        seen.push(p);
        taken.push(Date.now());
      });
      const started = Date.now();
      await until("the lapsed job is taken again", () => seen.length === 1);
      expect(seen).toEqual(["left behind"]);
      expect(taken[0]! - started).toBeGreaterThanOrEqual(250);
      await queues[0]!.drain();
      expect(await database.db.selectFrom("jobs").selectAll().execute()).toEqual([]);
    });

    it("renews the lease of a job that runs longer than it, so no other replica takes it meanwhile", async () => {
      const { queues } = await replicas(2, { leaseMs: 150 });
      const [a, b] = queues as [PostgresQueue, PostgresQueue];
      let runs = 0;
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const handler = async () => {
        runs++;
        await held;
      };
      a.work("slow", handler);
      a.enqueue("slow", {});
      await until("a runs it", () => runs === 1);
      b.work("slow", handler);
      // Several leases' worth of time: b polls every 50 ms and must find nothing it may take.
      const until600 = Date.now() + 600;
      await until("time passes", () => Date.now() > until600);
      expect(runs).toBe(1);
      release();
      await a.drain();
      expect(runs).toBe(1);
    });

    it("reports a failing handler and drops the job, as InProcessQueue does", async () => {
      const errors: string[] = [];
      const { database, queues } = await replicas(1, {
        onError: (err) => errors.push((err as Error).message),
      });
      queues[0]!.work("bad", async () => {
        throw new Error("boom");
      });
      queues[0]!.enqueue("bad", {});
      await queues[0]!.drain();
      expect(errors).toEqual(["boom"]);
      expect(await database.db.selectFrom("jobs").selectAll().execute()).toEqual([]);
    });

    it("only queues when told not to take jobs (a short CLI command beside the servers)", async () => {
      const { database, queues } = await replicas(1, { takeJobs: false });
      const seen: string[] = [];
      queues[0]!.work<string>("scan", async (p) => {
        seen.push(p);
      });
      queues[0]!.enqueue("scan", "for a server");
      await queues[0]!.drain();
      expect(seen).toEqual([]);
      const rows = await database.db.selectFrom("jobs").select(["payload", "state"]).execute();
      expect(rows).toEqual([{ payload: '"for a server"', state: "waiting" }]);
    });
  },
);
