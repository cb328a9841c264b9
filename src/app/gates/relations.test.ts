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

  type Entry = { digest: string; size: number; architecture?: string; platform?: Record<string, string> };
  async function pushIndex(images: Entry[], tag = "multi") {
    const manifests = images.map((i) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: i.digest,
      size: i.size,
      platform: i.platform ?? { architecture: i.architecture, os: "linux" },
    }));
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests }),
    );
    const put = await registry.manifests.put("team/app", tag, index, undefined, [], actor);
    return put.digest;
  }

  const subject = (digest: string) => ({ registry: HOST, repository: "team/app", digest });

  it("lists an index's entries as written and binds nothing to the index (issue 11, item 1)", async () => {
    const amd = await pushImage("amd64", "0");
    const arm = await pushImage("arm64", "1000");
    const index = await pushIndex([arm, { ...amd, platform: { os: "Linux", architecture: "x86_64" } }]);
    const relations = await registryRelationSource(clientFor).relations(subject(index), signal);
    expect(relations.imageDigest).toBe(index);
    // No entry's signature vouches for the index: an index is judged by its entries, one by one.
    expect(relations.boundDigests).toEqual([]);
    expect(relations.index?.manifests.map((m) => [m.digest, m.platform])).toEqual([
      [arm.digest, { architecture: "arm64", os: "linux" }],
      [amd.digest, { os: "Linux", architecture: "x86_64" }],
    ]);
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

  const policyOf = (require: string) =>
    parsePolicy(
      `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: ${require}\n`,
      "/p.yaml",
    );

  it("judges an index by every image a runtime could select, naming the one that fails", async () => {
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
    const policy = policyOf("{ nonRoot: true, scan: { maxAge: 1h, maxSeverity: high } }");
    const gate = (platforms?: { os: string; architecture: string }[]) =>
      createPolicyGate({
        policy,
        ports: {
          relations: registryRelationSource(clientFor),
          config: registryImageConfigSource(clientFor),
          scans: storedScanSource(scans),
        },
        timeoutMs: 1000,
        now: () => now,
        ...(platforms ? { platforms } : {}),
      });
    const image = `${HOST}/team/app@${index}`;
    // amd64 nodes run only the amd64 image: non-root and scanned.
    const amdOnly = await gate([{ os: "linux", architecture: "amd64" }]).explain({
      image,
      request: { kind: "ci" },
    });
    expect(amdOnly.decision.allowed).toBe(true);
    expect(amdOnly.entries?.map((e) => e.digest)).toEqual([amd.digest]);
    expect(amdOnly.input.image.digest).toBe(index);
    // Not knowing the nodes, every runnable image is judged: the arm64 one runs as root, never scanned.
    const all = await gate().explain({ image, request: { kind: "ci" } });
    expect(all.decision.allowed).toBe(false);
    expect(all.entries?.map((e) => [e.digest, e.decision.allowed])).toEqual([
      [amd.digest, true],
      [arm.digest, false],
    ]);
    expect(all.decision.reason).toContain(`image ${arm.digest} ({"os":"linux","architecture":"arm64"})`);
    expect(
      all.decision.rules
        .filter((r) => !r.passed)
        .map((r) => [r.rule, r.reason.startsWith(`image ${arm.digest}`)]),
    ).toEqual([
      ["scan", true],
      ["nonRoot", true],
    ]);
    // The pinned digest stays the index's: the runtime picks its image from it.
    expect(all.input.image.digest).toBe(index);
  });

  /** Signature ports over a fixed set of signed digests (what cosign would find and verify). */
  const signaturesOver = (signed: readonly string[]) => ({
    verifySignatures: async (s: { digest: string }) =>
      signed.includes(s.digest) ? [{ verified: true, digest: s.digest, signer: { key: "release.pub" } }] : [],
  });
  const signedByPolicy = () => policyOf("{ signedBy: [{ key: release.pub }] }");

  it("denies the issue's index: a signed x86_64 image beside an unsigned linux/amd64 one", async () => {
    const signed = await pushImage("amd64", "1000");
    const unsigned = await pushImage("amd64", "0"); // another image: another config, another digest
    const labelled = { ...signed, platform: { os: "Linux", architecture: "x86_64" } };
    const v1 = { ...signed, platform: { os: "linux", architecture: "amd64", variant: "v1" } };
    const gate = createPolicyGate({
      policy: signedByPolicy(),
      ports: { relations: registryRelationSource(clientFor), signatures: signaturesOver([signed.digest]) },
      timeoutMs: 1000,
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
    for (const [tag, entry] of [
      ["labelled", labelled],
      ["v1", v1],
    ] as const) {
      const index = await pushIndex([entry, unsigned], tag);
      const outcome = await gate.explain({ image: `${HOST}/team/app@${index}`, request: { kind: "ci" } });
      expect(outcome.decision.allowed).toBe(false);
      expect(outcome.decision.reason).toContain(
        `image ${unsigned.digest} ({"os":"linux","architecture":"amd64"})`,
      );
      expect(outcome.entries?.map((e) => [e.digest, e.decision.allowed])).toEqual([
        [signed.digest, true],
        [unsigned.digest, false],
      ]);
    }
  });

  it("lets an index's signature vouch for the images it lists, and an image's for nothing else", async () => {
    const a = await pushImage("amd64", "1000");
    const b = await pushImage("arm64", "1000");
    const index = await pushIndex([a, b]);
    const judge = (signed: string[]) =>
      createPolicyGate({
        policy: signedByPolicy(),
        ports: { relations: registryRelationSource(clientFor), signatures: signaturesOver(signed) },
        timeoutMs: 1000,
      }).explain({ image: `${HOST}/team/app@${index}`, request: { kind: "ci" } });
    // The index signed: both images pass through it, and say so.
    const byIndex = await judge([index]);
    expect(byIndex.decision.allowed).toBe(true);
    expect(byIndex.entries?.map((e) => e.input.evidence.signatures)).toEqual([
      [{ verified: true, digest: a.digest, signer: { key: "release.pub" }, via: index }],
      [{ verified: true, digest: b.digest, signer: { key: "release.pub" }, via: index }],
    ]);
    // One image signed: it vouches neither for its sibling nor for the index.
    const byImage = await judge([a.digest]);
    expect(byImage.decision.allowed).toBe(false);
    expect(byImage.entries?.map((e) => [e.digest, e.decision.allowed])).toEqual([
      [a.digest, true],
      [b.digest, false],
    ]);
    // An image the signed index does not list gains nothing from it.
    const other = await pushImage("s390x", "1000");
    const alone = await createPolicyGate({
      policy: signedByPolicy(),
      ports: {
        relations: registryRelationSource(clientFor, {
          parents: (repository, digest) => registry.manifests.parents(repository, digest),
        }),
        signatures: signaturesOver([index]),
      },
      timeoutMs: 1000,
    }).decide({ image: `${HOST}/team/app@${other.digest}`, request: { kind: "ci" } });
    expect(alone.allowed).toBe(false);
  });

  it("judges the images of a nested index, and fails an index with no image for the nodes", async () => {
    const a = await pushImage("amd64", "1000");
    const inner = await pushIndex([a], "inner");
    const innerSize = (await registry.manifests.get("team/app", inner, actor, false)).content.length;
    const outer = await pushIndex([
      { digest: inner, size: innerSize, platform: { os: "linux", architecture: "amd64" } },
    ]);
    const gate = (platforms?: { os: string; architecture: string }[]) =>
      createPolicyGate({
        policy: signedByPolicy(),
        ports: { relations: registryRelationSource(clientFor), signatures: signaturesOver([outer]) },
        timeoutMs: 1000,
        ...(platforms ? { platforms } : {}),
      });
    const nested = await gate().explain({ image: `${HOST}/team/app@${outer}`, request: { kind: "ci" } });
    expect(nested.entries?.map((e) => [e.digest, e.index, e.decision.allowed])).toEqual([
      [a.digest, inner, true],
    ]);
    const none = await gate([{ os: "linux", architecture: "s390x" }]).decide({
      image: `${HOST}/team/app@${outer}`,
      request: { kind: "ci" },
    });
    expect(none.allowed).toBe(false);
    expect(none.reason).toContain(`the index ${outer} lists no image a runtime could run on linux/s390x`);
  });
});
