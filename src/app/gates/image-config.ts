import type { EvidenceSubject, ImageConfigEvidence, ImageConfigSource } from "../../evidence/index.js";
import {
  DEFAULT_PLATFORM,
  type Platform,
  parseManifest,
  pickManifest,
  type RegistryClient,
} from "../../oci/index.js";
import type { ClientFor } from "./clients.js";

/** Image configs are small; anything larger is a mistake or an attack (as oci/sources' 8 MiB). */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The two reads a config needs, over a registry client or the registry service itself. */
export interface ConfigReads {
  manifest(repository: string, digest: string): Promise<{ bytes: Buffer; mediaType: string }>;
  blob(repository: string, digest: string, size: number): Promise<AsyncIterable<Uint8Array>>;
}

async function readLimited(stream: AsyncIterable<Uint8Array>, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_CONFIG_BYTES) throw new Error(`${what} is larger than ${MAX_CONFIG_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * The config of a digest: the manifest (for an index, the child for `platform`, as openImage picks
 * it), then its config blob, bounded in size. `User` and `Labels` come from the config's `config`
 * object (OCI image-spec config.md); annotations from the image manifest, over the index's.
 */
export async function readImageConfig(
  reads: ConfigReads,
  subject: EvidenceSubject,
  platform: Platform,
): Promise<ImageConfigEvidence> {
  const top = await reads.manifest(subject.repository, subject.digest);
  let parsed = parseManifest(top.bytes, top.mediaType);
  let annotations: Record<string, string> = { ...parsed.annotations };
  if (parsed.kind === "index") {
    const child = pickManifest(parsed.manifests, platform);
    if (!child)
      throw new Error(`${subject.repository}@${subject.digest} has no image for the wanted platform`);
    const childManifest = await reads.manifest(subject.repository, child.digest);
    parsed = parseManifest(childManifest.bytes, childManifest.mediaType);
    annotations = { ...annotations, ...parsed.annotations };
  }
  if (parsed.kind !== "image" || !parsed.config) {
    throw new Error(`${subject.repository}@${subject.digest} is not an image`);
  }
  const what = `config ${parsed.config.digest}`;
  if (parsed.config.size > MAX_CONFIG_BYTES)
    throw new Error(`${what} is larger than ${MAX_CONFIG_BYTES} bytes`);
  const bytes = await readLimited(
    await reads.blob(subject.repository, parsed.config.digest, parsed.config.size),
    what,
  );
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`${what} is not JSON: ${(err as Error).message}`);
  }
  const config = (doc as { config?: { User?: unknown; Labels?: unknown } } | null)?.config ?? {};
  const labels = stringRecord(config.Labels);
  return {
    user: typeof config.User === "string" ? config.User : "",
    ...(labels ? { labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/**
 * The config of a digest read with the registry client (the blob verified by digest while streaming),
 * for the platform's image of an index (linux/amd64 by default).
 */
/** The two reads over a registry client (every blob verified by digest as it streams). */
export function clientReads(client: RegistryClient): ConfigReads {
  return {
    manifest: (repository, digest) => client.getManifest(repository, digest),
    blob: (repository, digest, size) => client.getBlob(repository, digest, size),
  };
}

export function registryImageConfigSource(
  clientFor: ClientFor,
  platform: Platform = DEFAULT_PLATFORM,
): ImageConfigSource {
  return {
    async imageConfig(subject: EvidenceSubject): Promise<ImageConfigEvidence> {
      return readImageConfig(clientReads(await clientFor(subject.registry)), subject, platform);
    },
  };
}
