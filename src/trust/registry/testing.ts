import { digestOf } from "../../core/index.js";
import { PAYLOAD_TYPE_IN_TOTO } from "../dsse/envelope.js";
import { signEnvelope } from "../dsse/sign.js";
import { createDsseBundle, createMessageSignatureBundle } from "../formats/bundle/create.js";
import { attestationLayer, signatureLayer } from "../formats/cosign/layers.js";
import { readCosignLayer } from "../formats/cosign/parse.js";
import { buildStatement } from "../intoto/statement.js";
import type { SigningKey } from "../keys/load.js";
import { buildSimpleSigningPayload } from "../payloads/simple-signing.js";
import { signBytes } from "../signing/sign.js";
import type { CachedImage } from "./cache.js";
import type { FoundArtifact } from "./discover.js";
import { buildSignStatement, PREDICATE_TYPE_COSIGN_SIGN } from "./sign-statement.js";

/**
 * Builders of images and attached artifacts in memory, as discovery would return them, for the
 * verifier's tests (no registry). Not exported from the domain.
 */
export function fakeImage(seed: string, artifacts: FoundArtifact[] = []): CachedImage {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, seed }), "utf8");
  const digest = digestOf(bytes);
  return {
    target: {
      registry: "registry.example",
      repository: "team/app",
      digest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: bytes.length,
      manifest: { bytes, mediaType: "application/vnd.oci.image.manifest.v1+json", digest },
      dockerReference: "registry.example/team/app",
      display: "registry.example/team/app:1",
    },
    discovery: { digest, artifacts, incomplete: [] },
  };
}

export function tagSignature(
  key: SigningKey,
  digest: string,
  options: { reference?: string; annotations?: Record<string, string> } = {},
): FoundArtifact {
  const payload = buildSimpleSigningPayload({
    dockerReference: options.reference ?? "registry.example/team/app",
    manifestDigest: digest,
    annotations: options.annotations ?? {},
  });
  const layer = signatureLayer(payload, signBytes(key, payload));
  const parsed = readCosignLayer(layer.descriptor, layer.data);
  if (parsed.kind !== "signature") throw new Error("not a signature");
  return { source: "tag", kind: "signature", where: "sha256-x.sig[0]", layer: parsed };
}

export function referrerSignature(
  key: SigningKey,
  digest: string,
  options: { reference?: string; annotations?: Record<string, string> } = {},
): FoundArtifact {
  const statement = buildSignStatement(
    options.reference ?? "registry.example/team/app",
    digest,
    options.annotations ?? {},
  );
  const bundle = Buffer.from(JSON.stringify(createDsseBundle(statement, key)));
  return {
    source: "referrer",
    kind: "signature",
    where: "sha256:referrer",
    bundle,
    predicateType: PREDICATE_TYPE_COSIGN_SIGN,
  };
}

export function messageSignatureReferrer(key: SigningKey, artifact: Buffer): FoundArtifact {
  const bundle = Buffer.from(JSON.stringify(createMessageSignatureBundle(artifact, key)));
  return { source: "referrer", kind: "signature", where: "sha256:message", bundle };
}

function statementBytes(digest: string, predicateType: string, predicate: Record<string, unknown>): Buffer {
  const [alg, hex] = digest.split(":") as [string, string];
  return Buffer.from(
    JSON.stringify(buildStatement([{ name: "app", digest: { [alg]: hex } }], predicateType, predicate)),
  );
}

export function tagAttestation(
  key: SigningKey,
  digest: string,
  predicateType: string,
  predicate: Record<string, unknown>,
): FoundArtifact {
  const envelope = signEnvelope(PAYLOAD_TYPE_IN_TOTO, statementBytes(digest, predicateType, predicate), [
    { key },
  ]);
  const layer = attestationLayer(envelope, predicateType);
  const parsed = readCosignLayer(layer.descriptor, layer.data);
  if (parsed.kind !== "attestation") throw new Error("not an attestation");
  return { source: "tag", kind: "attestation", where: "sha256-x.att[0]", layer: parsed };
}

export function referrerAttestation(
  key: SigningKey,
  digest: string,
  predicateType: string,
  predicate: Record<string, unknown>,
): FoundArtifact {
  const bundle = Buffer.from(
    JSON.stringify(createDsseBundle(statementBytes(digest, predicateType, predicate), key)),
  );
  return { source: "referrer", kind: "attestation", where: "sha256:att-referrer", bundle, predicateType };
}
