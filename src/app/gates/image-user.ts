import { Readable } from "node:stream";
import type { EvidenceSubject, ImageUserEvidence, ImageUserSource } from "../../evidence/index.js";
import {
  DEFAULT_PLATFORM,
  type Descriptor,
  ImageError,
  type Platform,
  parseManifest,
  pickManifest,
  type ReadFilesLimits,
  readImageFiles,
  resolveUser,
} from "../../oci/index.js";
import type { Registry } from "../../registry/index.js";
import type { ClientFor } from "./clients.js";
import { type ConfigReads, clientReads } from "./image-config.js";
import { type PendingManifest, registryServiceReads } from "./registry-config.js";

const USER_FILES = ["/etc/passwd", "/etc/group"];
/** Resolved users the registry-service source keeps (oldest dropped first). */
const MAX_RESOLVED = 4096;

/** The layers of the image a digest runs: its own, or for an index those of the child for `platform`. */
async function layersOf(
  reads: ConfigReads,
  subject: EvidenceSubject,
  platform: Platform,
): Promise<Descriptor[]> {
  const top = await reads.manifest(subject.repository, subject.digest);
  let parsed = parseManifest(top.bytes, top.mediaType);
  if (parsed.kind === "index") {
    // The same child readImageConfig reads the User from.
    const child = pickManifest(parsed.manifests, platform);
    if (!child)
      throw new Error(`${subject.repository}@${subject.digest} has no image for the wanted platform`);
    const childManifest = await reads.manifest(subject.repository, child.digest);
    parsed = parseManifest(childManifest.bytes, childManifest.mediaType);
  }
  if (parsed.kind !== "image") throw new Error(`${subject.repository}@${subject.digest} is not an image`);
  return [...(parsed.layers ?? [])];
}

/**
 * Resolves a config User through the image's final /etc/passwd and /etc/group: the layers are
 * streamed once through the walker (oci readImageFiles: whiteouts, later layers and links as a
 * container sees them; bounded in layers, bytes and file size) and the User is resolved as runc does
 * (oci resolveUser). A read that fails or reaches a bound throws, so the gate records a `users`
 * evidence error and the rule's failurePolicy decides (fail by default), never "no such file".
 */
export async function readImageUser(
  reads: ConfigReads,
  subject: EvidenceSubject,
  user: string,
  options: {
    readonly platform: Platform;
    readonly signal?: AbortSignal;
    readonly limits?: Partial<ReadFilesLimits>;
  },
): Promise<ImageUserEvidence> {
  const layers = await layersOf(reads, subject, options.platform);
  const files = await readImageFiles(
    {
      layers,
      async openLayer(index) {
        options.signal?.throwIfAborted();
        const layer = layers[index]!;
        const stream = Readable.from(await reads.blob(subject.repository, layer.digest, layer.size));
        options.signal?.addEventListener("abort", () => stream.destroy(options.signal!.reason as Error), {
          once: true,
        });
        return stream;
      },
    },
    USER_FILES,
    options.limits,
  ).catch((err: unknown) => {
    if (err instanceof ImageError)
      throw new Error(`cannot read the image's /etc/passwd: ${err.message}`, { cause: err });
    throw err;
  });
  const resolved = resolveUser(user, files.get("/etc/passwd"), files.get("/etc/group"));
  return resolved.ok ? { user, uid: resolved.uid, gid: resolved.gid } : { user, unresolved: resolved.reason };
}

/** The image user of a digest read with the registry client (every layer verified by digest as it streams). */
export function registryImageUserSource(
  clientFor: ClientFor,
  platform: Platform = DEFAULT_PLATFORM,
  limits?: Partial<ReadFilesLimits>,
): ImageUserSource {
  return {
    async imageUser(subject, user, signal) {
      return readImageUser(clientReads(await clientFor(subject.registry)), subject, user, {
        platform,
        signal,
        ...(limits ? { limits } : {}),
      });
    },
  };
}

/**
 * The image user of a digest read from this server's own registry service: the manifest (the pending
 * one during a push, whose layers are stored before it) and layers from the blob store, verified when
 * they were pushed (as scan on push reads them, app/scanning openRegistryImage). The registry's gates
 * keep no evidence cache, so resolved users are kept here by digest and User (an image never changes):
 * a pull decision that outlives the decision cache does not walk the layers again.
 */
export function registryServiceUserSource(
  registry: () => Registry,
  pending: (digest: string) => PendingManifest | undefined = () => undefined,
  platform: Platform = DEFAULT_PLATFORM,
  limits?: Partial<ReadFilesLimits>,
): ImageUserSource {
  const reads = registryServiceReads(registry, pending);
  const resolved = new Map<string, ImageUserEvidence>();
  return {
    async imageUser(subject, user, signal) {
      const key = `${subject.repository}@${subject.digest} ${user}`;
      const known = resolved.get(key);
      if (known !== undefined) return known;
      const found = await readImageUser(reads, subject, user, {
        platform,
        signal,
        ...(limits ? { limits } : {}),
      });
      if (resolved.size >= MAX_RESOLVED) resolved.delete(resolved.keys().next().value!);
      resolved.set(key, found);
      return found;
    },
  };
}
