import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { keyHintOf } from "../formats/bundle/create.js";
import { readCosignManifest } from "../formats/cosign/manifest.js";
import { readCosignLayer } from "../formats/cosign/parse.js";
import { classifyKey } from "../keys/policy.js";
import { claimedSigner } from "./signer-hint.js";
import { fakeImage, referrerSignature, tagSignature } from "./testing.js";

describe("claimedSigner", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = { privateKey, publicKey, kind: classifyKey(publicKey) };
  const digest = fakeImage("a").target.digest;

  it("reads a bundle's key hint, and says 'key' for a keyed cosign layer", () => {
    expect(claimedSigner(referrerSignature(key, digest))).toBe(`key hint ${keyHintOf(key)}`);
    expect(claimedSigner(tagSignature(key, digest))).toBe("key");
    expect(
      claimedSigner({ source: "referrer", kind: "sbom", where: "x", artifactType: "spdx" }),
    ).toBeUndefined();
  });

  it("reads the identity of a keyless cosign layer's certificate", () => {
    const dir = fileURLToPath(
      new URL("../testdata/oci-layout/v2.1.0/container_workflow_dispatch/", import.meta.url),
    );
    const blob = (d: string) => readFileSync(join(dir, "blobs", ...d.split(":")));
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const atts = index.manifests.find((m) => m.annotations?.kind === "dev.cosignproject.cosign/atts")!;
    const d = readCosignManifest(blob(atts.digest)).layers[0]!;
    const layer = readCosignLayer(d, blob(d.digest));
    if (layer.kind !== "attestation") throw new Error("expected an attestation");
    expect(claimedSigner({ source: "tag", kind: "attestation", where: "att[0]", layer })).toMatch(
      /^https:\/\/github\.com\/slsa-framework\/slsa-github-generator\//,
    );
  });
});
