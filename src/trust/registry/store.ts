import { createHash } from "node:crypto";
import type { Descriptor, RegistryClient } from "../../oci/index.js";
import { envelopePayload, MEDIA_TYPE_DSSE_ENVELOPE, PAYLOAD_TYPE_IN_TOTO } from "../dsse/envelope.js";
import { signEnvelope } from "../dsse/sign.js";
import { verifyEnvelope } from "../dsse/verify.js";
import { createDsseBundle, keyHintOf, MEDIA_TYPE_SIGSTORE_BUNDLE_V03 } from "../formats/bundle/create.js";
import { ANNOTATION_PREDICATE_TYPE } from "../formats/cosign/annotations.js";
import { attestationLayer, type CosignLayer, signatureLayer } from "../formats/cosign/layers.js";
import { appendCosignLayer, readCosignManifest } from "../formats/cosign/manifest.js";
import { readCosignLayer } from "../formats/cosign/parse.js";
import { type CosignArtifactKind, cosignTag } from "../formats/cosign/tags.js";
import { buildStatement } from "../intoto/statement.js";
import type { SigningKey } from "../keys/load.js";
import { buildSimpleSigningPayload } from "../payloads/simple-signing.js";
import { signBytes } from "../signing/sign.js";
import { verifyBytes } from "../signing/verify.js";
import { getManifestIfPresent, readSmallBlob } from "./fetch.js";
import {
  ANNOTATION_BUNDLE_CONTENT,
  ANNOTATION_BUNDLE_PREDICATE_TYPE,
  ANNOTATION_CREATED,
  buildReferrer,
  pushReferrer,
} from "./referrer.js";
import { buildSignStatement, PREDICATE_TYPE_COSIGN_SIGN } from "./sign-statement.js";
import { type SigningTarget, subjectOf } from "./target.js";

/** Where to store: cosign's tag scheme and an OCI 1.1 referrer bundle, both unless switched off. */
export interface StoreOptions {
  tagScheme?: boolean;
  referrer?: boolean;
  /** Time written into the referrer's `org.opencontainers.image.created`. Default now. */
  now?: Date;
}

export interface StoredResult {
  digest: string;
  tagScheme?: { tag: string; manifestDigest: string; added: boolean };
  referrer?: { manifestDigest: string; usedTagSchema: boolean };
}

/**
 * Adds a layer to the image under a cosign tag (`sha256-<hex>.sig` / `.att`), pushing its blob and
 * the rebuilt config. `isDuplicate` sees each existing layer with its blob: a layer signed by the
 * same key over the same bytes is not added twice (ECDSA signatures differ on every run, so
 * comparing signature annotations alone, as cosign does, would duplicate).
 */
/**
 * Which existing layers can be the same statement by the same signer, before fetching them: a
 * signature layer's digest is its payload's; an attestation's envelope differs on every signing,
 * so any layer of the same predicate type is a candidate.
 */
function mayDuplicate(old: Descriptor, fresh: Descriptor): boolean {
  if (old.mediaType !== fresh.mediaType) return false;
  if (fresh.mediaType === MEDIA_TYPE_DSSE_ENVELOPE) {
    return old.annotations?.[ANNOTATION_PREDICATE_TYPE] === fresh.annotations?.[ANNOTATION_PREDICATE_TYPE];
  }
  return old.digest === fresh.digest;
}

async function appendToCosignTag(
  client: RegistryClient,
  target: SigningTarget,
  kind: CosignArtifactKind,
  layer: CosignLayer,
  isDuplicate: (existing: Descriptor, blob: Buffer) => boolean,
): Promise<{ tag: string; manifestDigest: string; added: boolean }> {
  const tag = cosignTag(target.digest, kind);
  const existing = await getManifestIfPresent(client, target.repository, tag);
  if (existing) {
    // Each blob is read once, however many layers name it (a junk-stuffed tag must not cost a GET per layer).
    const read = new Map<string, Buffer>();
    for (const old of readCosignManifest(existing.bytes).layers) {
      if (!mayDuplicate(old, layer.descriptor)) continue;
      const blob = read.get(old.digest) ?? (await readSmallBlob(client, target.repository, old));
      read.set(old.digest, blob);
      if (isDuplicate(old, blob)) return { tag, manifestDigest: existing.digest, added: false };
    }
  }
  const { image, added } = appendCosignLayer(existing?.bytes, layer);
  await client.pushBlob(target.repository, { data: layer.data });
  await client.pushBlob(target.repository, { data: image.config });
  const manifestDigest = await client.putManifest(
    target.repository,
    tag,
    image.manifest,
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { tag, manifestDigest, added };
}

async function storeBundleReferrer(
  client: RegistryClient,
  target: SigningTarget,
  bundle: unknown,
  predicateType: string,
  now: Date,
): Promise<{ manifestDigest: string; usedTagSchema: boolean }> {
  const blob = Buffer.from(JSON.stringify(bundle), "utf8");
  const artifact = buildReferrer(blob, MEDIA_TYPE_SIGSTORE_BUNDLE_V03, subjectOf(target), {
    [ANNOTATION_BUNDLE_CONTENT]: "dsse-envelope",
    [ANNOTATION_BUNDLE_PREDICATE_TYPE]: predicateType,
    [ANNOTATION_CREATED]: now.toISOString(),
  });
  const { usedTagSchema } = await pushReferrer(client, target.repository, artifact, blob, target.digest);
  return { manifestDigest: artifact.digest, usedTagSchema };
}

/**
 * Signs an image (cosign sign --key): a simple-signing payload naming the digest, stored as a
 * `.sig` layer, and a DSSE bundle of a cosign sign/v1 statement stored as a referrer.
 */
export async function signImage(
  client: RegistryClient,
  target: SigningTarget,
  key: SigningKey,
  options: StoreOptions & { annotations?: Record<string, string> } = {},
): Promise<StoredResult> {
  const annotations = options.annotations ?? {};
  const result: StoredResult = { digest: target.digest };
  if (options.tagScheme !== false) {
    const payload = buildSimpleSigningPayload({
      dockerReference: target.dockerReference,
      manifestDigest: target.digest,
      annotations,
    });
    const layer = signatureLayer(payload, signBytes(key, payload));
    result.tagScheme = await appendToCosignTag(client, target, "sig", layer, (old, blob) => {
      try {
        const parsed = readCosignLayer(old, blob);
        return parsed.kind === "signature" && verifyBytes(key, parsed.payload, parsed.signature);
      } catch {
        return false;
      }
    });
  }
  if (options.referrer !== false) {
    const statement = buildSignStatement(target.dockerReference, target.digest, annotations);
    const bundle = createDsseBundle(statement, key);
    result.referrer = await storeBundleReferrer(
      client,
      target,
      bundle,
      PREDICATE_TYPE_COSIGN_SIGN,
      options.now ?? new Date(),
    );
  }
  return result;
}

/**
 * Attests an image (cosign attest --key): an in-toto Statement v1 whose subject is the image
 * digest, signed as a DSSE envelope, stored as a `.att` layer and as a DSSE bundle referrer.
 */
export async function attestImage(
  client: RegistryClient,
  target: SigningTarget,
  key: SigningKey,
  predicateType: string,
  predicate: Record<string, unknown>,
  options: StoreOptions = {},
): Promise<StoredResult> {
  const [alg, hex] = target.digest.split(":") as [string, string];
  const statement = buildStatement(
    [{ name: target.dockerReference, digest: { [alg]: hex } }],
    predicateType,
    predicate,
  );
  const payload = Buffer.from(JSON.stringify(statement), "utf8");
  const result: StoredResult = { digest: target.digest };
  if (options.tagScheme !== false) {
    const envelope = signEnvelope(PAYLOAD_TYPE_IN_TOTO, payload, [{ key }]);
    const layer = attestationLayer(envelope, predicateType);
    const payloadHash = createHash("sha256").update(payload).digest("hex");
    result.tagScheme = await appendToCosignTag(client, target, "att", layer, (old, blob) => {
      try {
        const parsed = readCosignLayer(old, blob);
        if (parsed.kind !== "attestation") return false;
        const same =
          createHash("sha256").update(envelopePayload(parsed.envelope)).digest("hex") === payloadHash;
        return same && verifyEnvelope(parsed.envelope, [{ key }]).ok;
      } catch {
        return false;
      }
    });
  }
  if (options.referrer !== false) {
    const bundle = createDsseBundle(payload, key, { keyHint: keyHintOf(key) });
    result.referrer = await storeBundleReferrer(
      client,
      target,
      bundle,
      predicateType,
      options.now ?? new Date(),
    );
  }
  return result;
}
