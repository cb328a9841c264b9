import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../audit/index.js";
import { digestOf } from "../../core/index.js";
import { parseManifest } from "../../oci/index.js";
import { parsePolicy } from "../../policy/index.js";
import { type Actor, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import type { ScanReport } from "../scanning/report.js";
import { ScanStore } from "../scanning/store.js";
import { auditRecorder } from "./audit.js";
import { isGatedImage, registryGateHooks } from "./registry-gates.js";
import { storedScanSource } from "./scan-sources.js";
import { pushConfigOnlyImage } from "./testing/push-image.js";

const actor: Actor = { subject: "alice", kind: "user" };
const SOURCE_LABEL = "org.opencontainers.image.source";
const policyOf = (require: string, mode = "enforce") =>
  parsePolicy(
    `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  enforcementMode: ${mode}
  require: ${require}
`,
    "/policies/registry.yaml",
  );
const LABELS = `{ labels: [${SOURCE_LABEL}] }`;
const NO_CRITICAL = "{ scan: { maxSeverity: high } }";

const manifestOf = (image: { digest: string; size: number }) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: image.digest,
  size: image.size,
});

async function* bytes(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

describe.each(databaseTestTargets())("registry gate hooks ($name)", (target) => {
  let database: Database;
  let audit: AuditLog;
  let scans: ScanStore;
  let clock: number;
  let warnings: string[];

  beforeEach(async () => {
    database = await target.open();
    audit = new AuditLog(database);
    scans = new ScanStore(database);
    clock = Date.parse("2026-06-01T12:00:00Z");
    warnings = [];
  });

  afterEach(async () => {
    await database.close();
  });

  function registryWith(push?: string, pull?: string, mode = "enforce") {
    let registry: Registry | undefined;
    const hooks = registryGateHooks({
      registry: () => registry!,
      host: "registry.test:5000",
      ...(push ? { push: policyOf(push, mode) } : {}),
      ...(pull ? { pull: policyOf(pull, mode) } : {}),
      scans: storedScanSource(scans),
      recorder: auditRecorder(audit),
      cacheTtlMs: 1000,
      now: () => clock,
      warn: (message) => warnings.push(message),
    });
    registry = new Registry({ database, store: new MemoryDriver(), hooks });
    return registry;
  }

  const pushImage = (registry: Registry, repository: string, labels?: Record<string, string>) =>
    pushConfigOnlyImage(registry, repository, "v1", { config: labels ? { Labels: labels } : {}, actor });

  async function storeScan(digest: string, severities: string[]) {
    await scans.request(digest, "team/app", new Date(clock));
    const report = {
      scannedAt: new Date(clock - 60_000).toISOString(),
      findings: severities.map((severity, i) => ({
        id: `CVE-2026-000${i}`,
        severity,
        package: { name: "openssl" },
      })),
    } as unknown as ScanReport;
    await scans.complete(digest, {
      sbom: Buffer.from("{}"),
      sbomDigest: digestOf(Buffer.from("{}")),
      report,
      at: new Date(clock),
    });
  }

  it("denies a push without the required label with the rule's reason, and records it", async () => {
    const registry = registryWith(LABELS);
    const denied = pushImage(registry, "team/app");
    await expect(denied).rejects.toMatchObject({ code: "DENIED" });
    await expect(denied).rejects.toThrow(SOURCE_LABEL);
    await expect(registry.manifests.get("team/app", "v1", actor)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
    const [entry] = await audit.list();
    expect(entry).toMatchObject({ gate: "registry-push", effect: "deny", mode: "enforce", actor: "alice" });
    expect(entry!.image).toMatch(/^registry\.test:5000\/team\/app@sha256:/);
    expect(entry!.rules.find((r) => r.rule === "labels")?.passed).toBe(false);
  });

  it("allows a push carrying the label", async () => {
    const registry = registryWith(LABELS);
    const pushed = await pushImage(registry, "team/app", { [SOURCE_LABEL]: "https://example.com/app" });
    await expect(registry.manifests.get("team/app", "v1", actor)).resolves.toMatchObject({
      digest: pushed.digest,
    });
    expect((await audit.list()).map((e) => [e.effect, e.digest])).toEqual([["allow", pushed.digest]]);
    expect(await audit.verifyChain()).toEqual({ ok: true, count: 1 });
  });

  it("lets a failing push through in warn mode with a warning, and in dry-run silently, recording both", async () => {
    await pushImage(registryWith(LABELS, undefined, "warn"), "team/warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(SOURCE_LABEL);
    await pushImage(registryWith(LABELS, undefined, "dry-run"), "team/dry");
    expect(warnings).toHaveLength(1);
    expect((await audit.list()).map((e) => [e.effect, e.mode])).toEqual([
      ["warn", "warn"],
      ["allow", "dry-run"],
    ]);
  });

  it("does not gate referrers (an SBOM with a subject)", async () => {
    const registry = registryWith(LABELS, undefined, "dry-run");
    const image = await pushImage(registry, "team/app");
    const empty = Buffer.from("{}");
    await registry.uploads.putMonolithic("team/app", digestOf(empty), bytes(empty));
    const sbom = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.cyclonedx+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 },
        layers: [],
        subject: {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: image.digest,
          size: image.size,
        },
      }),
    );
    await registry.manifests.put("team/app", digestOf(sbom), sbom, undefined, [], actor);
    expect(await audit.list()).toHaveLength(1);
  });

  it("denies a pull of an image whose stored scan has a critical finding, and allows a clean one", async () => {
    const registry = registryWith(undefined, NO_CRITICAL);
    const bad = await pushImage(registry, "team/bad");
    const good = await pushImage(registry, "team/good", { [SOURCE_LABEL]: "x" });
    await storeScan(bad.digest, ["CRITICAL", "LOW"]);
    await storeScan(good.digest, ["HIGH"]);
    const denied = registry.manifests.get("team/bad", "v1", actor);
    await expect(denied).rejects.toMatchObject({ code: "DENIED" });
    await expect(denied).rejects.toThrow(/scan: .*CVE-2026-0000/);
    await expect(registry.manifests.get("team/good", "v1", actor)).resolves.toMatchObject({
      digest: good.digest,
    });
    expect((await audit.list({ gate: "registry-pull" })).map((e) => [e.effect, e.digest])).toEqual([
      ["deny", bad.digest],
      ["allow", good.digest],
    ]);
  });

  it("denies a pull of an index when any image a runtime could pick from it fails, naming it (issue 11, item 1)", async () => {
    const registry = registryWith(undefined, NO_CRITICAL);
    const clean = await pushConfigOnlyImage(registry, "team/app", "clean", { config: { User: "1" }, actor });
    const other = await pushConfigOnlyImage(registry, "team/app", "other", { config: { User: "2" }, actor });
    await storeScan(clean.digest, []);
    await storeScan(other.digest, ["CRITICAL"]);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          { ...manifestOf(clean), platform: { os: "Linux", architecture: "x86_64" } },
          { ...manifestOf(other), platform: { os: "linux", architecture: "amd64" } },
          {
            ...manifestOf(clean),
            platform: { os: "unknown", architecture: "unknown" },
            annotations: { "vnd.docker.reference.type": "attestation-manifest" },
          },
        ],
      }),
    );
    const put = await registry.manifests.put("team/app", "multi", index, undefined, [], actor);
    const denied = registry.manifests.get("team/app", "multi", actor);
    await expect(denied).rejects.toMatchObject({ code: "DENIED" });
    await expect(denied).rejects.toThrow(
      new RegExp(`image ${other.digest} \\(\\{"os":"linux","architecture":"amd64"\\}\\): .*CVE-2026-0000`),
    );
    expect((await audit.list({ gate: "registry-pull" })).map((e) => [e.effect, e.digest])).toEqual([
      ["deny", put.digest],
    ]);
    // The clean image alone is still served; the other one is refused on its own too.
    await expect(registry.manifests.get("team/app", clean.digest, actor)).resolves.toMatchObject({
      digest: clean.digest,
    });
    await expect(registry.manifests.get("team/app", other.digest, actor)).rejects.toMatchObject({
      code: "DENIED",
    });
  });

  it("follows a policy source: the next push and pull are decided by the current policy", async () => {
    let pushPolicy = policyOf(LABELS);
    let pullPolicy = policyOf(NO_CRITICAL);
    let registry: Registry | undefined;
    const hooks = registryGateHooks({
      registry: () => registry!,
      host: "registry.test:5000",
      push: () => pushPolicy,
      pull: () => pullPolicy,
      scans: storedScanSource(scans),
      recorder: auditRecorder(audit),
      cacheTtlMs: 60_000,
      now: () => clock,
    });
    registry = new Registry({ database, store: new MemoryDriver(), hooks });
    await expect(pushImage(registry, "team/app")).rejects.toMatchObject({ code: "DENIED" });
    pushPolicy = policyOf("{ digest: true }");
    const pushed = await pushImage(registry, "team/app");
    await expect(registry.manifests.get("team/app", "v1", actor)).rejects.toMatchObject({ code: "DENIED" });
    // The denial is cached for a minute under the old policy; a new policy does not inherit it.
    pullPolicy = policyOf("{ digest: true }");
    await expect(registry.manifests.get("team/app", "v1", actor)).resolves.toMatchObject({
      digest: pushed.digest,
    });
    const decisions = await audit.list();
    expect(decisions.map((d) => [d.gate, d.effect])).toEqual([
      ["registry-push", "deny"],
      ["registry-push", "allow"],
      ["registry-pull", "deny"],
      ["registry-pull", "allow"],
    ]);
    // Each decision names the policy that made it (the two new ones are the same text).
    expect(decisions.map((d) => d.policyDigest)).toEqual([
      decisions[0]!.policyDigest,
      pushPolicy.digest,
      decisions[2]!.policyDigest,
      pullPolicy.digest,
    ]);
    expect(decisions[2]!.policyDigest).not.toBe(pullPolicy.digest);
  });

  it("denies a pull of a never-scanned image (fails closed) and reuses decisions for the cache period", async () => {
    const registry = registryWith(undefined, NO_CRITICAL);
    const image = await pushImage(registry, "team/app");
    await expect(registry.manifests.get("team/app", "v1", actor)).rejects.toMatchObject({ code: "DENIED" });
    await storeScan(image.digest, []);
    // Within the cache period the earlier decision stands, and is not recorded again.
    await expect(registry.manifests.get("team/app", image.digest, actor)).rejects.toMatchObject({
      code: "DENIED",
    });
    expect(await audit.list()).toHaveLength(1);
    clock += 1001;
    await expect(registry.manifests.get("team/app", "v1", actor)).resolves.toMatchObject({
      digest: image.digest,
    });
    expect((await audit.list()).map((e) => e.effect)).toEqual(["deny", "allow"]);
  });
});

describe("isGatedImage", () => {
  const image = (extra: object, config = "application/vnd.oci.image.config.v1+json", layers: string[] = []) =>
    parseManifest(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: config, digest: `sha256:${"a".repeat(64)}`, size: 2 },
          layers: layers.map((mediaType) => ({ mediaType, digest: `sha256:${"b".repeat(64)}`, size: 1 })),
          ...extra,
        }),
      ),
      "application/vnd.oci.image.manifest.v1+json",
    );
  it.each([
    ["an image", image({}, undefined, ["application/vnd.oci.image.layer.v1.tar+gzip"]), [], true],
    ["an artifact type", image({ artifactType: "application/spdx+json" }), [], false],
    ["a non-image config", image({}, "application/vnd.oci.empty.v1+json"), [], false],
    [
      "cosign's tag-scheme signature",
      image({}, undefined, ["application/vnd.dev.cosign.simplesigning.v1+json"]),
      [],
      false,
    ],
    ["an image tagged like a signature", image({}), [`sha256-${"c".repeat(64)}.sig`], false],
  ])("%s", (_name, parsed, tags, gated) => {
    expect(isGatedImage(parsed, tags as string[])).toBe(gated);
  });
});
