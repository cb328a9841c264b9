import { isNonDistributable, type ParsedManifest } from "../oci/index.js";
import { RegistryError } from "./errors.js";

/** A descriptor of a manifest with where it sits (`config`, `layers[2]`, `manifests[0]`, `subject`). */
export interface NamedDescriptor {
  readonly name: string;
  readonly digest: string;
  readonly size: number;
}

/**
 * The blobs an image manifest names and the repository must hold: its config, then its layers.
 * Non-distributable (foreign) layers are fetched from their `urls`, never from us, so they are left out.
 */
export function namedBlobs(manifest: ParsedManifest): NamedDescriptor[] {
  if (manifest.kind !== "image") return [];
  const named: NamedDescriptor[] = [];
  if (manifest.config !== undefined) named.push(describe("config", manifest.config));
  manifest.layers.forEach((layer, i) => {
    if (!isNonDistributable(layer.mediaType)) named.push(describe(`layers[${i}]`, layer));
  });
  return named;
}

/** The child manifests of an index, which the repository must hold. */
export function namedChildren(manifest: ParsedManifest): NamedDescriptor[] {
  return manifest.kind === "index" ? manifest.manifests.map((m, i) => describe(`manifests[${i}]`, m)) : [];
}

/** The subject, which OCI 1.1 lets be absent; its size is checked only when the repository holds it. */
export function namedSubject(manifest: ParsedManifest): NamedDescriptor[] {
  return manifest.subject ? [describe("subject", manifest.subject)] : [];
}

/**
 * Refuses a descriptor whose `size` is not the size of the content it names (OCI image spec,
 * descriptor.md: `size` is the size in bytes of the raw content, and clients read and verify exactly
 * that many). Stored with a wrong size, a manifest is accepted but breaks every pull. `actual` holds the
 * stored sizes by digest; a digest missing from it is not checked here (its absence is the caller's rule).
 */
export function checkDescriptorSizes(
  descriptors: readonly NamedDescriptor[],
  actual: ReadonlyMap<string, number>,
): void {
  for (const d of descriptors) {
    const stored = actual.get(d.digest);
    if (stored === undefined || stored === d.size) continue;
    throw new RegistryError(
      "MANIFEST_INVALID",
      `descriptor ${d.name} (${d.digest}) declares size ${d.size}, but the stored content is ${stored} bytes`,
      { detail: { descriptor: d.name, digest: d.digest, size: d.size, actualSize: stored } },
    );
  }
}

function describe(name: string, d: { digest: string; size: number }): NamedDescriptor {
  return { name, digest: d.digest, size: d.size };
}
