import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import { parsePolicy } from "../../policy/index.js";
import { type Actor, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver, openDatabase } from "../../storage/index.js";
import type { ScanReport } from "../scanning/report.js";
import { ScanStore } from "../scanning/store.js";
import { createPolicyGate } from "./gate.js";
import { registryImageConfigSource } from "./image-config.js";
import { inProcessRegistryReader } from "./registry-reader.js";
import { registryRelationSource } from "./relations.js";
import { storedScanSource } from "./scan-sources.js";
import { pushConfigOnlyImage } from "./testing/push-image.js";

const actor: Actor = { subject: "alice", kind: "user" };
const HOST = "registry.test:5000";
const signal = new AbortController().signal;

describe("registryRelationSource over the registry service", () => {
  let database: Database;
  let registry: Registry;
  const clientFor = () => inProcessRegistryReader(() => registry, HOST);

  beforeEach(async () => {
    database = await openDatabase(":memory:");
    registry = new Registry({ database, store: new MemoryDriver() });
  });
  afterEach(async () => {
    await database.close();
  });

  async function pushImage(architecture: string, user: string) {
    const pushed = await pushConfigOnlyImage(registry, "team/app", architecture, {
      architecture,
      config: { User: user },
      actor,
    });
    return { ...pushed, architecture };
  }

  async function pushIndex(images: { digest: string; size: number; architecture: string }[]) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: images.map((i) => ({
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: i.digest,
          size: i.size,
          platform: { architecture: i.architecture, os: "linux" },
        })),
      }),
    );
    return (await registry.manifests.put("team/app", "multi", index, undefined, [], actor)).digest;
  }

  const subject = (digest: string) => ({ registry: HOST, repository: "team/app", digest });

  it("runs an index's image for the platform and binds the two", async () => {
    const amd = await pushImage("amd64", "0");
    const arm = await pushImage("arm64", "1000");
    const index = await pushIndex([arm, amd]);
    const source = registryRelationSource(clientFor);
    expect(await source.relations(subject(index), signal)).toEqual({
      imageDigest: amd.digest,
      boundDigests: [amd.digest],
    });
    const arm64 = registryRelationSource(clientFor, { platform: { os: "linux", architecture: "arm64" } });
    expect((await arm64.relations(subject(index), signal)).imageDigest).toBe(arm.digest);
    const s390x = registryRelationSource(clientFor, { platform: { os: "linux", architecture: "s390x" } });
    await expect(s390x.relations(subject(index), signal)).rejects.toThrow(
      /is an index without an image for linux\/s390x/,
    );
  });

  it("binds an image to the indexes that list it when the registry can tell", async () => {
    const amd = await pushImage("amd64", "0");
    const index = await pushIndex([amd]);
    const withParents = registryRelationSource(clientFor, {
      parents: (repository, digest) => registry.manifests.parents(repository, digest),
    });
    expect(await withParents.relations(subject(amd.digest), signal)).toEqual({
      imageDigest: amd.digest,
      boundDigests: [index],
    });
    // A remote registry cannot be asked who lists an image: there it stands alone.
    expect(await registryRelationSource(clientFor).relations(subject(amd.digest), signal)).toEqual({
      imageDigest: amd.digest,
      boundDigests: [],
    });
    // A digest the registry does not hold stands alone too (the config source reports it missing).
    const unknown = `sha256:${"0".repeat(64)}`;
    expect(await registryRelationSource(clientFor).relations(subject(unknown), signal)).toEqual({
      imageDigest: unknown,
      boundDigests: [],
    });
  });

  it("lets the gate judge an index by its platform image's config and scan", async () => {
    const amd = await pushImage("amd64", "1000");
    const arm = await pushImage("arm64", "0");
    const index = await pushIndex([amd, arm]);
    const scans = new ScanStore(database);
    const now = Date.parse("2026-06-01T12:00:00Z");
    await scans.request(amd.digest, "team/app", new Date(now));
    await scans.complete(amd.digest, {
      sbom: Buffer.from("{}"),
      sbomDigest: digestOf(Buffer.from("{}")),
      report: { scannedAt: new Date(now - 60_000).toISOString(), findings: [] } as unknown as ScanReport,
      at: new Date(now),
    });
    const policy = parsePolicy(
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { nonRoot: true, scan: { maxAge: 1h, maxSeverity: high } }\n",
      "/p.yaml",
    );
    const gate = (platform?: { os: string; architecture: string }) =>
      createPolicyGate({
        policy,
        ports: {
          relations: registryRelationSource(clientFor, platform ? { platform } : {}),
          config: registryImageConfigSource(clientFor, platform),
          scans: storedScanSource(scans),
        },
        timeoutMs: 1000,
        now: () => now,
      });
    const image = `${HOST}/team/app@${index}`;
    const amdDecision = await gate().decide({ image, request: { kind: "ci" } });
    expect(amdDecision.rules.map((r) => [r.rule, r.passed])).toEqual([
      ["scan", true],
      ["nonRoot", true],
    ]);
    // On arm64 the same index runs another image: root, and never scanned.
    const armDecision = await gate({ os: "linux", architecture: "arm64" }).decide({
      image,
      request: { kind: "ci" },
    });
    expect(armDecision.allowed).toBe(false);
    expect(
      armDecision.rules
        .filter((r) => !r.passed)
        .map((r) => r.rule)
        .sort(),
    ).toEqual(["nonRoot", "scan"]);
  });
});
