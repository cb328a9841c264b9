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
 * The config of a digest read with the registry client: the manifest (for an index, the child for
 * `platform`, linux/amd64 by default, as openImage picks it), then its config blob, verified by digest
 * while streaming. `User` and `Labels` come from the config's `config` object (OCI image-spec
 * config.md); annotations from the image manifest, over the index's.
 */
export function registryImageConfigSource(
  clientFor: ClientFor,
  platform: Platform = DEFAULT_PLATFORM,
): ImageConfigSource {
  return {
    async imageConfig(subject: EvidenceSubject): Promise<ImageConfigEvidence> {
      const client: RegistryClient = await clientFor(subject.registry);
      const fetched = await client.getManifest(subject.repository, subject.digest);
      let parsed = parseManifest(fetched.bytes, fetched.mediaType);
      let annotations: Record<string, string> = { ...parsed.annotations };
      if (parsed.kind === "index") {
        const child = pickManifest(parsed.manifests, platform);
        if (!child)
          throw new Error(`${subject.repository}@${subject.digest} has no image for the wanted platform`);
        const childManifest = await client.getManifest(subject.repository, child.digest);
        parsed = parseManifest(childManifest.bytes, childManifest.mediaType);
        annotations = { ...annotations, ...parsed.annotations };
      }
      if (parsed.kind !== "image" || !parsed.config) {
        throw new Error(`${subject.repository}@${subject.digest} is not an image`);
      }
      const what = `config ${parsed.config.digest}`;
      const bytes = await readLimited(
        await client.getBlob(subject.repository, parsed.config.digest, parsed.config.size),
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
    },
  };
}
