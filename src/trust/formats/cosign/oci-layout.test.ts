import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { envelopePayload } from "../../dsse/envelope.js";
import { toVerificationKey } from "../../keys/load.js";
import { loadTrustedRoot } from "../bundle/trusted-root.js";
import { verifyKeylessCosignAttestation } from "./keyless.js";
import { buildCosignImage, cosignConfig, readCosignManifest } from "./manifest.js";
import { type CosignAttestation, readCosignLayer } from "./parse.js";
import { verifyCosignAttestation } from "./verify.js";

const testdata = (p: string) => fileURLToPath(new URL(`../../testdata/${p}`, import.meta.url));
const trustedRoot = loadTrustedRoot(readFileSync(testdata("keyless/trusted_root_pgi.json")));
const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/sigstore/slsa-verifier-oci-layouts`;
const GENERATOR =
  /https:\/\/github\.com\/slsa-framework\/slsa-github-generator\/\.github\/workflows\/generator_container_slsa3\.yml@refs\/tags\/v[0-9.]+(-rc\.[0-9]+)?/;
const identity = { subjectAlternativeName: GENERATOR, issuer: "https://token.actions.githubusercontent.com" };

/** Reads an OCI layout from disk (image-layout.md): index.json → the manifest cosign tagged `atts`. */
function readLayout(dir: string) {
  const blob = (digest: string) => readFileSync(join(dir, "blobs", ...digest.split(":")));
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const atts = index.manifests.find((m) => m.annotations?.kind === "dev.cosignproject.cosign/atts");
  if (!atts) throw new Error(`no attestation manifest in ${dir}`);
  const manifestBytes = blob(atts.digest);
  const { layers, config } = readCosignManifest(manifestBytes);
  return {
    manifestBytes,
    layers,
    config,
    blob,
    layerObjects: layers.map((d) => readCosignLayer(d, blob(d.digest))),
  };
}

function layoutCases(root: string): [string, string][] {
  if (!existsSync(root)) return [];
  return readdirSync(root).map((v) => [v, join(root, v)]);
}

function checkLayout(dir: string) {
  const digest = readFileSync(`${dir}/container_workflow_dispatch.digest`, "utf8").trim();
  const layout = readLayout(join(dir, "container_workflow_dispatch"));
  expect(layout.layerObjects.length).toBeGreaterThan(0);
  for (const layer of layout.layerObjects) {
    expect(layer.kind).toBe("attestation");
    const att = layer as CosignAttestation;
    expect(att.material.certificate).toMatch(/BEGIN CERTIFICATE/);
    expect(att.material.rekorBundle?.Payload.logIndex).toBeGreaterThan(0);
    // The DSSE signature checked directly with the certificate's key...
    const key = toVerificationKey(new X509Certificate(att.material.certificate!).publicKey);
    expect(verifyCosignAttestation(att, key, { digest })).toMatchObject({ ok: true });
    // ...and the whole keyless chain: Fulcio chain, SCT, Rekor SET and body, identity.
    const keyless = verifyKeylessCosignAttestation(att, { digest }, { trustedRoot, identity });
    expect(keyless).toMatchObject({
      ok: true,
      statement: { predicateType: "https://slsa.dev/provenance/v0.2" },
    });
    // The same attestation does not vouch for another image.
    const other = `sha256:${"0".repeat(64)}`;
    expect(verifyKeylessCosignAttestation(att, { digest: other }, { trustedRoot, identity })).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    expect(envelopePayload(att.envelope).length).toBeGreaterThan(100);
  }
  // Our builder reproduces cosign's config and manifest byte for byte.
  const config = layout.blob(layout.config!.digest);
  const { created } = JSON.parse(config.toString()) as { created: string };
  expect(cosignConfig(layout.layers, { created }).equals(config)).toBe(true);
  expect(buildCosignImage(layout.layers, { created }).manifest.equals(layout.manifestBytes)).toBe(true);
}

describe("cosign attestations in real OCI layouts (slsa-verifier testdata)", () => {
  it("v2.1.0 (copied into testdata)", () => checkLayout(testdata("oci-layout/v2.1.0")));

  it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED))).each(layoutCases(SHARED))(
    "%s from ../shared",
    (_v, dir) => checkLayout(dir),
  );

  it("refuses a wrong identity and a tampered envelope", () => {
    const layout = readLayout(testdata("oci-layout/v2.1.0/container_workflow_dispatch"));
    const digest = readFileSync(
      testdata("oci-layout/v2.1.0/container_workflow_dispatch.digest"),
      "utf8",
    ).trim();
    const att = layout.layerObjects[0] as CosignAttestation;
    const wrongIdentity = {
      subjectAlternativeName: "https://github.com/evil/evil/.github/workflows/x.yml@refs/heads/main",
    };
    expect(
      verifyKeylessCosignAttestation(att, { digest }, { trustedRoot, identity: wrongIdentity }),
    ).toMatchObject({
      ok: false,
      reason: "IDENTITY_MISMATCH",
    });
    const statement = JSON.parse(envelopePayload(att.envelope).toString());
    statement.predicate.builder.id = "https://evil.example/builder";
    const tampered: CosignAttestation = {
      ...att,
      envelope: { ...att.envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") },
    };
    const key = toVerificationKey(new X509Certificate(att.material.certificate!).publicKey);
    expect(verifyCosignAttestation(tampered, key, { digest })).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    expect(verifyKeylessCosignAttestation(tampered, { digest }, { trustedRoot, identity })).toMatchObject({
      ok: false,
    });
  });

  it("refuses a layer whose blob does not match its digest", () => {
    const layout = readLayout(testdata("oci-layout/v2.1.0/container_workflow_dispatch"));
    const d = layout.layers[0]!;
    expect(() => readCosignLayer(d, Buffer.from("{}"))).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
  });
});
