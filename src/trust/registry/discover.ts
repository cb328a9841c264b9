import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE } from "@sigstore/bundle";
import type { Descriptor, RegistryClient } from "../../oci/index.js";
import { ANNOTATION_PREDICATE_TYPE } from "../formats/cosign/annotations.js";
import { readCosignManifest } from "../formats/cosign/manifest.js";
import { type CosignAttestation, type CosignSignature, readCosignLayer } from "../formats/cosign/parse.js";
import { cosignTag } from "../formats/cosign/tags.js";
import { ArtifactReader } from "./fetch.js";
import { type ArtifactLimits, LimitReached } from "./limits.js";
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
  /**
   * Why the discovery did not read everything (an ArtifactLimits bound reached): each reason once.
   * Verification reports it as a failed check, so a requirement not met by what was read fails.
   */
  incomplete: string[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Identical descriptors are one layer: the same bytes under the same annotations verify alike. */
function distinctLayers(layers: readonly Descriptor[]): Array<{ descriptor: Descriptor; index: number }> {
  const seen = new Set<string>();
  const out: Array<{ descriptor: Descriptor; index: number }> = [];
  layers.forEach((descriptor, index) => {
    const key = JSON.stringify([descriptor.digest, descriptor.mediaType, descriptor.annotations ?? {}]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ descriptor, index });
  });
  return out;
}

/** The first and the last halves of `items` when there are more than `max` (cosign appends). */
function headAndTail<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const head = Math.ceil(max / 2);
  return [...items.slice(0, head), ...items.slice(items.length - (max - head))];
}

async function fromCosignTag(
  reader: ArtifactReader,
  digest: string,
  kind: "sig" | "att",
  incomplete: string[],
): Promise<FoundArtifact[]> {
  const tag = cosignTag(digest, kind);
  let layers: Descriptor[];
  try {
    const manifest = await reader.manifest(tag);
    if (!manifest) return [];
    layers = readCosignManifest(manifest.bytes).layers;
  } catch (err) {
    if (err instanceof LimitReached) incomplete.push(`${tag}: ${err.message}`);
    return [{ source: "tag", kind: "unreadable", where: tag, message: errorText(err) }];
  }
  const distinct = distinctLayers(layers);
  const max = reader.limits.maxLayersPerArtifact;
  if (distinct.length > max) {
    incomplete.push(
      `${tag} has ${distinct.length} distinct layers; the first ${Math.ceil(max / 2)} and the last ${Math.floor(max / 2)} were read (maxLayersPerArtifact ${max})`,
    );
  }
  return Promise.all(
    headAndTail(distinct, max).map(async ({ descriptor, index }): Promise<FoundArtifact> => {
      const where = `${tag}[${index}]`;
      try {
        const layer = readCosignLayer(descriptor, await reader.blob(descriptor));
        return layer.kind === "signature"
          ? { source: "tag", kind: "signature", where, layer }
          : { source: "tag", kind: "attestation", where, layer };
      } catch (err) {
        if (err instanceof LimitReached) incomplete.push(`${where}: ${err.message}`);
        return { source: "tag", kind: "unreadable", where, message: errorText(err) };
      }
    }),
  );
}

async function fromSbomTag(reader: ArtifactReader, digest: string): Promise<FoundArtifact[]> {
  const tag = cosignTag(digest, "sbom");
  try {
    const manifest = await reader.manifest(tag);
    if (!manifest) return [];
    const layer = readCosignManifest(manifest.bytes).layers[0];
    return [{ source: "tag", kind: "sbom", where: tag, artifactType: layer?.mediaType ?? "unknown" }];
  } catch (err) {
    return [{ source: "tag", kind: "unreadable", where: tag, message: errorText(err) }];
  }
}

function listedOnly(entry: Descriptor): FoundArtifact {
  const artifactType = entry.artifactType ?? "";
  if (artifactType === NOTATION_ARTIFACT_TYPE)
    return { source: "referrer", kind: "notation", where: entry.digest, artifactType };
  const kind = SBOM_ARTIFACT.test(artifactType) ? "sbom" : "other";
  return { source: "referrer", kind, where: entry.digest, artifactType };
}

async function fromReferrer(
  reader: ArtifactReader,
  entry: Descriptor,
  incomplete: string[],
): Promise<FoundArtifact> {
  const where = entry.digest;
  try {
    const manifest = await reader.manifest(entry.digest);
    if (!manifest) throw new Error(`referrer ${entry.digest} not found`);
    const layer = readCosignManifest(manifest.bytes).layers[0];
    if (!layer || !BUNDLE_MEDIA_TYPES.has(layer.mediaType)) {
      return {
        source: "referrer",
        kind: "unreadable",
        where,
        message: "the bundle referrer has no bundle layer",
      };
    }
    const bundle = await reader.blob(layer);
    const predicateType =
      entry.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE] ??
      JSON.parse(manifest.bytes.toString("utf8"))?.annotations?.[ANNOTATION_BUNDLE_PREDICATE_TYPE];
    const isSignature =
      predicateType === undefined ? !hasDsse(bundle) : predicateType === PREDICATE_TYPE_COSIGN_SIGN;
    const found: ReferrerBundle = { source: "referrer", where, bundle };
    if (typeof predicateType === "string") found.predicateType = predicateType;
    return isSignature ? { ...found, kind: "signature" } : { ...found, kind: "attestation" };
  } catch (err) {
    if (err instanceof LimitReached) incomplete.push(`referrer ${where}: ${err.message}`);
    return { source: "referrer", kind: "unreadable", where, message: errorText(err) };
  }
}

async function fromReferrers(
  reader: ArtifactReader,
  digest: string,
  incomplete: string[],
): Promise<FoundArtifact[]> {
  let entries: Descriptor[];
  try {
    entries = await reader.client.getReferrers(reader.repository, digest);
  } catch (err) {
    return [{ source: "referrer", kind: "unreadable", where: "referrers", message: errorText(err) }];
  }
  const max = reader.limits.maxReferrers;
  // Only bundles are read (their type is in the list itself); the rest are listed, up to the same bound.
  const bundles = entries.filter((e) => BUNDLE_MEDIA_TYPES.has(e.artifactType ?? ""));
  const others = entries.filter((e) => !BUNDLE_MEDIA_TYPES.has(e.artifactType ?? "")).slice(0, max);
  if (bundles.length > max) {
    incomplete.push(`${bundles.length} Sigstore bundle referrers; ${max} were read (maxReferrers ${max})`);
  }
  const read = await Promise.all(
    headAndTail(bundles, max).map((entry) => fromReferrer(reader, entry, incomplete)),
  );
  return [...read, ...others.map(listedOnly)];
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
 * referrers tag schema on registries without it). Unreadable artifacts are listed as such. What is
 * read is bounded by `limits` (ArtifactLimits); a bound reached is listed in `incomplete`.
 */
export async function discoverArtifacts(
  client: RegistryClient,
  repository: string,
  digest: string,
  limits?: ArtifactLimits,
): Promise<Discovery> {
  return discoverWith(new ArtifactReader(client, repository, limits), digest);
}

/** As discoverArtifacts, through a given reader (its counters tell what was fetched). */
export async function discoverWith(reader: ArtifactReader, digest: string): Promise<Discovery> {
  const incomplete: string[] = [];
  const parts = await Promise.all([
    fromCosignTag(reader, digest, "sig", incomplete),
    fromCosignTag(reader, digest, "att", incomplete),
    fromSbomTag(reader, digest),
    fromReferrers(reader, digest, incomplete),
  ]);
  return { digest, artifacts: parts.flat(), incomplete: [...new Set(incomplete)] };
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
