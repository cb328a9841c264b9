import type { Readable } from "node:stream";
import {
  type Descriptor,
  isNonDistributable,
  MEDIA_TYPE_OCI_INDEX,
  parseManifest,
  referencedBlobs,
  referencedManifests,
} from "../oci/index.js";
import type { RegistryEndpoint } from "./endpoint.js";
import { ReplicationError } from "./errors.js";

/** What one artifact of a run came to. Blobs are counted in bytes, not listed. */
export type ArtifactKind = "image" | "signature" | "referrer" | "referrers-index" | "deletion";
export type ArtifactOutcome = "copied" | "present" | "skipped" | "deleted" | "failed";

export interface ArtifactResult {
  readonly kind: ArtifactKind;
  /** Destination repository. */
  readonly repository: string;
  /** The tag, or the digest for referrers. */
  readonly reference: string;
  readonly digest?: string;
  readonly outcome: ArtifactOutcome;
  /** Blob and manifest bytes sent for it (0 when everything was there). */
  readonly bytes: number;
  /** Why it failed or was skipped. */
  readonly detail?: string;
}

/** Cosign's tag-scheme artifacts: signatures, attestations, attached SBOMs. */
const COSIGN_SUFFIXES = ["sig", "att", "sbom"] as const;
/** Referrers of referrers are followed this deep (a signature on an SBOM on an image is depth 2). */
const MAX_REFERRER_DEPTH = 3;
/** Referrers copied per subject: a source cannot make one image cost an unbounded run. */
const MAX_REFERRERS = 1000;
/** Indexes inside indexes, at most (real images use one level; content addressing rules out cycles). */
const MAX_TREE_DEPTH = 8;

/**
 * Copies one image tag, with its signatures and referrers, from `source` to `destination`. Idempotent
 * by digest: what the destination already holds under the same digest is not sent again (a manifest
 * present by digest has its children and blobs present too: registries refuse a manifest whose
 * references are missing), so a rerun of a finished copy makes only look-ups, and a copy cut short
 * resumes where it stopped.
 */
export class ImageCopier {
  /** Blobs the destination holds, by digest: the repository to mount them from. */
  private readonly placed = new Map<string, string>();

  constructor(
    private readonly source: RegistryEndpoint,
    private readonly destination: RegistryEndpoint,
    /** Referrers left where they are (a site's own scan SBOMs: each Portcullis scans on arrival). */
    private readonly skipReferrer: (referrer: Descriptor) => boolean = () => false,
  ) {}

  /** The image `from:tag` into `to:tag`, then the artifacts that sign and describe it. */
  async copyTag(from: string, to: string, tag: string): Promise<ArtifactResult[]> {
    const digest = await this.source.resolve(from, tag);
    if (digest === undefined) {
      return [
        {
          kind: "image",
          repository: to,
          reference: tag,
          outcome: "skipped",
          bytes: 0,
          detail: "gone from the source",
        },
      ];
    }
    const results = [await this.copyTagged("image", from, to, tag, digest)];
    results.push(...(await this.copyArtifacts(from, to, digest, 0)));
    return results;
  }

  /**
   * The signatures and referrers of `digest` alone, when the destination already holds it: what a
   * signature or referrer pushed after its image was replicated needs.
   */
  async copyArtifactsOf(from: string, to: string, digest: string): Promise<ArtifactResult[]> {
    if ((await this.destination.resolve(to, digest)) === undefined) return [];
    return this.copyArtifacts(from, to, digest, 0);
  }

  /** Whether the source holds a signature for `digest`: a cosign `.sig` tag or a signature referrer. */
  async signed(repository: string, digest: string): Promise<boolean> {
    if ((await this.source.resolve(repository, cosignTag(digest, "sig"))) !== undefined) return true;
    const referrers = await this.source.referrers(repository, digest);
    return referrers.some(
      (r) => r.artifactType !== undefined && SIGNATURE_ARTIFACT_TYPES.has(r.artifactType),
    );
  }

  private async copyTagged(
    kind: ArtifactKind,
    from: string,
    to: string,
    tag: string,
    digest: string,
  ): Promise<ArtifactResult> {
    try {
      if ((await this.destination.resolve(to, tag)) === digest) {
        return { kind, repository: to, reference: tag, digest, outcome: "present", bytes: 0 };
      }
      const sent = await this.copyTree(from, to, digest, tag);
      return { kind, repository: to, reference: tag, digest, outcome: "copied", bytes: sent };
    } catch (err) {
      return {
        kind,
        repository: to,
        reference: tag,
        digest,
        outcome: "failed",
        bytes: 0,
        detail: message(err),
      };
    }
  }

  private async copyArtifacts(
    from: string,
    to: string,
    digest: string,
    depth: number,
  ): Promise<ArtifactResult[]> {
    const results: ArtifactResult[] = [];
    for (const suffix of COSIGN_SUFFIXES) {
      const tag = cosignTag(digest, suffix);
      const found = await this.source.resolve(from, tag);
      if (found !== undefined) results.push(await this.copyTagged("signature", from, to, tag, found));
    }
    let referrers: Descriptor[];
    try {
      referrers = await this.source.referrers(from, digest);
    } catch (err) {
      results.push({
        kind: "referrer",
        repository: to,
        reference: digest,
        outcome: "failed",
        bytes: 0,
        detail: message(err),
      });
      return results;
    }
    referrers = referrers.filter((r) => !this.skipReferrer(r));
    if (referrers.length === 0) return results;
    if (referrers.length > MAX_REFERRERS) {
      results.push({
        kind: "referrer",
        repository: to,
        reference: digest,
        outcome: "skipped",
        bytes: 0,
        detail: `${referrers.length - MAX_REFERRERS} referrers past the first ${MAX_REFERRERS} not copied`,
      });
      referrers = referrers.slice(0, MAX_REFERRERS);
    }
    const copied: Descriptor[] = [];
    for (const referrer of referrers) {
      try {
        const present = (await this.destination.resolve(to, referrer.digest)) !== undefined;
        const bytes = present ? 0 : await this.copyTree(from, to, referrer.digest, referrer.digest);
        const outcome = present ? "present" : "copied";
        results.push({
          kind: "referrer",
          repository: to,
          reference: referrer.digest,
          digest: referrer.digest,
          outcome,
          bytes,
        });
        copied.push(referrer);
        if (depth + 1 < MAX_REFERRER_DEPTH)
          results.push(...(await this.copyArtifacts(from, to, referrer.digest, depth + 1)));
      } catch (err) {
        results.push({
          kind: "referrer",
          repository: to,
          reference: referrer.digest,
          digest: referrer.digest,
          outcome: "failed",
          bytes: 0,
          detail: message(err),
        });
      }
    }
    if (copied.length > 0 && !(await this.destination.indexesReferrers(to, digest))) {
      results.push(await this.updateFallbackIndex(to, digest, copied));
    }
    return results;
  }

  /**
   * distribution-spec "Pushing Manifests with Subject": toward a registry without the referrers API the
   * client keeps an index tagged `<alg>-<hex>` listing the subject's referrers. Merged, never replaced:
   * referrers pushed there by others stay listed; rewritten only when one is missing, so reruns are no-ops.
   */
  private async updateFallbackIndex(
    to: string,
    subject: string,
    referrers: Descriptor[],
  ): Promise<ArtifactResult> {
    const tag = subject.replace(":", "-");
    try {
      let listed: Descriptor[] = [];
      if ((await this.destination.resolve(to, tag)) !== undefined) {
        const current = await this.destination.getManifest(to, tag);
        listed = parseManifest(current.bytes, current.mediaType).manifests;
      }
      const known = new Set(listed.map((d) => d.digest));
      const missing = referrers.filter((d) => !known.has(d.digest));
      if (missing.length === 0) {
        return { kind: "referrers-index", repository: to, reference: tag, outcome: "present", bytes: 0 };
      }
      const manifests = [...listed, ...missing.map(referrerEntry)];
      const bytes = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests }),
      );
      await this.destination.putManifest(to, tag, bytes, MEDIA_TYPE_OCI_INDEX);
      return {
        kind: "referrers-index",
        repository: to,
        reference: tag,
        outcome: "copied",
        bytes: bytes.length,
      };
    } catch (err) {
      return {
        kind: "referrers-index",
        repository: to,
        reference: tag,
        outcome: "failed",
        bytes: 0,
        detail: message(err),
      };
    }
  }

  /** A manifest and everything it references, children first, stored under `reference`. Returns bytes sent. */
  private async copyTree(
    from: string,
    to: string,
    digest: string,
    reference: string,
    depth = 0,
  ): Promise<number> {
    if (depth > MAX_TREE_DEPTH) {
      throw new ReplicationError(
        "REPLICATION_FAILED",
        `indexes nested deeper than ${MAX_TREE_DEPTH} at ${digest}`,
      );
    }
    const manifest = await this.source.getManifest(from, digest);
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    let sent = 0;
    for (const child of referencedManifests(parsed)) {
      if ((await this.destination.resolve(to, child.digest)) === undefined) {
        sent += await this.copyTree(from, to, child.digest, child.digest, depth + 1);
      }
    }
    for (const blob of referencedBlobs(parsed)) {
      // Foreign layers (urls on a non-distributable layer) are fetched from their URLs by clients.
      if (isNonDistributable(blob.mediaType) && blob.urls?.length) continue;
      sent += await this.copyBlob(from, to, blob);
    }
    await this.destination.putManifest(to, reference, manifest.bytes, manifest.mediaType);
    this.placed.set(digest, to);
    return sent + manifest.bytes.length;
  }

  private async copyBlob(from: string, to: string, blob: Descriptor): Promise<number> {
    if (await this.destination.hasBlob(to, blob.digest)) {
      this.placed.set(blob.digest, to);
      return 0;
    }
    const elsewhere = this.placed.get(blob.digest);
    if (
      elsewhere !== undefined &&
      elsewhere !== to &&
      (await this.destination.mountBlob(to, blob.digest, elsewhere))
    ) {
      return 0;
    }
    const stream = await this.source.getBlob(from, blob.digest, blob.size);
    let opened = false;
    const open = (): Readable => {
      if (opened) throw new Error(`blob ${blob.digest} can be sent once per attempt`);
      opened = true;
      return stream;
    };
    try {
      await this.destination.putBlob(to, blob.digest, blob.size, open);
    } finally {
      if (!opened || !stream.readableEnded) stream.destroy();
    }
    this.placed.set(blob.digest, to);
    return blob.size;
  }
}

/** Artifact types that are signatures of their subject (presence is what "signed only" asks). */
const SIGNATURE_ARTIFACT_TYPES = new Set([
  "application/vnd.dev.sigstore.bundle.v0.3+json",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  "application/vnd.cncf.notary.signature",
]);

export function cosignTag(digest: string, suffix: string): string {
  return `${digest.replace(":", "-")}.${suffix}`;
}

function referrerEntry(d: Descriptor): Descriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(d.annotations && Object.keys(d.annotations).length > 0 ? { annotations: d.annotations } : {}),
  };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 500);
}
