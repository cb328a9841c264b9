/**
 * Discovery under hostile artifacts (issue 11, item 5): a `.sig` tag stuffed with junk layers, junk
 * referrers, oversized blobs. Each case counts the registry reads a fake client served, so the bounds
 * are asserted on what was fetched, not on time.
 */
import { generateKeyPairSync } from "node:crypto";
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../core/index.js";
import type { Descriptor, RegistryClient } from "../../oci/index.js";
import { type CosignLayer, signatureLayer } from "../formats/cosign/layers.js";
import { buildCosignImage } from "../formats/cosign/manifest.js";
import { cosignTag } from "../formats/cosign/tags.js";
import { type SigningKey, toVerificationKey } from "../keys/load.js";
import { classifyKey } from "../keys/policy.js";
import { buildSimpleSigningPayload } from "../payloads/simple-signing.js";
import { signBytes } from "../signing/sign.js";
import type { CachedImage } from "./cache.js";
import { discoverArtifacts, discoverWith } from "./discover.js";
import { ArtifactReader } from "./fetch.js";
import { type ArtifactLimits, artifactLimits, DEFAULT_ARTIFACT_LIMITS } from "./limits.js";
import { fakeImage } from "./testing.js";
import { type RegistryTrustAnchor, verifyImageSignatures } from "./verify.js";

const REPO = "team/app";

/** An in-memory registry's read half that counts every manifest and blob request. */
class CountingRegistry {
  readonly manifests = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  referrers: Descriptor[] = [];
  blobGets = 0;
  blobBytes = 0;

  putBlob(data: Buffer): string {
    const digest = digestOf(data);
    this.blobs.set(digest, data);
    return digest;
  }

  client(): RegistryClient {
    const self = this;
    const client = {
      registry: "registry.example",
      async getManifest(_repo: string, ref: string) {
        const bytes = self.manifests.get(ref);
        if (!bytes) {
          const { ImageError } = await import("../../oci/index.js");
          throw new ImageError("IMAGE_NOT_FOUND", `${ref} not found`);
        }
        return { bytes, mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf(bytes) };
      },
      async getBlob(_repo: string, digest: string) {
        self.blobGets++;
        const data = self.blobs.get(digest);
        if (!data) throw new Error(`no blob ${digest}`);
        self.blobBytes += data.length;
        return Readable.from([data]);
      },
      async getReferrers() {
        return self.referrers;
      },
    };
    return client as unknown as RegistryClient;
  }
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

let key: SigningKey;
let anchor: RegistryTrustAnchor;
let image: CachedImage;

beforeAll(() => {
  key = newKey();
  anchor = { kind: "key", key: toVerificationKey(key.publicKey) };
  image = fakeImage("junk-target");
});

function validLayer(digest: string): CosignLayer {
  const payload = buildSimpleSigningPayload({
    dockerReference: "registry.example/team/app",
    manifestDigest: digest,
    annotations: {},
  });
  return signatureLayer(payload, signBytes(key, payload));
}

/** A junk simple-signing layer: a blob that signs nothing, with a bogus signature annotation. */
function junkLayer(seed: string): CosignLayer {
  return signatureLayer(Buffer.from(JSON.stringify({ junk: seed })), Buffer.from("not a signature"));
}

function registryWithSig(layers: readonly CosignLayer[]): CountingRegistry {
  const registry = new CountingRegistry();
  for (const layer of layers) registry.putBlob(layer.data);
  const built = buildCosignImage(layers.map((l) => l.descriptor));
  registry.manifests.set(cosignTag(image.target.digest, "sig"), built.manifest);
  return registry;
}

async function discover(registry: CountingRegistry, limits?: Partial<ArtifactLimits>) {
  const reader = new ArtifactReader(registry.client(), REPO, artifactLimits(limits));
  const discovery = await discoverWith(reader, image.target.digest);
  const verification = verifyImageSignatures({ target: image.target, discovery }, { anchor });
  return { reader, discovery, verification };
}

describe("discovery bounded against junk artifacts", () => {
  it("finds a valid signature after 12,000 identical junk layers, fetching each blob once", async () => {
    const junk = junkLayer("same");
    const registry = registryWithSig([
      ...Array.from({ length: 12_000 }, () => junk),
      validLayer(image.target.digest),
    ]);
    // The attack's manifest: some 3 MB, which a registry accepts (under its 4 MiB manifest cap).
    expect(registry.manifests.get(cosignTag(image.target.digest, "sig"))!.length).toBeGreaterThan(2_500_000);
    // Through the public entry point with its default limits, as `verify --key` calls it.
    const discovery = await discoverArtifacts(registry.client(), REPO, image.target.digest);
    expect(registry.blobGets).toBe(2);
    expect(verifyImageSignatures({ target: image.target, discovery }, { anchor }).ok).toBe(true);
    expect(discovery.incomplete).toEqual([]);
  });

  it("finds a valid signature before 12,000 identical junk layers", async () => {
    const junk = junkLayer("same");
    const registry = registryWithSig([
      validLayer(image.target.digest),
      ...Array.from({ length: 12_000 }, () => junk),
    ]);
    const { verification } = await discover(registry);
    expect(verification.ok).toBe(true);
    expect(registry.blobGets).toBe(2);
  });

  it("reads the first and last halves of many distinct junk layers: a newest signature is found", async () => {
    const junk = Array.from({ length: 500 }, (_, i) => junkLayer(`j${i}`));
    const registry = registryWithSig([...junk, validLayer(image.target.digest)]);
    const { verification, discovery, reader } = await discover(registry);
    expect(verification.ok).toBe(true);
    expect(discovery.incomplete).toHaveLength(1);
    expect(registry.blobGets).toBe(DEFAULT_ARTIFACT_LIMITS.maxLayersPerArtifact);
    expect(reader.blobsFetched).toBe(DEFAULT_ARTIFACT_LIMITS.maxLayersPerArtifact);
  });

  it("fails as incomplete, never as found, when the valid signature sits past the bound", async () => {
    const junk = Array.from({ length: 500 }, (_, i) => junkLayer(`j${i}`));
    const registry = registryWithSig([
      ...junk.slice(0, 250),
      validLayer(image.target.digest),
      ...junk.slice(250),
    ]);
    const { verification } = await discover(registry);
    expect(verification.ok).toBe(false);
    const incomplete = verification.checks.filter((c) => c.reason === "EVIDENCE_INCOMPLETE");
    expect(incomplete).toHaveLength(1);
    expect(incomplete[0]!.message).toMatch(/501 distinct layers/);
    expect(registry.blobGets).toBe(DEFAULT_ARTIFACT_LIMITS.maxLayersPerArtifact);
  });

  it("keeps the bytes one discovery reads under its budget", async () => {
    const big = Array.from({ length: 40 }, (_, i) => junkLayer(`${i}`.padEnd(100_000, "x")));
    const registry = registryWithSig([...big, validLayer(image.target.digest)]);
    const { verification, reader } = await discover(registry, { maxBytesPerDigest: 1_000_000 });
    expect(reader.bytesRead).toBeLessThanOrEqual(1_000_000);
    expect(registry.blobBytes).toBeLessThanOrEqual(1_000_000);
    expect(verification.checks.some((c) => c.reason === "EVIDENCE_INCOMPLETE")).toBe(true);
    // The small valid layer still fits the budget the junk left, and counts.
    expect(verification.ok).toBe(true);
  });

  it("refuses a payload over maxPayloadBytes without fetching it", async () => {
    const registry = registryWithSig([junkLayer("x".repeat(5000))]);
    const { verification } = await discover(registry, { maxPayloadBytes: 1000 });
    expect(registry.blobGets).toBe(0);
    expect(verification.checks.some((c) => c.reason === "EVIDENCE_INCOMPLETE")).toBe(true);
  });

  it("refuses a signature manifest over maxManifestBytes as incomplete", async () => {
    const junk = junkLayer("same");
    const registry = registryWithSig(Array.from({ length: 2000 }, () => junk));
    const { verification } = await discover(registry, { maxManifestBytes: 100_000 });
    expect(registry.blobGets).toBe(0);
    expect(verification.ok).toBe(false);
    expect(verification.checks.find((c) => c.reason === "EVIDENCE_INCOMPLETE")?.message).toMatch(
      /over the 100000 limit/,
    );
  });

  it("reads at most maxReferrers Sigstore bundle referrers", async () => {
    const registry = registryWithSig([]);
    registry.manifests.delete(cosignTag(image.target.digest, "sig"));
    const bundle = Buffer.from("{}");
    const bundleDigest = registry.putBlob(bundle);
    for (let i = 0; i < 300; i++) {
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
          config: { mediaType: "application/vnd.oci.empty.v1+json", size: 2, digest: bundleDigest },
          layers: [
            {
              mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
              size: bundle.length,
              digest: bundleDigest,
            },
          ],
          annotations: { n: String(i) },
        }),
      );
      const digest = digestOf(manifest);
      registry.manifests.set(digest, manifest);
      registry.referrers.push({
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        size: manifest.length,
        digest,
      });
    }
    let manifestGets = 0;
    const client = registry.client();
    const counting = Object.assign(Object.create(client), {
      getManifest: (...args: Parameters<RegistryClient["getManifest"]>) => {
        manifestGets++;
        return client.getManifest(...args);
      },
    }) as RegistryClient;
    const reader = new ArtifactReader(counting, REPO, artifactLimits({ maxReferrers: 16 }));
    const discovery = await discoverWith(reader, image.target.digest);
    // Three cosign tags looked up (absent), then 16 referrers; one bundle blob, fetched once.
    expect(manifestGets).toBe(3 + 16);
    expect(registry.blobGets).toBe(1);
    expect(discovery.incomplete).toEqual([
      expect.stringMatching(/300 Sigstore bundle referrers; 16 were read/),
    ]);
    const verification = verifyImageSignatures({ target: image.target, discovery }, { anchor });
    expect(verification.ok).toBe(false);
  });
});
