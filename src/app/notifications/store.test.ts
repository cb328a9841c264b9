import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { WebhookStore } from "./store.js";

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

for (const target of databaseTestTargets()) {
  describe(`webhook delivery retention on ${target.name}`, () => {
    let database: Database;
    let store: WebhookStore;

    beforeEach(async () => {
      database = await target.open();
      store = new WebhookStore(database);
      await store.create({
        id: "wh_1",
        project: "team",
        url: "https://hooks.example/in",
        events: ["dev.portcullis.image.pushed"],
        secretSealed: "sealed",
        enabled: true,
        allowInsecure: false,
        description: "",
        createdBy: "alice",
        at: NOW - 100 * DAY,
      });
    });
    afterEach(async () => {
      await database.close();
    });

    async function delivery(ageDays: number, state: "delivered" | "failed" | "pending"): Promise<number> {
      const at = NOW - ageDays * DAY;
      const id = await store.enqueue(
        "wh_1",
        { id: `ev-${ageDays}-${state}`, type: "dev.portcullis.image.pushed", payload: "{}" },
        at,
      );
      if (state !== "pending") {
        await store.recordAttempt(
          id,
          {
            attempt: 1,
            at,
            statusCode: state === "delivered" ? 200 : 500,
            durationMs: 3,
            error: null,
            nextRetryAt: null,
          },
          state,
        );
      }
      return id;
    }

    it("deletes finished deliveries older than the cut with their attempts, and keeps pending and recent ones", async () => {
      const oldDelivered = await delivery(40, "delivered");
      const oldFailed = await delivery(35, "failed");
      const oldPending = await delivery(45, "pending");
      const recent = await delivery(5, "delivered");
      expect(await store.pruneDeliveries(NOW - 30 * DAY, 1)).toBe(2);
      const left = (await store.deliveries("wh_1", 100)).map((d) => d.id).sort();
      expect(left).toEqual([oldPending, recent].sort());
      const attempts = await database.db.selectFrom("webhook_attempts").select("delivery_id").execute();
      expect(attempts.map((a) => Number(a.delivery_id))).toEqual([recent]);
      expect([oldDelivered, oldFailed].every((id) => !left.includes(id))).toBe(true);
      expect(await store.pruneDeliveries(NOW - 30 * DAY)).toBe(0);
    });
  });
}
