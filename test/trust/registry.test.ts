/**
 * The registry half of trust against a real listening Portcullis (in process): storing by both
 * schemes, appending without duplicates, the switches, discovery, and the warm cache.
 */

import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference, RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { loadTrustedRoot, type SigningKey, toVerificationKey } from "../../src/trust/index.js";
import { classifyKey } from "../../src/trust/keys/policy.js";
import {
  attestImage,
  discoverArtifacts,
  loadImage,
  resolveImage,
  signImage,
  VerificationCache,
  verifyImageAttestations,
  verifyImageSignatures,
} from "../../src/trust/registry/index.js";
import { pushTinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

const _sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("trust/registry against Portcullis", () => {
  let server: TestServer;
  let client: RegistryClient;
  let host: string;
  const alice = newKey();
  const bob = newKey();
  const aliceAnchor = { kind: "key" as const, key: toVerificationKey(alice.publicKey) };
  const bobAnchor = { kind: "key" as const, key: toVerificationKey(bob.publicKey) };

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", storage: "memory" });
    host = new URL(server.url).host;
    client = new RegistryClient({ registry: host });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("resolves a tag to its digest and signs the digest", async () => {
    const digest = await pushTinyImage(client, "team/app", "v1", { seed: "one" });
    const target = await resolveImage(client, parseImageReference(`${host}/team/app:v1`));
    expect(target.digest).toBe(digest);
    const stored = await signImage(client, target, alice, { annotations: { env: "prod" } });
    expect(stored.tagScheme).toMatchObject({ tag: `${digest.replace(":", "-")}.sig`, added: true });
    expect(stored.referrer?.usedTagSchema).toBe(false);
    const tags = await client.listTags("team/app");
    expect(tags).toContain(`${digest.replace(":", "-")}.sig`);
    const referrers = await client.getReferrers("team/app", digest);
    expect(referrers.map((r) => r.artifactType)).toContain("application/vnd.dev.sigstore.bundle.v0.3+json");
  });

  it("appends another signer's signature and skips a repeated one", async () => {
    const target = await resolveImage(client, parseImageReference(`${host}/team/app:v1`));
    const again = await signImage(client, target, alice, { annotations: { env: "prod" }, referrer: false });
    expect(again.tagScheme?.added).toBe(false);
    expect(again.referrer).toBeUndefined();
    const byBob = await signImage(client, target, bob, { tagScheme: false });
    expect(byBob.tagScheme).toBeUndefined();
    const byBobTag = await signImage(client, target, bob, { referrer: false });
    expect(byBobTag.tagScheme?.added).toBe(true);
    const found = await discoverArtifacts(client, "team/app", target.digest);
    const kinds = found.artifacts.map((a) => `${a.source}:${a.kind}`).sort();
    expect(kinds.filter((k) => k.endsWith("signature"))).toEqual([
      "referrer:signature",
      "referrer:signature",
      "tag:signature",
      "tag:signature",
    ]);
    const image = await loadImage(client, parseImageReference(`${host}/team/app:v1`));
    const forAlice = verifyImageSignatures(image, {
      anchor: aliceAnchor,
      requiredAnnotations: { env: "prod" },
    });
    expect(
      forAlice.checks
        .filter((c) => c.ok)
        .map((c) => c.source)
        .sort(),
    ).toEqual(["referrer", "tag"]);
    const forBob = verifyImageSignatures(image, { anchor: bobAnchor });
    expect(forBob.checks.filter((c) => c.ok)).toHaveLength(2);
  });

  it("attests by both schemes, once per statement and signer", async () => {
    const target = await resolveImage(client, parseImageReference(`${host}/team/app:v1`));
    const predicate = { builder: { id: "https://ci.example" } };
    const first = await attestImage(client, target, alice, "https://slsa.dev/provenance/v1", predicate);
    expect(first.tagScheme).toMatchObject({ tag: `${target.digest.replace(":", "-")}.att`, added: true });
    const second = await attestImage(client, target, alice, "https://slsa.dev/provenance/v1", predicate, {
      referrer: false,
    });
    expect(second.tagScheme?.added).toBe(false);
    const image = await loadImage(client, parseImageReference(`${host}/team/app:v1`));
    const result = verifyImageAttestations(image, {
      anchor: aliceAnchor,
      predicateType: "https://slsa.dev/provenance/v1",
    });
    expect(result.checks.map((c) => [c.source, c.ok])).toEqual([
      ["tag", true],
      ["referrer", true],
    ]);
  });

  it("serves a warm verification from the cache without the registry", async () => {
    const digest = await pushTinyImage(client, "team/cached", "v1", { seed: "cached" });
    const ref = parseImageReference(`${host}/team/cached@${digest}`);
    await signImage(client, await resolveImage(client, ref), alice);
    const cache = new VerificationCache();
    const cold = await loadImage(client, ref, cache);
    // Any request through this client fails (nothing listens on port 9): the warm path makes none.
    const offline = new RegistryClient({ registry: "127.0.0.1:9", timeoutMs: 200 });
    const warm = await loadImage(offline, ref, cache);
    expect(warm).toBe(cold);
    expect(verifyImageSignatures(warm, { anchor: aliceAnchor }).ok).toBe(true);
    // A tag is resolved every time: tags move.
    const byTag = await loadImage(client, parseImageReference(`${host}/team/cached:v1`), cache);
    expect(byTag.target.digest).toBe(digest);
  });
});

const SLSA_LAYOUT = `${import.meta.dirname}/../../../shared/testdata/sigstore/slsa-verifier-oci-layouts/v2.1.0`;

describe.skipIf(unavailable(`the shared data set ${SLSA_LAYOUT}`, existsSync(SLSA_LAYOUT)))(
  "cosign's keyless attestations, pushed to Portcullis",
  () => {
    let server: TestServer;
    afterAll(async () => {
      await server?.close();
    });

    it("are found under the .att tag and verify with the generator's identity", async () => {
      server = await startTestServer({ database: "sqlite", storage: "memory" });
      const host = new URL(server.url).host;
      const client = new RegistryClient({ registry: host });
      const dir = join(SLSA_LAYOUT, "container_workflow_dispatch");
      const blobs = join(dir, "blobs", "sha256");
      const read = (hex: string) => readFileSync(join(blobs, hex));
      for (const hex of readdirSync(blobs)) await client.pushBlob("slsa/app", { data: read(hex) });
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
        manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }>;
      };
      const image = index.manifests.find(
        (m) => m.annotations?.kind === "dev.cosignproject.cosign/imageIndex",
      )!;
      const atts = index.manifests.find((m) => m.annotations?.kind === "dev.cosignproject.cosign/atts")!;
      const children = JSON.parse(read(image.digest.slice(7)).toString("utf8")) as {
        manifests: Array<{ digest: string; mediaType: string }>;
      };
      for (const child of children.manifests) {
        await client.putManifest("slsa/app", child.digest, read(child.digest.slice(7)), child.mediaType);
      }
      await client.putManifest("slsa/app", "main", read(image.digest.slice(7)), image.mediaType);
      await client.putManifest(
        "slsa/app",
        `${image.digest.replace(":", "-")}.att`,
        read(atts.digest.slice(7)),
        atts.mediaType,
      );

      const loaded = await loadImage(client, parseImageReference(`${host}/slsa/app:main`));
      expect(loaded.target.digest).toBe(image.digest);
      const trustedRoot = loadTrustedRoot(
        readFileSync(new URL("../../src/trust/testdata/keyless/trusted_root_pgi.json", import.meta.url)),
      );
      const issuer = "https://token.actions.githubusercontent.com";
      const ok = verifyImageAttestations(loaded, {
        anchor: {
          kind: "keyless",
          trustedRoot,
          identity: {
            subjectAlternativeName:
              /https:\/\/github\.com\/slsa-framework\/slsa-github-generator\/\.github\/workflows\/generator_container_slsa3\.yml@refs\/tags\/v[0-9.]+/,
            issuer,
          },
        },
        predicateType: "https://slsa.dev/provenance/v0.2",
      });
      expect(ok.ok).toBe(true);
      expect(ok.checks.length).toBeGreaterThan(0);
      const wrong = verifyImageAttestations(loaded, {
        anchor: {
          kind: "keyless",
          trustedRoot,
          identity: { subjectAlternativeName: "me@example.com", issuer },
        },
      });
      expect(wrong.ok).toBe(false);
    });
  },
);
