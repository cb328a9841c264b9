import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobHandler, JobQueue } from "../../jobs/index.js";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import type { Notice } from "./events.js";
import { SecretBox } from "./sealed.js";
import { Notifications } from "./service.js";
import { WebhookStore } from "./store.js";

/** A queue that keeps what it is given and runs nothing: these tests are about who gets a notice. */
class HeldQueue implements JobQueue {
  readonly jobs: unknown[] = [];
  enqueue<P>(_kind: string, payload: P): void {
    this.jobs.push(payload);
  }
  work<P>(_kind: string, _handler: JobHandler<P>): void {}
  pending(): number {
    return this.jobs.length;
  }
  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}

const pushed = (project: string): Notice => ({
  project,
  type: "dev.portcullis.image.pushed",
  source: `${project}/app`,
  data: {},
});

/**
 * Every manifest push publishes a notice; the project's subscriptions are read at most once a second
 * (`subscriptionCacheMs`), this process's own changes are seen at once, another replica's within that.
 */
describe.each(databaseTestTargets())("webhook subscriptions held by publish ($name)", (target) => {
  let database: Database;
  const secrets = new SecretBox(randomBytes(32));
  const logger = pino({ level: "silent" });
  const notifications = (now: () => number, subscriptionCacheMs?: number) =>
    new Notifications({
      store: new WebhookStore(database),
      secrets,
      queue: new HeldQueue(),
      logger,
      host: "registry.test:5000",
      now,
      ...(subscriptionCacheMs !== undefined ? { subscriptionCacheMs } : {}),
    });
  const hook = { url: "https://hooks.example.test/in" };

  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => database.close());

  it("sees this process's own creations, changes and deletions at once", async () => {
    const here = notifications(() => 0);
    expect(await here.publish(pushed("own"))).toBe(0);
    const { webhook } = await here.create("own", hook, "admin");
    expect(await here.publish(pushed("own"))).toBe(1);
    await here.update("own", webhook.id, { enabled: false });
    expect(await here.publish(pushed("own"))).toBe(0);
    await here.update("own", webhook.id, { enabled: true });
    expect(await here.publish(pushed("own"))).toBe(1);
    await here.delete("own", webhook.id);
    expect(await here.publish(pushed("own"))).toBe(0);
  });

  it("reads a project's subscriptions once per window, so another replica's change shows within it", async () => {
    let now = 1_000;
    const here = notifications(() => now);
    const replica = notifications(() => now);
    expect(await here.publish(pushed("shared"))).toBe(0);
    const { webhook } = await replica.create("shared", hook, "admin");
    // Held: the replica's write is not announced to this process.
    now += 999;
    expect(await here.publish(pushed("shared"))).toBe(0);
    // The bound: one window later the subscriptions are read again.
    now += 1;
    expect(await here.publish(pushed("shared"))).toBe(1);
    await replica.update("shared", webhook.id, { enabled: false });
    expect(await here.publish(pushed("shared"))).toBe(1);
    now += 1_000;
    expect(await here.publish(pushed("shared"))).toBe(0);
  });

  it("still filters held subscriptions by event type", async () => {
    const here = notifications(() => 0);
    await here.create("typed", { ...hook, events: ["dev.portcullis.image.deleted"] }, "admin");
    expect(await here.publish(pushed("typed"))).toBe(0);
    expect(await here.publish({ ...pushed("typed"), type: "dev.portcullis.image.deleted" })).toBe(1);
  });

  it("reads every time with a window of 0", async () => {
    const here = notifications(() => 0, 0);
    const replica = notifications(() => 0);
    expect(await here.publish(pushed("uncached"))).toBe(0);
    await replica.create("uncached", hook, "admin");
    expect(await here.publish(pushed("uncached"))).toBe(1);
  });
});
