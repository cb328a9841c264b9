import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE } from "@sigstore/bundle";
import type { Descriptor, RegistryClient } from "../../oci/index.js";
import { ANNOTATION_PREDICATE_TYPE } from "../formats/cosign/annotations.js";
import { readCosignManifest } from "../formats/cosign/manifest.js";
import { type CosignAttestation, type CosignSignature, readCosignLayer } from "../formats/cosign/parse.js";
import { cosignTag } from "../formats/cosign/tags.js";
import { getManifestIfPresent, readSmallBlob } from "./fetch.js";
import { ANNOTATION_BUNDLE_PREDICATE_TYPE } from "./referrer.js";
import { PREDICATE_TYPE_COSIGN_SIGN } from "./sign-statement.js";

const BUNDLE_MEDIA_TYPES = new Set<string>([
  BUNDLE_V03_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
]);
/** Notation (notaryproject specs signature-specification.md) signature artifacts. */
const NOTATION_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature";
const SBOM_ARTIFACT = /spdx|cyclonedx|syft/i;

/** Where an artifact was found: cosign's tag scheme or the referrers API (or its tag fallback). */
export type ArtifactSource = "tag" | "referrer";

/** A Sigstore bundle found as a referrer. */
export interface ReferrerBundle {
  source: "referrer";
  where: string;
  /** The bundle blob; its content (message signature or DSSE) is read by the verifier. */
  bundle: Buffer;
  /** As annotated on the referrer; the verifier trusts only the signed statement. */
  predicateType?: string;
}

export type FoundArtifact =
  | { source: "tag"; kind: "signature"; where: string; layer: CosignSignature }
  | { source: "tag"; kind: "attestation"; where: string; layer: CosignAttestation }
  | (ReferrerBundle & { kind: "signature" })
  | (ReferrerBundle & { kind: "attestation" })
  | { source: ArtifactSource; kind: "sbom" | "notation" | "other"; where: string; artifactType: string }
  /** Something that should hold a signature but cannot be read: reported, never a crash. */
  | { source: ArtifactSource; kind: "unreadable"; where: string; message: string };

export interface Discovery {
  digest: string;
  artifacts: FoundArtifact[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function fromCosignTag(
  client: RegistryClient,
  repository: string,
  digest: string,
  kind: "sig" | "att",
): Promise<FoundArtifact[]> {
  const tag = cosignTag(digest, kind);
  let manifest: Awaited<ReturnType<typeof getManifestIfPresent>>;
  let layers: Descriptor[];
  try {
    manifest = await getManifestIfPresent(client, repository, tag);
    if (!manifest) return [];
    layers = readCosignManifest(manifest.bytes).layers;
  } catch (err) {
    return [{ source: "tag", kind: "unreadable", where: tag, message: errorText(err) }];
  }
  return Promise.all(
    layers.map(async (descriptor, i): Promise<FoundArtifact> => {
      const where = `${tag}[${i}]`;
      try {
        const layer = readCosignLayer(descriptor, await readSmallBlob(client, repository, descriptor));
        return layer.kind === "signature"
          ? { source: "tag", kind: "signature", where, layer }
          : { source: "tag", kind: "attestation", where, layer };
      } catch (err) {
        return { source: "tag", kind: "unreadable", where, message: errorText(err) };
      }
    }),
  );
}

async function fromSbomTag(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<FoundArtifact[]> {
  const tag = cosignTag(digest, "sbom");
  try {
    const manifest = await getManifestIfPresent(client, repository, tag);
    if (!manifest) return [];
    const layer = readCosignManifest(manifest.bytes).layers[0];
    return [{ source: "tag", kind: "sbom", where: tag, artifactType: layer?.mediaType ?? "unknown" }];
  } catch (err) {
    return [{ source: "tag", kind: "unreadable", where: tag, message: errorText(err) }];
  }
}

async function fromReferrer(
  client: RegistryClient,
  repository: string,
  entry: Descriptor,
): Promise<FoundArtifact> {
  const where = entry.digest;
  const artifactType = entry.artifactType ?? "";
  if (!BUNDLE_MEDIA_TYPES.has(artifactType)) {
    if (artifactType === NOTATION_ARTIFACT_TYPE)
      return { source: "referrer", kind: "notation", where, artifactType };
    const kind = SBOM_ARTIFACT.test(artifactType) ? "sbom" : "other";
    return { source: "referrer", kind, where, artifactType };
  }
  try {
    const manifest = await client.getManifest(repository, entry.digest);
    const layer = readCosignManifest(manifest.bytes).layers[0];
    if (!layer || !BUNDLE_MEDIA_TYPES.has(layer.mediaType)) {
      return {
        source: "referrer",
        kind: "unreadable",
        where,
        message: "the bundle referrer has no bundle layer",
      };
    }
    const bundle = await readSmallBlob(client, repository, layer);
    const predicateType =
      entry.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE] ??
      JSON.parse(manifest.bytes.toString("utf8"))?.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE];
    const isSignature =
      predicateType === undefined ? !hasDsse(bundle) : predicateType === PREDICATE_TYPE_COSIGN_SIGN;
    const found: ReferrerBundle = { source: "referrer", where, bundle };
    if (typeof predicateType === "string") found.predicateType = predicateType;
    return isSignature ? { ...found, kind: "signature" } : { ...found, kind: "attestation" };
  } catch (err) {
    return { source: "referrer", kind: "unreadable", where, message: errorText(err) };
  }
}

/** Whether a bundle blob holds a DSSE envelope (an attestation) rather than a message signature. */
function hasDsse(bundle: Buffer): boolean {
  try {
    return typeof JSON.parse(bundle.toString("utf8"))?.dsseEnvelope === "object";
  } catch {
    return false;
  }
}

/**
 * Every signature, attestation and SBOM attached to an image digest, by both schemes at once:
 * cosign's `.sig`/`.att`/`.sbom` tags and the referrers API (the client falls back to the
 * referrers tag schema on registries without it). Unreadable artifacts are listed as such.
 */
export async function discoverArtifacts(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<Discovery> {
  const referrers = client.getReferrers(repository, digest).then(
    (entries) => Promise.all(entries.map((entry) => fromReferrer(client, repository, entry))),
    (err): FoundArtifact[] => [
      { source: "referrer", kind: "unreadable", where: "referrers", message: errorText(err) },
    ],
  );
  const parts = await Promise.all([
    fromCosignTag(client, repository, digest, "sig"),
    fromCosignTag(client, repository, digest, "att"),
    fromSbomTag(client, repository, digest),
    referrers,
  ]);
  return { digest, artifacts: parts.flat() };
}

/** The predicate type an artifact claims before verification (annotation), for filtering and listing. */
export function claimedPredicateType(artifact: FoundArtifact): string | undefined {
  if (artifact.kind === "attestation") {
    return artifact.source === "tag"
      ? (artifact.layer.predicateType ?? artifact.layer.descriptor.annotations?.[ANNOTATION_PREDICATE_TYPE])
      : artifact.predicateType;
  }
  return undefined;
}
