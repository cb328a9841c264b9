import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccessControl, AccountStore } from "../auth/index.js";
import type { Database } from "../storage/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { ProjectSettingsRules } from "./storage-rules.js";

describe.each(databaseTestTargets())("ProjectSettingsRules ($name)", (target) => {
  let database: Database;
  let clock = 0;

  beforeEach(async () => {
    database = await target.open();
    clock = 1_000_000;
  });
  afterEach(async () => database.close());

  it("hands the registry a project's quota and rules, this replica's changes at once, others' within the check interval", async () => {
    const here = new AccountStore(database);
    // Another replica: its own store over the same database (its writes call no listener here).
    const elsewhere = new AccountStore(database);
    await here.createProject({ name: "team", settings: { quotaBytes: 100, immutableTags: ["v*"] } });
    const rules = new ProjectSettingsRules(
      new AccessControl(here, { revisionCheckMs: 1000, now: () => clock }),
    );
    expect(await rules.forRepository("team/app/api")).toEqual({ quotaBytes: 100, immutableTags: ["v*"] });
    expect(await rules.forRepository("nobody/app")).toEqual({});

    await here.updateProject("team", { settings: { quotaBytes: 200, immutableTags: null } });
    expect(await rules.forRepository("team/app")).toEqual({ quotaBytes: 200 });

    await elsewhere.updateProject("team", { settings: { quotaBytes: null, immutableTags: ["release-*"] } });
    clock += 999;
    expect(await rules.forRepository("team/app")).toEqual({ quotaBytes: 200 });
    clock += 1;
    expect(await rules.forRepository("team/app")).toEqual({ immutableTags: ["release-*"] });
  });

  it("ignores stored values of the wrong type (the column is JSON) rather than failing pushes", async () => {
    const store = new AccountStore(database);
    await store.createProject({ name: "team" });
    await database.db
      .updateTable("projects")
      .set({ settings: JSON.stringify({ quotaBytes: "lots", immutableTags: ["v*", 7] }) })
      .execute();
    const rules = new ProjectSettingsRules(new AccessControl(store, { now: () => clock }));
    expect(await rules.forRepository("team/app")).toEqual({ immutableTags: ["v*"] });
  });
});
