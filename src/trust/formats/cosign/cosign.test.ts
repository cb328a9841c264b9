import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../../core/index.js";
import { signEnvelope } from "../../dsse/sign.js";
import { TrustError } from "../../errors.js";
import { buildStatement } from "../../intoto/statement.js";
import { generateKeyPair } from "../../keys/generate.js";
import { buildSimpleSigningPayload } from "../../payloads/simple-signing.js";
import { signBytes } from "../../signing/sign.js";
import { attestationLayer, signatureLayer } from "./layers.js";
import { appendCosignLayer, buildCosignImage, readCosignManifest } from "./manifest.js";
import { type CosignAttestation, type CosignSignature, readCosignLayer } from "./parse.js";
import { cosignTag, parseCosignTag } from "./tags.js";
import { verifyCosignAttestation, verifyCosignSignature } from "./verify.js";

const hex = "234e2c830c2fb31ac5671789d22adfe44d30c3ee831d01beae5e237841a13122";
const digest = `sha256:${hex}`;
const otherDigest = `sha256:${"1".repeat(64)}`;
const repo = "registry.example.com/team/app";

describe("cosign tags", () => {
  it.each(["sig", "att", "sbom"] as const)("%s", (kind) => {
    expect(cosignTag(digest, kind)).toBe(`sha256-${hex}.${kind}`);
    expect(parseCosignTag(`sha256-${hex}.${kind}`)).toEqual({ digest, kind });
  });
  it("ignores other tags and refuses non-digests", () => {
    expect(parseCosignTag("latest")).toBeUndefined();
    expect(parseCosignTag(`sha256-${hex}.sig2`)).toBeUndefined();
    expect(parseCosignTag(`sha256-${hex.slice(1)}.sig`)).toBeUndefined();
    expect(() => cosignTag("latest", "sig")).toThrowError(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("signature images, keyed", async () => {
  const key = await generateKeyPair("", { strength: "legacy" });
  const payload = buildSimpleSigningPayload({ dockerReference: repo, manifestDigest: digest });
  const layer = signatureLayer(payload, signBytes(key, payload));

  it("writes the layer as cosign does", () => {
    expect(layer.descriptor.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
    expect(layer.descriptor.digest).toBe(digestOf(payload));
    expect(Object.keys(layer.descriptor.annotations ?? {})).toEqual(["dev.cosignproject.cosign/signature"]);
  });

  it("builds, appends without duplicates, and reads back", () => {
    const first = appendCosignLayer(undefined, layer);
    expect(first.added).toBe(true);
    const again = appendCosignLayer(first.image.manifest, layer);
    expect(again.added).toBe(false);
    expect(again.image.manifestDigest).toBe(first.image.manifestDigest);
    const payload2 = buildSimpleSigningPayload({
      dockerReference: repo,
      manifestDigest: digest,
      annotations: { by: "ci" },
    });
    const second = appendCosignLayer(
      first.image.manifest,
      signatureLayer(payload2, signBytes(key, payload2)),
    );
    expect(second.added).toBe(true);
    const { layers, config } = readCosignManifest(second.image.manifest);
    expect(layers).toHaveLength(2);
    expect(config?.digest).toBe(second.image.configDescriptor.digest);
    expect(JSON.parse(second.image.config.toString()).rootfs.diff_ids).toEqual(layers.map((l) => l.digest));
  });

  it("verifies, and reports each kind of bad input precisely", async () => {
    const sig = readCosignLayer(layer.descriptor, layer.data) as CosignSignature;
    expect(verifyCosignSignature(sig, key, { digest, dockerReference: repo })).toMatchObject({
      ok: true,
      referenceMatches: true,
    });
    expect(
      verifyCosignSignature(sig, key, { digest, dockerReference: "registry.example.com/other/app" }),
    ).toMatchObject({
      ok: true,
      referenceMatches: false,
    });
    expect(verifyCosignSignature(sig, key, { digest: otherDigest })).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    const wrongKey = await generateKeyPair("", { strength: "legacy" });
    expect(verifyCosignSignature(sig, wrongKey, { digest })).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    const tamperedPayload = buildSimpleSigningPayload({ dockerReference: repo, manifestDigest: otherDigest });
    const tampered = { ...sig, payload: tamperedPayload };
    expect(verifyCosignSignature(tampered, key, { digest: otherDigest })).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
  });

  it("refuses a layer without a signature annotation or with a foreign media type", () => {
    const noSig = { ...layer.descriptor, annotations: {} };
    expect(() => readCosignLayer(noSig, layer.data)).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
    const foreign = { ...layer.descriptor, mediaType: "application/octet-stream" };
    expect(() => readCosignLayer(foreign, layer.data)).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
  });
});

describe("attestation images, keyed", async () => {
  const key = await generateKeyPair("", { algorithm: "ed25519", strength: "legacy" });
  const statement = buildStatement(
    [{ name: repo, digest: { sha256: hex } }],
    "https://slsa.dev/provenance/v1",
    {},
  );
  const envelope = signEnvelope("application/vnd.in-toto+json", Buffer.from(JSON.stringify(statement)), [
    { key },
  ]);
  const layer = attestationLayer(envelope, statement.predicateType);

  it("writes the layer as cosign does", () => {
    expect(layer.descriptor.mediaType).toBe("application/vnd.dsse.envelope.v1+json");
    expect(layer.descriptor.annotations).toEqual({
      "dev.cosignproject.cosign/signature": "",
      predicateType: "https://slsa.dev/provenance/v1",
    });
    const image = buildCosignImage([layer.descriptor]);
    expect(JSON.parse(image.manifest.toString()).layers[0].annotations.predicateType).toBe(
      "https://slsa.dev/provenance/v1",
    );
  });

  it("verifies and checks subject and predicate type", () => {
    const att = readCosignLayer(layer.descriptor, layer.data) as CosignAttestation;
    expect(verifyCosignAttestation(att, key, { digest })).toMatchObject({ ok: true });
    expect(verifyCosignAttestation(att, key, { digest: otherDigest })).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    expect(
      verifyCosignAttestation({ ...att, predicateType: "https://spdx.dev/Document" }, key, { digest }),
    ).toMatchObject({
      ok: false,
      reason: "STATEMENT_INVALID",
    });
  });
});

describe("cosign manifest and layer parsers on garbage (fast-check)", () => {
  it("never throw anything but a TrustError", () => {
    const descriptor = fc.record({
      mediaType: fc.constantFrom(
        "application/vnd.dev.cosign.simplesigning.v1+json",
        "application/vnd.dsse.envelope.v1+json",
        "text/plain",
      ),
      annotations: fc.dictionary(
        fc.constantFrom(
          "dev.cosignproject.cosign/signature",
          "dev.sigstore.cosign/bundle",
          "predicateType",
          "x",
        ),
        fc.string(),
      ),
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), descriptor, (bytes, d) => {
        for (const run of [
          () => readCosignManifest(bytes),
          () => readCosignLayer({ ...d, digest: digestOf(bytes), size: bytes.length }, bytes),
        ]) {
          try {
            run();
          } catch (err) {
            expect(err).toBeInstanceOf(TrustError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
