import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { PrincipalCache } from "./principals.js";
import { AccountStore } from "./store.js";

const grants = [{ project: "team", repositories: ["*"], permissions: ["repository.pull" as const] }];

/**
 * Principals remembered between requests: revocation through this process's store is seen at once,
 * through another replica's store within the revision check, and never lost to a read in flight.
 */
describe.each(databaseTestTargets())("principal cache ($name)", (target) => {
  let database: Database;
  let store: AccountStore;

  beforeAll(async () => {
    database = await target.open();
    store = new AccountStore(database);
    await store.createProject({ name: "team" });
  });
  afterAll(async () => database.close());

  it("sees this process's revocation at once", async () => {
    const cache = new PrincipalCache(store);
    const { robot } = await store.createRobot({ name: "here", project: "team", grants, createdBy: "t" });
    expect((await cache.robot(robot.name))?.disabled).toBe(false);
    await store.setRobotDisabled(robot.name, true);
    expect((await cache.robot(robot.name))?.disabled).toBe(true);
    await store.deleteRobot(robot.name);
    expect(await cache.robot(robot.name)).toBeUndefined();
  });

  it("remembers a principal until another replica's change shows in the revision, then reads it again", async () => {
    let now = 0;
    const cache = new PrincipalCache(store, { now: () => now, revisionCheckMs: 1000 });
    const replica = new AccountStore(database);
    const { robot } = await store.createRobot({ name: "there", project: "team", grants, createdBy: "t" });
    await replica.createUser({ name: "someone", password: "correct horse battery" });
    expect((await cache.robot(robot.name))?.disabled).toBe(false);
    expect((await cache.user("someone"))?.disabled).toBe(false);
    await replica.setRobotDisabled(robot.name, true);
    await replica.setUserFlags("someone", { disabled: true });
    // Remembered: the replica's writes are not announced to this process.
    now += 999;
    expect((await cache.robot(robot.name))?.disabled).toBe(false);
    // The bound: one revision check later, both are read again.
    now += 2;
    expect((await cache.robot(robot.name))?.disabled).toBe(true);
    expect((await cache.user("someone"))?.disabled).toBe(true);
  });

  it("does not keep a read that was in flight when this process revoked the principal", async () => {
    // The real store, with its robot reads held back until released: a read answered before the
    // revocation reaches the cache only after it, as a busy PostgreSQL pool can order them.
    let release = () => {};
    let answered = () => {};
    class HeldStore extends AccountStore {
      override async findRobot(name: string) {
        const row = await super.findRobot(name);
        answered();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return row;
      }
    }
    const held = new HeldStore(database);
    const cache = new PrincipalCache(held);
    const { robot } = await held.createRobot({ name: "racing", project: "team", grants, createdBy: "t" });
    const read = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const inFlight = cache.robot(robot.name);
    await read;
    await held.setRobotDisabled(robot.name, true);
    // Another request reads the new revision meanwhile: only the read's own guard is left to drop it.
    expect(await cache.user("nobody")).toBeUndefined();
    release();
    // The request that asked before the revocation got its answer from before it...
    expect((await inFlight)?.disabled).toBe(false);
    // ...but the next one reads again: wait until its read has its row (a PostgreSQL round trip takes
    // longer than any fixed number of turns), then let it go. Had the cache kept the old answer, `next`
    // settles first, without a read, and the expectation below fails.
    const readAgain = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const next = cache.robot(robot.name);
    await Promise.race([readAgain, next]);
    release();
    expect((await next)?.disabled).toBe(true);
  });

  it("remembers that a name has no principal only until one is created", async () => {
    const cache = new PrincipalCache(store);
    expect(await cache.robot("robot$team+later")).toBeUndefined();
    await store.createRobot({ name: "later", project: "team", grants, createdBy: "t" });
    expect((await cache.robot("robot$team+later"))?.name).toBe("robot$team+later");
  });
});
