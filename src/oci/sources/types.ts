import type { Readable } from "node:stream";
import type { Descriptor, Platform } from "../descriptor.js";
import type { ParsedManifest } from "../manifest.js";

/**
 * The image configuration fields Portcullis reads (image-spec config.md). Unknown fields are kept
 * in the raw bytes; everything here is optional because configs in the wild omit most of it.
 */
export interface ImageConfig {
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** A content-addressed image read from a registry, an OCI layout, an oci-archive or a docker-archive. */
export interface OpenedManifestImage {
  kind: "image";
  /** What was opened, for messages: "registry localhost:5000/app:1", "oci:/tmp/layout:v1", ... */
  description: string;
  /** The image reference, when the source has one (registry reference or archive tag). */
  reference?: string;
  /** Digest of the image manifest (for docker-archive: of the Docker v2 manifest synthesised from it). */
  digest: string;
  /** Digest of the index the manifest was picked from, when there was one. */
  indexDigest?: string;
  /** The platform asked for when an index was resolved. */
  platform?: Platform;
  manifest: { parsed: ParsedManifest; bytes: Buffer; mediaType: string };
  config: { digest: string; bytes: Buffer; parsed: ImageConfig };
  layers: Descriptor[];
  /** The layer's blob, verified against its descriptor while streaming (errors at the end on mismatch). */
  openLayer(index: number): Promise<Readable>;
  close(): Promise<void>;
}

/** A plain directory (`dir:ROOTFS`): a file system without manifest, config or digests. */
export interface OpenedDirectory {
  kind: "directory";
  description: string;
  root: string;
  close(): Promise<void>;
}

export type OpenedImage = OpenedManifestImage | OpenedDirectory;

export interface OpenImageOptions {
  /** Platform to pick from a multi-platform index; default linux/amd64. */
  platform?: Platform;
  /** Registry access (registry references only). */
  registry?: {
    credentials?: { username: string; password: string };
    /** Text of a ~/.docker/config.json to take credentials from (the caller reads the file). */
    dockerConfig?: string;
    insecure?: boolean;
    timeoutMs?: number;
  };
  /** Largest manifest or config read into memory; default 8 MiB. */
  maxMetadataBytes?: number;
}
