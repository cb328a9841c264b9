/**
 * Scheduled replication: a rule with an interval runs when that much time has passed since it was
 * created or last claimed (the claim is in the database: of several replicas one runs it), and a
 * disabled rule never runs. The clock is injected; the test waits for the runs to appear in the history.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ReplicationMetrics, ReplicationService, ReplicationStore } from "../../src/app/replication/index.js";
import { RegistryClient } from "../../src/oci/index.js";
import { EventBus } from "../../src/registry/index.js";
import { pushFilesImage } from "../../src/server/api/testing-images.js";
import { startTestServer, type TestServer, testDatabases } from "../../src/server/testing.js";

const CONFIG = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } };

describe.each(testDatabases())("scheduled replication (%s)", (database) => {
  let near: TestServer;
  let far: TestServer;

  beforeAll(async () => {
    near = await startTestServer({ database });
    far = await startTestServer({ database });
  });
  afterAll(async () => {
    await near?.close();
    await far?.close();
  });

  it("runs a pull rule each interval and never a disabled one", async () => {
    let clock = 1_000_000;
    const service = new ReplicationService({
      store: new ReplicationStore(near.platform.database),
      registry: near.platform.registry,
      events: new EventBus(),
      kek: randomBytes(32),
      metrics: new ReplicationMetrics(),
      logger: pino({ level: "silent" }),
      now: () => clock,
      scheduleTickMs: 5,
    });
    const rule = {
      direction: "pull",
      registry: new URL(far.url).host,
      insecure: false,
      username: null,
      repositories: ["vendor/**"],
      tags: [],
      signedOnly: false,
      destinationNamespace: "mirror",
      deletion: false,
      onPush: false,
      intervalMs: 60_000,
    } as const;
    const hourly = await service.create({ ...rule, name: "hourly", enabled: true }, "admin");
    const off = await service.create({ ...rule, name: "off", enabled: false }, "admin");
    const image = await pushFilesImage(far.url, "vendor/tool", { "etc/motd": "vendor" }, CONFIG, "1.0");
    // A run a crash left open: closed at start where this process is the only one (SQLite).
    const ghost = await service.store.startRun(off.id, "manual", clock);
    const stop = service.start();
    try {
      // Each poll moves the clock past the interval, so a run may be queued while the first is running.
      const ranAfter = async (count: number) => {
        await vi.waitFor(
          async () => {
            clock += 61_000;
            expect((await service.store.runs(hourly.id)).length).toBeGreaterThan(count);
          },
          { timeout: 20_000, interval: 20 },
        );
        await service.settled();
        return service.store.runs(hourly.id);
      };
      const first = await ranAfter(0);
      expect(first.at(-1)).toMatchObject({ trigger: "schedule", state: "succeeded", copied: 1 });
      const near_ = new RegistryClient({ registry: new URL(near.url).host });
      expect((await near_.headManifest("mirror/vendor/tool", "1.0"))?.digest).toBe(image.digest);
      // The next intervals run it again, and it finds everything there.
      const later = await ranAfter(first.length);
      for (const run of later.slice(0, -1)) {
        expect(run).toMatchObject({ trigger: "schedule", state: "succeeded", copied: 0, present: 1 });
      }
      expect((await service.store.runs(off.id)).map((r) => r.id)).toEqual([ghost]);
      await vi.waitFor(async () =>
        expect((await service.store.run(ghost))?.state).toBe(database === "sqlite" ? "error" : "running"),
      );
      // Replicas share the claim: of two looking at once, one gets the due run.
      stop();
      await service.settled();
      clock += 61_000;
      const replicas = [service.store, new ReplicationStore(near.platform.database)];
      const claims = await Promise.all(replicas.map((store) => store.claimDue(clock)));
      expect(claims.flat().map((r) => r.name)).toEqual(["hourly"]);
      expect((await Promise.all(replicas.map((store) => store.claimDue(clock)))).flat()).toEqual([]);
    } finally {
      stop();
      await service.settled();
    }
  });
});
