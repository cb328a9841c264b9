import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { digestOf, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from "../../src/server/testing.js";

/**
 * The content the OCI conformance suite pushes (its setup.go at v1.1.1), rebuilt here: one config and
 * one image manifest per workflow (index 0 pull, 1 push, 2 content discovery, 3 content management,
 * 4 the referrers' subject), a shared gzip layer, a manifest without layers, two small blobs, and the
 * referrer artifacts. Where the suite draws random bytes, these are derived from fixed strings, so a run
 * is the same every time; the shapes (tab-indented JSON, descriptors with `data` and an unknown field)
 * are the suite's, since they test that a registry keeps and serves what it does not understand.
 */

export const EMPTY_JSON = "application/vnd.oci.empty.v1+json";
export const ANNOTATION_KEY = "org.opencontainers.conformance.test";
export const ARTIFACT_TYPE_A = "application/vnd.example.conformance.a";
export const ARTIFACT_TYPE_B = "application/vnd.example.conformance.b";
export const ARTIFACT_TYPE_INDEX = "application/vnd.example.conformance.index";
/** The suite's name for a manifest reference that cannot exist. */
export const NONEXISTENT_MANIFEST = ".INVALID_MANIFEST_NAME";

export interface Blob {
  readonly content: Buffer;
  readonly digest: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

function blob(content: Buffer | string): Blob {
  const bytes = Buffer.from(content);
  return { content: bytes, digest: digestOf(bytes) };
}

/** `size` bytes that look random but are fixed: SHA-512 of a label, repeated as needed. */
export function fixedBytes(label: string, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 64 < size; i++) {
    parts.push(createHash("sha512").update(`${label}/${i}`).digest());
  }
  return Buffer.concat(parts).subarray(0, size);
}

/** Go's json.MarshalIndent(v, "", "\t") for the values used here. */
function marshal(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, "\t"));
}

function describe(mediaType: string, b: Blob): Descriptor {
  return { mediaType, digest: b.digest, size: b.content.length };
}

/**
 * A descriptor as the suite writes it: `newUnspecifiedField` is always present (null unless set),
 * and the config descriptor embeds its content as `data`.
 */
function suiteDescriptor(d: Descriptor, extra: { data?: Buffer; unspecified?: string } = {}) {
  return {
    ...d,
    ...(extra.data ? { data: extra.data.toString("base64") } : {}),
    newUnspecifiedField: extra.unspecified ? Buffer.from(extra.unspecified).toString("base64") : null,
  };
}

const WORKFLOWS = 5;

export const configs: Blob[] = Array.from({ length: WORKFLOWS }, (_, i) =>
  blob(
    marshal({
      author: `conformance-author-${i}`,
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [] },
    }),
  ),
);

/** A small gzip stream standing in for the suite's one-file tarball: the registry never reads it. */
export const layer: Blob = blob(gzipSync(Buffer.from("conformance layer\n"), { level: 9 }));

const layerDescriptor = describe(OCI_LAYER, layer);

export const manifests: Blob[] = configs.map((config) =>
  blob(
    marshal({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: suiteDescriptor(describe(OCI_CONFIG, config), {
        data: config.content,
        unspecified: "hello world",
      }),
      layers: [suiteDescriptor(layerDescriptor)],
    }),
  ),
);

/** An image manifest with no layers and no `mediaType` field (typed by the request's Content-Type). */
export const emptyLayerManifest: Blob = blob(
  marshal({
    schemaVersion: 2,
    config: suiteDescriptor(describe(OCI_CONFIG, configs[1]!), {
      data: configs[1]!.content,
      unspecified: "hello world",
    }),
    layers: [],
  }),
);

/** The streamed and mounted blob (42 bytes in the suite). */
export const blobA: Blob = blob(fixedBytes("conformance blob A", 42));

/** The chunked blob: 42 bytes sent as 0-21 then 22-41, as the suite splits it. */
export const blobB: Blob = blob(fixedBytes("conformance blob B", 42));
export const blobBChunks = (() => {
  const cut = Math.floor(blobB.content.length / 2) + 1;
  const first = blobB.content.subarray(0, cut);
  const second = blobB.content.subarray(cut);
  return [
    { content: first, range: `0-${cut - 1}` },
    { content: second, range: `${cut}-${blobB.content.length - 1}` },
  ] as const;
})();

/** A digest nothing in the registry has (the suite's "hello world"). */
export const dummyDigest = digestOf("hello world");

export const emptyJson: Blob = blob("{}");
export const refBlobA: Blob = blob("conformance referrer payload A");
export const refBlobB: Blob = blob("conformance referrer payload B");

const emptyJsonDescriptor = describe(EMPTY_JSON, emptyJson);

function subjectOf(m: Blob): Descriptor {
  return describe(OCI_MANIFEST, m);
}

/** An artifact whose type is its config's media type. */
function configArtifact(type: string, payload: Blob, subject: Blob, note: string) {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: suiteDescriptor(describe(type, payload)),
    subject: suiteDescriptor(subjectOf(subject)),
    layers: [suiteDescriptor(emptyJsonDescriptor)],
    annotations: { [ANNOTATION_KEY]: note },
  };
}

/** An artifact with `artifactType` set and the empty JSON config (the spec's recommended form). */
function layerArtifact(type: string, payload: Blob, subject: Blob, note?: string) {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: type,
    config: suiteDescriptor(emptyJsonDescriptor),
    subject: suiteDescriptor(subjectOf(subject)),
    layers: [suiteDescriptor(describe(type, payload))],
    ...(note ? { annotations: { [ANNOTATION_KEY]: note } } : {}),
  };
}

const subject = manifests[4]!;
export const refs = {
  aConfig: blob(marshal(configArtifact(ARTIFACT_TYPE_A, refBlobA, subject, "test config a"))),
  bConfig: blob(marshal(configArtifact(ARTIFACT_TYPE_B, refBlobB, subject, "test config b"))),
  aLayer: blob(marshal(layerArtifact(ARTIFACT_TYPE_A, refBlobA, subject, "test layer a"))),
  bLayer: blob(marshal(layerArtifact(ARTIFACT_TYPE_B, refBlobB, subject, "test layer b"))),
  /** Refers to manifests[3], which is not pushed until the content management workflow. */
  cLayer: blob(marshal(layerArtifact(ARTIFACT_TYPE_B, refBlobB, manifests[3]!))),
};

export const refsIndex: Blob = blob(
  marshal({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    artifactType: ARTIFACT_TYPE_INDEX,
    manifests: [suiteDescriptor(subjectOf(refs.aConfig)), suiteDescriptor(subjectOf(refs.aLayer))],
    subject: suiteDescriptor(subjectOf(subject)),
    annotations: { [ANNOTATION_KEY]: "test index" },
  }),
);

/** The annotation each referrer of manifests[4] must carry in the referrers list. */
export const referrerAnnotations: ReadonlyMap<string, string> = new Map([
  [refs.aConfig.digest, "test config a"],
  [refs.bConfig.digest, "test config b"],
  [refs.aLayer.digest, "test layer a"],
  [refs.bLayer.digest, "test layer b"],
  [refsIndex.digest, "test index"],
]);

/** Every error code the distribution specification defines ("Error Codes"). */
export const SPEC_ERROR_CODES: ReadonlySet<string> = new Set([
  "BLOB_UNKNOWN",
  "BLOB_UPLOAD_INVALID",
  "BLOB_UPLOAD_UNKNOWN",
  "DIGEST_INVALID",
  "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN",
  "MANIFEST_UNVERIFIED",
  "NAME_INVALID",
  "NAME_UNKNOWN",
  "SIZE_INVALID",
  "TAG_INVALID",
  "UNAUTHORIZED",
  "DENIED",
  "UNSUPPORTED",
]);
