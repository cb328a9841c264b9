/**
 * Two Portcullis sites replicating each other with push rules both ways (triggered by push events):
 * an image pushed at either site reaches the other, with its signature and referrer, and the sites
 * converge and stop: the rule back toward the origin finds every digest there and copies nothing, so no
 * run writes, and no write triggers another run. A deletion propagates only through a rule that says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { pushFilesImage } from "../../src/server/api/testing-images.js";
import { startTestServer, type TestServer, testDatabases } from "../../src/server/testing.js";
import { generateKeyPair, resolveSigningTarget, signImage } from "../../src/trust/index.js";

const TIMEOUT = 120_000;
const CONFIG = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } };

/** Waits until neither site has a replication run in progress (a run at one may start one at the other). */
async function quiet(...sites: TestServer[]): Promise<void> {
  while (!sites.every((s) => s.platform.replication.idle)) {
    for (const site of sites) await site.platform.replication.settled();
  }
}

async function runs(site: TestServer) {
  const [rule] = await site.platform.replication.list();
  return site.platform.replication.store.runs(rule!.id, 1000);
}

describe.each(testDatabases())("two Portcullis sites replicating each other (%s)", (database) => {
  let a: TestServer;
  let b: TestServer;
  const host = (s: TestServer) => new URL(s.url).host;

  beforeAll(async () => {
    a = await startTestServer({ database, registry: { deletion: true } });
    b = await startTestServer({ database, registry: { deletion: true } });
    const rule = {
      direction: "push",
      insecure: false,
      username: null,
      repositories: ["team/**"],
      tags: [],
      signedOnly: false,
      destinationNamespace: "",
      onPush: true,
      intervalMs: 0,
      enabled: true,
    } as const;
    await a.platform.replication.create(
      { ...rule, name: "to-b", registry: host(b), deletion: true },
      "admin",
    );
    await b.platform.replication.create(
      { ...rule, name: "to-a", registry: host(a), deletion: false },
      "admin",
    );
  }, TIMEOUT);

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it(
    "an image signed at A reaches B with its signatures, and the rule back copies nothing",
    async () => {
      const image = await pushFilesImage(a.url, "team/app", { "etc/motd": "site a" }, CONFIG, "1.0");
      const client = new RegistryClient({ registry: host(a) });
      const key = await generateKeyPair("pw", { strength: "legacy" });
      await signImage(
        client,
        await resolveSigningTarget(client, {
          registry: host(a),
          repository: "team/app",
          digest: image.digest,
        }),
        key,
      );
      await quiet(a, b);
      const far = new RegistryClient({ registry: host(b) });
      expect((await far.headManifest("team/app", "1.0"))?.digest).toBe(image.digest);
      expect(await far.headManifest("team/app", `${image.digest.replace(":", "-")}.sig`)).toBeDefined();
      // The signature bundle travels; each site's scan SBOM stays home (the far site scans on arrival).
      const bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
      const referrers = await client.getReferrers("team/app", image.digest, bundle);
      expect(referrers).toHaveLength(1);
      expect(await far.getReferrers("team/app", image.digest, bundle)).toEqual(referrers);
      const back = await runs(b);
      expect(back.length).toBeGreaterThan(0);
      for (const run of back)
        expect(run, JSON.stringify(await b.platform.replication.store.results(run.id))).toMatchObject({
          state: "succeeded",
          copied: 0,
          failed: 0,
        });
      const forth = await runs(a);
      expect(forth.every((r) => r.state === "succeeded")).toBe(true);
      expect(forth.reduce((n, r) => n + r.copied, 0)).toBeGreaterThan(0);
      // Stopped: nothing runs any more, and a manual run both ways copies nothing.
      const counts = [(await runs(a)).length, (await runs(b)).length];
      expect(await a.platform.replication.runNow("to-b")).toMatchObject({ copied: 0, failed: 0 });
      expect(await b.platform.replication.runNow("to-a")).toMatchObject({ copied: 0, failed: 0 });
      await quiet(a, b);
      expect([(await runs(a)).length, (await runs(b)).length]).toEqual([counts[0]! + 1, counts[1]! + 1]);
    },
    TIMEOUT,
  );

  it(
    "an image pushed at B reaches A the same way",
    async () => {
      const image = await pushFilesImage(b.url, "team/tool", { "etc/motd": "site b" }, CONFIG, "2.0");
      await quiet(a, b);
      const near = new RegistryClient({ registry: host(a) });
      expect((await near.headManifest("team/tool", "2.0"))?.digest).toBe(image.digest);
      expect((await runs(a))[0]).toMatchObject({ trigger: "event", copied: 0 });
    },
    TIMEOUT,
  );

  it(
    "a deletion propagates through the rule that says so, and not back",
    async () => {
      await a.platform.registry.manifests.delete("team/app", "1.0", { subject: "alice", kind: "user" });
      await quiet(a, b);
      expect(await new RegistryClient({ registry: host(b) }).headManifest("team/app", "1.0")).toBeUndefined();
      // B's rule does not propagate deletions: deleting at B leaves A's copy, and starts no run.
      const before = (await runs(b)).length;
      await b.platform.registry.manifests.delete("team/tool", "2.0", { subject: "bob", kind: "user" });
      await quiet(a, b);
      expect(await new RegistryClient({ registry: host(a) }).headManifest("team/tool", "2.0")).toBeDefined();
      expect((await runs(b)).length).toBe(before);
    },
    TIMEOUT,
  );

  it(
    "a run by hand removes what the source dropped, only where the rule says so",
    async () => {
      const rule = await a.platform.replication.get("to-b");
      const { id: _id, hasSecret: _h, createdBy: _c, createdAt: _ca, updatedAt: _u, ...fields } = rule;
      await a.platform.replication.update("to-b", { ...fields, onPush: false });
      await b.platform.replication.update("to-a", {
        ...(await b.platform.replication.get("to-a")),
        onPush: false,
      });
      const image = await pushFilesImage(a.url, "team/batch", { "etc/motd": "batch" }, CONFIG, "3.0");
      // team/batch:3.0, and team/tool:2.0 again: B deleted its copy, and a full run restores what A holds.
      expect(await a.platform.replication.runNow("to-b")).toMatchObject({ copied: 2, deleted: 0 });
      await a.platform.registry.manifests.delete("team/batch", image.digest, {
        subject: "alice",
        kind: "user",
      });
      const run = await a.platform.replication.runNow("to-b");
      expect(run).toMatchObject({ state: "succeeded", deleted: 1 });
      expect(
        await new RegistryClient({ registry: host(b) }).headManifest("team/batch", "3.0"),
      ).toBeUndefined();
      expect(await a.platform.replication.runNow("to-b")).toMatchObject({ copied: 0, deleted: 0 });
    },
    TIMEOUT,
  );
});
