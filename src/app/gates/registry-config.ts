import type { EvidenceSubject, ImageConfigEvidence, ImageConfigSource } from "../../evidence/index.js";
import { DEFAULT_PLATFORM, type Platform, parseManifest, platformMatches } from "../../oci/index.js";
import { type Registry, SYSTEM_ACTOR } from "../../registry/index.js";

/** Image configs are small; anything larger is a mistake or an attack (as image-config.ts). */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** A manifest being pushed: the push gate decides before it is stored, so it is not readable yet. */
export interface PendingManifest {
  readonly content: Buffer;
  readonly mediaType: string;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * The config of a digest read from this server's own registry service, without HTTP: the manifest (the
 * pending one while it is being pushed; for an index the child for `platform`, which a client pushes
 * before the index), then its config blob. Labels and User come from the config's `config` object, and
 * annotations from the manifest over the index's (OCI image-spec config.md, manifest.md), as
 * registryImageConfigSource reads them from a remote registry.
 */
export function registryServiceConfigSource(
  registry: () => Registry,
  pending: (digest: string) => PendingManifest | undefined = () => undefined,
  platform: Platform = DEFAULT_PLATFORM,
): ImageConfigSource {
  const manifest = async (repository: string, digest: string): Promise<PendingManifest> =>
    pending(digest) ?? (await registry().manifests.get(repository, digest, SYSTEM_ACTOR, false));

  return {
    async imageConfig(subject: EvidenceSubject): Promise<ImageConfigEvidence> {
      const top = await manifest(subject.repository, subject.digest);
      let parsed = parseManifest(top.content, top.mediaType);
      let annotations: Record<string, string> = { ...parsed.annotations };
      if (parsed.kind === "index") {
        const child = parsed.manifests.find((d) => d.platform && platformMatches(platform, d.platform));
        if (!child)
          throw new Error(`${subject.repository}@${subject.digest} has no image for the wanted platform`);
        const childManifest = await manifest(subject.repository, child.digest);
        parsed = parseManifest(childManifest.content, childManifest.mediaType);
        annotations = { ...annotations, ...parsed.annotations };
      }
      if (parsed.kind !== "image" || !parsed.config) {
        throw new Error(`${subject.repository}@${subject.digest} is not an image`);
      }
      const what = `config ${parsed.config.digest}`;
      if (parsed.config.size > MAX_CONFIG_BYTES)
        throw new Error(`${what} is larger than ${MAX_CONFIG_BYTES} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of await registry().blobs.stream(subject.repository, parsed.config.digest)) {
        size += (chunk as Buffer).length;
        if (size > MAX_CONFIG_BYTES) throw new Error(`${what} is larger than ${MAX_CONFIG_BYTES} bytes`);
        chunks.push(chunk as Buffer);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
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
