import { gzipSync } from "node:zlib";
import { digestOf, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "../../src/server/testing.js";
import { fixedBytes } from "./fixtures.js";
import type { Algorithm } from "./next-pushes.js";

/**
 * A TypeScript rebuild of the development suite's test-data generator (testdata.go at 967efdc): images,
 * indexes and artifacts with their blobs, in push order, with the tags and referrers each should
 * produce. Random parts of the suite (file contents, unique annotations, custom field names) come from a
 * counter here, so every run pushes the same bytes. Layers are compressed or plain text rather than
 * tarballs: the registry stores layers without reading them.
 */

export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const EMPTY_JSON = "application/vnd.oci.empty.v1+json";
export const EXAMPLE_1 = "application/vnd.example.oci.conformance.1";
export const EXAMPLE_2 = "application/vnd.example.oci.conformance.2";
export const OCTET_STREAM = "application/octet-stream";

export interface Platform {
  readonly os: string;
  readonly architecture: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

export interface GenOptions {
  algorithm?: Algorithm;
  annotations?: Record<string, string>;
  /** Add one annotation with a key of its own to each manifest (the suite's genWithAnnotationUniq). */
  annotationUniq?: boolean;
  artifactType?: string;
  uncompressed?: boolean;
  configBytes?: Buffer;
  configMediaType?: string;
  /** Embed every descriptor's content as `data`. */
  setData?: boolean;
  /** Add a field no specification defines to configs, manifests and indexes. */
  extraField?: boolean;
  layerBytes?: Buffer;
  layerCount?: number;
  layerMediaType?: string;
  platform?: Platform;
  platforms?: Platform[];
  subject?: Descriptor;
  tag?: string;
}

export const AMD64: Platform = { os: "linux", architecture: "amd64" };
export const ARM64: Platform = { os: "linux", architecture: "arm64" };

export class TestData {
  readonly blobs = new Map<string, Buffer>();
  readonly desc = new Map<string, Descriptor>();
  readonly manifests = new Map<string, Buffer>();
  readonly manOrder: string[] = [];
  readonly tags = new Map<string, string>();
  readonly referrers = new Map<string, Descriptor[]>();
  /** Manifests pushed with `?tag=` parameters (the suite's TagParam flag). */
  tagParam = false;
  /** Manifests whose bytes no longer match their digest: the push must be refused with 400. */
  readonly badDigest = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh label standing in for the suite's random text. */
  unique(): string {
    this.counter += 1;
    return `${this.name}-${this.counter}`;
  }

  addBlob(bytes: Buffer, mediaType: string, o: GenOptions): string {
    const digest = digestOf(bytes, o.algorithm ?? "sha256");
    this.blobs.set(digest, bytes);
    this.desc.set(digest, {
      mediaType,
      digest,
      size: bytes.length,
      ...(o.setData ? { data: bytes.toString("base64") } : {}),
    });
    return digest;
  }

  /** A layer; returns its digest as stored and the digest of its uncompressed content (diff id). */
  genLayer(n: number, o: GenOptions): { digest: string; diffId: string } {
    const plain = Buffer.from(`Conformance test file contents for file number ${n}.\n${this.unique()}\n`);
    const stored = o.uncompressed ? plain : gzipSync(plain);
    const digest = this.addBlob(stored, o.uncompressed ? OCI_LAYER_TAR : OCI_LAYER_GZIP, o);
    return { digest, diffId: digestOf(plain, o.algorithm ?? "sha256") };
  }

  genConfig(platform: Platform, diffIds: string[], o: GenOptions): string {
    const config = {
      author: "OCI Conformance Test",
      ...platform,
      rootfs: { type: "layers", diff_ids: diffIds },
    };
    return this.addBlob(json(this.extra(config, o)), OCI_CONFIG, o);
  }

  genManifest(config: Descriptor, layers: Descriptor[], o: GenOptions): string {
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(o.artifactType ? { artifactType: o.artifactType } : {}),
      config,
      layers,
      ...(o.subject ? { subject: o.subject } : {}),
      ...this.annotations(o),
    };
    const artifactType = o.artifactType ?? config.mediaType;
    return this.addManifest(
      json(this.extra(manifest, o)),
      OCI_MANIFEST,
      artifactType,
      manifest.annotations,
      o,
    );
  }

  /** An image (or artifact) with its layers and config (the suite's genManifestFull). */
  genManifestFull(o: GenOptions): string {
    const layers: string[] = [];
    const diffIds: string[] = [];
    for (let i = 0; i < (o.layerCount ?? 2); i++) {
      if (
        o.layerMediaType === undefined ||
        o.layerMediaType.startsWith("application/vnd.oci.image.layer.v1.")
      ) {
        const layer = this.genLayer(i, o);
        layers.push(layer.digest);
        diffIds.push(layer.diffId);
      } else {
        const bytes = o.layerBytes ?? fixedBytes(this.unique(), 2048);
        const digest = this.addBlob(bytes, o.layerMediaType, o);
        layers.push(digest);
        diffIds.push(digest);
      }
    }
    const config =
      o.configMediaType === undefined || o.configMediaType === OCI_CONFIG
        ? this.genConfig(o.platform ?? AMD64, diffIds, o)
        : this.addBlob(o.configBytes ?? Buffer.from("{}"), o.configMediaType, o);
    return this.genManifest(
      this.desc.get(config)!,
      layers.map((d) => this.desc.get(d)!),
      o,
    );
  }

  genIndex(platforms: Array<Platform | undefined>, children: string[], o: GenOptions): string {
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      ...(o.artifactType ? { artifactType: o.artifactType } : {}),
      manifests: children.map((d, i) => ({
        ...this.desc.get(d)!,
        ...(platforms[i] ? { platform: platforms[i] } : {}),
      })),
      ...(o.subject ? { subject: o.subject } : {}),
      ...this.annotations(o),
    };
    return this.addManifest(json(this.extra(index, o)), OCI_INDEX, o.artifactType, index.annotations, o);
  }

  /** An index of one image per platform; the options apply to every image too, as in the suite. */
  genIndexFull(o: GenOptions): string {
    const platforms = o.platforms ?? [AMD64, ARM64];
    const images = platforms.map((platform) => this.genManifestFull({ ...o, platform }));
    return this.genIndex(platforms, images, o);
  }

  private addManifest(
    body: Buffer,
    mediaType: string,
    artifactType: string | undefined,
    annotations: Record<string, string> | undefined,
    o: GenOptions,
  ): string {
    const digest = digestOf(body, o.algorithm ?? "sha256");
    this.manifests.set(digest, body);
    this.manOrder.push(digest);
    this.desc.set(digest, {
      mediaType,
      digest,
      size: body.length,
      ...(o.setData ? { data: body.toString("base64") } : {}),
    });
    if (o.subject) {
      const list = this.referrers.get(o.subject.digest) ?? [];
      list.push({
        mediaType,
        digest,
        size: body.length,
        ...(artifactType ? { artifactType } : {}),
        ...(annotations ? { annotations } : {}),
      });
      this.referrers.set(o.subject.digest, list);
    }
    if (o.tag) this.tags.set(o.tag, digest);
    return digest;
  }

  private annotations(o: GenOptions): { annotations?: Record<string, string> } {
    if (!o.annotationUniq) return o.annotations ? { annotations: o.annotations } : {};
    return { annotations: { ...o.annotations, [`org.example.${this.unique()}`]: this.unique() } };
  }

  private extra<T extends object>(value: T, o: GenOptions): T {
    return o.extraField ? { ...value, [`org.${this.unique()}`]: this.unique() } : value;
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
