/**
 * The pull decision cache must not outlive the reason for a verdict, nor hand one request's verdict to
 * another (issue 11, item 9). The clock never moves in these tests: every change is seen on the very
 * next pull, through the registry's events and the scan store's notifications, or not at all.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../audit/index.js";
import { digestOf } from "../../core/index.js";
import { parsePolicy } from "../../policy/index.js";
import { type Actor, EventBus, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { type GeneratedKeyPair, generateKeyPair } from "../../trust/index.js";
import { ScanStore } from "../scanning/store.js";
import { auditRecorder } from "./audit.js";
import { type PolicySource, registryGateHooks } from "./registry-gates.js";
import { storedScanSource } from "./scan-sources.js";
import { pushConfigOnlyImage, pushCosignSignature } from "./testing/push-image.js";

const HOST = "registry.test:5000";
const alice: Actor = { subject: "alice", kind: "user" };
const bob: Actor = { subject: "bob", kind: "user" };
const SIGNED = "{ signedBy: [ { key: release.pub } ] }";
const policyOf = (require: string) =>
  parsePolicy(
    `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: ${require}\n`,
    "/policies/pull.yaml",
  );

let keys: GeneratedKeyPair[];
beforeAll(async () => {
  keys = await Promise.all([
    generateKeyPair("pw", { strength: "legacy" }),
    generateKeyPair("pw", { strength: "legacy" }),
  ]);
});

describe.each(databaseTestTargets())("pull decision cache ($name)", (target) => {
  let database: Database;
  let scans: ScanStore;
  let audit: AuditLog;
  let keyPem: string;

  beforeEach(async () => {
    database = await target.open();
    scans = new ScanStore(database);
    audit = new AuditLog(database);
    keyPem = keys[0]!.publicKeyPem;
  });
  afterEach(async () => {
    await database.close();
  });

  function registryWith(pull: PolicySource) {
    let registry: Registry | undefined;
    const events = new EventBus((err) => {
      throw err;
    });
    const hooks = registryGateHooks({
      registry: () => registry!,
      host: HOST,
      pull,
      scans: storedScanSource(scans),
      recorder: auditRecorder(audit),
      // Far longer than any test: only an invalidation can change a verdict.
      cacheTtlMs: 3_600_000,
      now: () => Date.parse("2026-06-01T12:00:00Z"),
      readFile: () => keyPem,
      events,
      scanChanges: (listener) => scans.onChange(listener),
    });
    registry = new Registry({
      database,
      store: new MemoryDriver(),
      hooks,
      events,
      options: { deletion: true },
    });
    return registry;
  }

  /** What `portcullis sign` stores under cosign's tag scheme (see pushCosignSignature). */
  const sign = (registry: Registry, repository: string, digest: string, key = keys[0]!) =>
    pushCosignSignature(registry, repository, digest, key, HOST, alice);

  const pull = (registry: Registry, ref: string, actor = alice) =>
    registry.manifests.get("team/app", ref, actor);

  it("serves an image on the very next pull after it is signed, and refuses it once the signature is deleted", async () => {
    const registry = registryWith(policyOf(SIGNED));
    const image = await pushConfigOnlyImage(registry, "team/app", "v1");
    await expect(pull(registry, "v1")).rejects.toMatchObject({ code: "DENIED" });
    const tag = await sign(registry, "team/app", image.digest);
    await expect(pull(registry, "v1")).resolves.toMatchObject({ digest: image.digest });
    // Revoking a signature takes effect as fast as adding one.
    await registry.manifests.delete("team/app", tag, alice);
    await expect(pull(registry, "v1")).rejects.toMatchObject({ code: "DENIED" });
  });

  it("serves an image at once when an index listing it is signed", async () => {
    const registry = registryWith(policyOf(SIGNED));
    const image = await pushConfigOnlyImage(registry, "team/app", "v1");
    await expect(pull(registry, image.digest)).rejects.toMatchObject({ code: "DENIED" });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: image.digest,
            size: image.size,
            platform: { os: "linux", architecture: "amd64" },
          },
        ],
      }),
    );
    await registry.manifests.put("team/app", "multi", index, undefined, [], alice);
    await expect(pull(registry, image.digest)).rejects.toMatchObject({ code: "DENIED" });
    await sign(registry, "team/app", digestOf(index));
    await expect(pull(registry, image.digest)).resolves.toMatchObject({ digest: image.digest });
  });

  it("decides again on the very next pull once a scan report is stored", async () => {
    const registry = registryWith(policyOf("{ scan: { maxSeverity: high } }"));
    const image = await pushConfigOnlyImage(registry, "team/app", "v1");
    await expect(pull(registry, "v1")).rejects.toMatchObject({ code: "DENIED" });
    await scans.request(image.digest, "team/app", new Date("2026-06-01T11:00:00Z"));
    await scans.complete(image.digest, {
      sbom: Buffer.from("{}"),
      sbomDigest: digestOf(Buffer.from("{}")),
      report: {
        scannedAt: "2026-06-01T11:00:00.000Z",
        findings: [],
        summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0, total: 0 },
      } as never,
      at: new Date("2026-06-01T11:00:00Z"),
    });
    await expect(pull(registry, "v1")).resolves.toMatchObject({ digest: image.digest });
  });

  it("does not reuse a verdict after the policy's key file changes, though the policy text (and digest) stays", async () => {
    let policy = policyOf(SIGNED);
    const registry = registryWith(() => policy);
    const image = await pushConfigOnlyImage(registry, "team/app", "v1");
    await sign(registry, "team/app", image.digest, keys[0]);
    await expect(pull(registry, "v1")).resolves.toMatchObject({ digest: image.digest });
    // The key is rotated: the reload builds a new gate over the same text with the new key.
    keyPem = keys[1]!.publicKeyPem;
    const reloaded = policyOf(SIGNED);
    expect(reloaded.digest).toBe(policy.digest);
    policy = reloaded;
    await expect(pull(registry, "v1")).rejects.toMatchObject({ code: "DENIED" });
  });

  it("gives two users their own decisions when the policy reads the user", async () => {
    const registry = registryWith(
      policyOf("{ custom: [ { name: only-alice, expression: \"request.user == 'alice'\" } ] }"),
    );
    const image = await pushConfigOnlyImage(registry, "team/app", "v1");
    await expect(pull(registry, "v1", alice)).resolves.toMatchObject({ digest: image.digest });
    await expect(pull(registry, "v1", bob)).rejects.toMatchObject({ code: "DENIED" });
    await expect(pull(registry, "v1", alice)).resolves.toMatchObject({ digest: image.digest });
    const pulls = await audit.list({ gate: "registry-pull" });
    expect(pulls.map((d) => [d.actor, d.effect])).toEqual([
      ["alice", "allow"],
      ["bob", "deny"],
    ]);
  });
});
