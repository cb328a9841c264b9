import { digestOf } from "../../../core/index.js";
import type { Actor, Registry } from "../../../registry/index.js";
import {
  buildCosignImage,
  buildSimpleSigningPayload,
  cosignTag,
  type GeneratedKeyPair,
  signatureLayer,
  signBytes,
} from "../../../trust/index.js";

const ACTOR: Actor = { subject: "alice", kind: "user" };

/** One buffer as the byte stream the registry's uploads take. */
export async function* once(data: Buffer): AsyncIterable<Uint8Array> {
  yield data;
}

export interface TestImageOptions {
  /** The config's `architecture` (amd64 by default). */
  readonly architecture?: string;
  /** The config's `config` object (User, Labels, ...). */
  readonly config?: Record<string, unknown>;
  readonly actor?: Actor;
}

/**
 * Pushes a layerless OCI image through the registry service (config blob, then the manifest under
 * `tag`), as the gate tests need one: its digest and manifest size, for an index to list it.
 */
export async function pushConfigOnlyImage(
  registry: Registry,
  repository: string,
  tag: string,
  options: TestImageOptions = {},
): Promise<{ digest: string; size: number }> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? "amd64",
      os: "linux",
      ...(options.config ? { config: options.config } : {}),
      rootfs: { type: "layers", diff_ids: [] },
    }),
  );
  await registry.uploads.putMonolithic(repository, digestOf(config), once(config));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: digestOf(config),
        size: config.length,
      },
      layers: [],
    }),
  );
  const put = await registry.manifests.put(repository, tag, manifest, undefined, [], options.actor ?? ACTOR);
  return { digest: put.digest, size: manifest.length };
}

/**
 * What `portcullis sign` stores under cosign's tag scheme: a simple-signing layer under `.sig`, signed by
 * `key` for `host/repository`. Answers the tag.
 */
export async function pushCosignSignature(
  registry: Registry,
  repository: string,
  digest: string,
  key: GeneratedKeyPair,
  host: string,
  actor: Actor = ACTOR,
): Promise<string> {
  const payload = buildSimpleSigningPayload({
    dockerReference: `${host}/${repository}`,
    manifestDigest: digest,
  });
  const layer = signatureLayer(payload, signBytes(key, payload));
  const image = buildCosignImage([layer.descriptor]);
  await registry.uploads.putMonolithic(repository, layer.descriptor.digest, once(layer.data));
  await registry.uploads.putMonolithic(repository, image.configDescriptor.digest, once(image.config));
  const tag = cosignTag(digest, "sig");
  await registry.manifests.put(repository, tag, image.manifest, undefined, [], actor);
  return tag;
}
