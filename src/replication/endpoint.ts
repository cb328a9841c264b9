import type { Readable } from "node:stream";
import type { Descriptor } from "../oci/index.js";

/** A manifest as read from an endpoint: its exact bytes (their digest is the manifest's identity). */
export interface EndpointManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

/**
 * One side of a replication: this Portcullis (in-process, local.ts) or another registry over the OCI
 * Distribution API (remote.ts). The copy engine sees only this, so the same code pushes, pulls and
 * is tested against any pair.
 */
export interface RegistryEndpoint {
  /** For results and logs: `local` or the remote's host. */
  readonly name: string;
  /** Every repository (the catalog). */
  repositories(): Promise<string[]>;
  /** Every tag of `repository`; empty when it does not exist. */
  tags(repository: string): Promise<string[]>;
  /** The digest `reference` (a tag or digest) names now, or undefined when absent. */
  resolve(repository: string, reference: string): Promise<string | undefined>;
  getManifest(repository: string, reference: string): Promise<EndpointManifest>;
  /** Stores the manifest under `reference` (a tag, or its digest). */
  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void>;
  deleteManifest(repository: string, digest: string): Promise<void>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  getBlob(repository: string, digest: string, size: number): Promise<Readable>;
  /** Links a blob the endpoint already holds in `from` into `repository`; false when it cannot. */
  mountBlob(repository: string, digest: string, from: string): Promise<boolean>;
  /** Stores a blob from a stream of exactly `size` bytes hashing to `digest`. */
  putBlob(repository: string, digest: string, size: number, open: () => Readable): Promise<void>;
  /** Manifests whose subject is `digest` (the referrers API, or the tag schema where it is missing). */
  referrers(repository: string, digest: string): Promise<Descriptor[]>;
  /**
   * Whether a pushed referrer is indexed by the endpoint itself (the referrers API). When not, the
   * copier keeps the `<alg>-<hex>` fallback index tag up to date, as the distribution spec asks of
   * clients pushing to such registries.
   */
  indexesReferrers(repository: string, digest: string): Promise<boolean>;
}
