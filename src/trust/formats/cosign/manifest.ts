import { digestOf } from "../../../core/index.js";
import { type Descriptor, MEDIA_TYPE_OCI_CONFIG, parseManifest } from "../../../oci/index.js";
import { TrustError } from "../../errors.js";
import { ANNOTATION_SIGNATURE } from "./annotations.js";
import type { CosignLayer } from "./layers.js";

const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** go-containerregistry's zero time, which cosign's images carry as `created`. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** A cosign `.sig`/`.att` image ready to push: manifest bytes, config bytes, and the layers' descriptors. */
export interface CosignImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDescriptor: Descriptor;
  layers: Descriptor[];
}

export interface CosignImageOptions {
  /**
   * The image's `created` time as RFC 3339 text. cosign 2.x leaves ggcr's zero time unless
   * `--record-creation-timestamp`; cosign 1.x wrote the signing time.
   */
  created?: string;
}

/**
 * The config cosign's images carry: go-containerregistry's `empty.Image` after appending the
 * layers (one zero-time history entry and one diff_id per layer, which equals the layer digest
 * since cosign's layers are uncompressed). Key order follows ggcr's struct marshalling, so a
 * rebuilt config is byte-identical to cosign's.
 */
export function cosignConfig(layers: readonly Descriptor[], options: CosignImageOptions = {}): Buffer {
  const config = {
    architecture: "",
    created: options.created ?? ZERO_TIME,
    history: layers.map(() => ({ created: ZERO_TIME })),
    os: "",
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    config: {},
  };
  return Buffer.from(JSON.stringify(config), "utf8");
}

function descriptorJson(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (d.annotations && Object.keys(d.annotations).length > 0) out.annotations = d.annotations;
  return out;
}

/** Builds the OCI image manifest holding signature or attestation layers, as cosign pushes it. */
export function buildCosignImage(
  layers: readonly Descriptor[],
  options: CosignImageOptions = {},
): CosignImage {
  const config = cosignConfig(layers, options);
  const configDescriptor: Descriptor = {
    mediaType: MEDIA_TYPE_OCI_CONFIG,
    size: config.length,
    digest: digestOf(config),
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: descriptorJson(configDescriptor),
      layers: layers.map(descriptorJson),
    }),
    "utf8",
  );
  return { manifest, manifestDigest: digestOf(manifest), config, configDescriptor, layers: [...layers] };
}

function sameLayer(a: Descriptor, b: Descriptor): boolean {
  return (
    a.digest === b.digest &&
    (a.annotations?.[ANNOTATION_SIGNATURE] ?? "") === (b.annotations?.[ANNOTATION_SIGNATURE] ?? "")
  );
}

/**
 * Appends a layer to an existing cosign image (bytes as fetched), unless the same payload with the
 * same signature is already there (cosign's mutate.AppendSignatures dedupes the same way).
 * Returns the new image and whether anything changed.
 */
export function appendCosignLayer(
  existing: Uint8Array | undefined,
  layer: CosignLayer | Descriptor,
  options: CosignImageOptions = {},
): { image: CosignImage; added: boolean } {
  const descriptor = "descriptor" in layer ? layer.descriptor : layer;
  const layers = existing ? readCosignManifest(existing).layers : [];
  if (layers.some((l) => sameLayer(l, descriptor)))
    return { image: buildCosignImage(layers, options), added: false };
  return { image: buildCosignImage([...layers, descriptor], options), added: true };
}

/** Reads a cosign image manifest (validated by the OCI parser) and returns its layer descriptors. */
export function readCosignManifest(bytes: Uint8Array): { layers: Descriptor[]; config?: Descriptor } {
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(bytes, undefined);
  } catch (cause) {
    throw new TrustError("MANIFEST_INVALID", "cosign artifact manifest is not a valid OCI manifest", {
      cause,
    });
  }
  if (parsed.kind !== "image")
    throw new TrustError("MANIFEST_INVALID", "cosign artifact manifest is an index, not an image");
  return parsed.config ? { layers: parsed.layers, config: parsed.config } : { layers: parsed.layers };
}
