import { type Descriptor, ImageError, type RegistryClient } from "../../oci/index.js";
import { type ArtifactLimits, DEFAULT_ARTIFACT_LIMITS, LimitReached } from "./limits.js";

/**
 * Signature artifacts are small (a payload, an envelope, a bundle): anything larger than this is
 * refused rather than read into memory, so a hostile registry cannot exhaust it. (Signing reads
 * with this bound; discovery reads through an ArtifactReader and its ArtifactLimits.)
 */
export const MAX_ARTIFACT_BYTES = 4 * 1024 * 1024;

/** Reads a small blob whole; the client verifies it against its digest while it streams. */
export async function readSmallBlob(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  limit = MAX_ARTIFACT_BYTES,
): Promise<Buffer> {
  if (descriptor.size > limit) {
    throw new LimitReached(
      `artifact blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${limit} limit`,
    );
  }
  const stream = await client.getBlob(repository, descriptor.digest, descriptor.size);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      stream.destroy();
      throw new LimitReached(`artifact blob ${descriptor.digest} is over the ${limit} limit`);
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

/**
 * The reads of one discovery: every blob fetched at most once (by digest, however many layers or
 * referrers name it), none over `maxPayloadBytes`, and no more than `maxBytesPerDigest` in all
 * (counted by the sizes the descriptors declare, reserved before the request so concurrent reads
 * cannot overshoot; the client verifies each blob's digest, and readSmallBlob its size).
 */
export class ArtifactReader {
  readonly #blobs = new Map<string, Promise<Buffer>>();
  #reserved = 0;
  /** Blobs requested from the registry (distinct digests), for tests and metrics. */
  blobsFetched = 0;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
    readonly limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
  ) {}

  /** Bytes reserved for blobs so far (what this discovery may hold in memory). */
  get bytesRead(): number {
    return this.#reserved;
  }

  blob(descriptor: Descriptor): Promise<Buffer> {
    const known = this.#blobs.get(descriptor.digest);
    if (known) return known;
    const { maxPayloadBytes, maxBytesPerDigest } = this.limits;
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > maxPayloadBytes) {
      return Promise.reject(
        new LimitReached(
          `artifact blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${maxPayloadBytes} limit`,
        ),
      );
    }
    if (this.#reserved + descriptor.size > maxBytesPerDigest) {
      return Promise.reject(
        new LimitReached(`reading ${descriptor.digest} would pass the ${maxBytesPerDigest}-byte budget`),
      );
    }
    this.#reserved += descriptor.size;
    this.blobsFetched++;
    const read = readSmallBlob(this.client, this.repository, descriptor, descriptor.size);
    this.#blobs.set(descriptor.digest, read);
    return read;
  }

  /** A manifest (or undefined when absent), refused beyond `maxManifestBytes`. */
  async manifest(ref: string): Promise<{ bytes: Buffer; mediaType: string; digest: string } | undefined> {
    const found = await getManifestIfPresent(this.client, this.repository, ref);
    if (found && found.bytes.length > this.limits.maxManifestBytes) {
      throw new LimitReached(
        `manifest ${ref} is ${found.bytes.length} bytes, over the ${this.limits.maxManifestBytes} limit`,
      );
    }
    return found;
  }
}
