import { type Descriptor, ImageError, type RegistryClient } from "../../oci/index.js";

/**
 * Signature artifacts are small (a payload, an envelope, a bundle): anything larger than this is
 * refused rather than read into memory, so a hostile registry cannot exhaust it.
 */
export const MAX_ARTIFACT_BYTES = 4 * 1024 * 1024;

/** Reads a small blob whole; the client verifies it against its digest while it streams. */
export async function readSmallBlob(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
): Promise<Buffer> {
  if (descriptor.size > MAX_ARTIFACT_BYTES) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `artifact blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${MAX_ARTIFACT_BYTES} limit`,
    );
  }
  const stream = await client.getBlob(repository, descriptor.digest, descriptor.size);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_ARTIFACT_BYTES) {
      stream.destroy();
      throw new ImageError("LAYER_LIMIT_EXCEEDED", `artifact blob ${descriptor.digest} is too large`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A manifest by tag or digest, or undefined when the registry says it does not exist. */
export async function getManifestIfPresent(
  client: RegistryClient,
  repository: string,
  ref: string,
  accept?: readonly string[],
): Promise<{ bytes: Buffer; mediaType: string; digest: string } | undefined> {
  try {
    return await client.getManifest(repository, ref, accept);
  } catch (err) {
    if (err instanceof ImageError && err.code === "IMAGE_NOT_FOUND") return undefined;
    throw err;
  }
}
