import type { AuditEntry, AuditLog } from "../../audit/index.js";
import { type ParsedManifest, parseManifest, selectableManifests } from "../../oci/index.js";
import {
  COSIGN_TAG,
  type ManifestRow,
  type Registry,
  RegistryError,
  SYSTEM_ACTOR,
} from "../../registry/index.js";
import type { ArtifactLimits } from "../../trust/index.js";
import type { GateAnchor } from "../gates/anchors.js";
import { inProcessRegistryReader } from "../gates/registry-reader.js";
import type { ScanOnPush } from "../scanning/scan-on-push.js";
import type { ScanStore, ScanSummaryRow } from "../scanning/store.js";
import { ConfigReader, type ImageConfigView, platformText } from "./config.js";
import { ScanContents } from "./contents.js";
import { type SupplyChainView, supplyChain } from "./supply-chain.js";

export type Severity = "critical" | "high" | "medium" | "low" | "unknown";
export type Counts = Record<Severity, number>;
export type ScanState = "none" | "queued" | "running" | "done" | "failed";

export interface ScanView {
  readonly status: ScanState;
  readonly counts: Counts;
  readonly scannedAt: Date | null;
  readonly databaseRevision: string | null;
}

export interface ArtifactView {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly tags: string[];
  readonly size: number;
  readonly pushedAt: Date;
  readonly pushedBy: string | null;
  readonly platforms: string[];
  readonly signed: { signatures: number; verified: boolean | null; by: string[] };
  readonly scan: ScanView;
  readonly verdict: AuditEntry | null;
}

export interface ArtifactQuery {
  readonly q?: string;
  readonly sort?: "pushed" | "size";
  readonly order?: "asc" | "desc";
  readonly page: number;
  readonly perPage: number;
}

export interface OverviewView {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly size: number;
  readonly tags: string[];
  readonly pushedAt: Date;
  readonly pushedBy: string | null;
  readonly platforms: Array<{ platform: string; digest: string; size: number }>;
  readonly image: (ImageConfigView & { digest: string; layers: LayerView[] }) | null;
  readonly baseImage: { name: string | null; digest: string | null; source: string } | null;
  readonly scan: ScanView;
  readonly supplyChain: SupplyChainView & { referrers: ReferrerView[] };
  readonly decisions: { total: number; latest: AuditEntry | null };
}

export interface LayerView {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly createdBy: string | null;
}

export interface ReferrerView {
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly size: number;
  readonly annotations: Record<string, string>;
}

export interface ImageInsightsOptions {
  readonly registry: Registry;
  readonly scans: ScanStore;
  readonly audit: AuditLog;
  /** HOST:PORT of this registry, as the pull policy sees images. */
  readonly host: string;
  /** The pull policy's loaded keys and identities; undefined when no pull policy names any. */
  readonly anchors: () => readonly GateAnchor[] | undefined;
  readonly scanner?: ScanOnPush;
  readonly limits?: ArtifactLimits;
}

const BUNDLE_TYPE = /^application\/vnd\.dev\.sigstore\.bundle/;
const NOTATION_TYPE = "application/vnd.cncf.notary.signature";
const OCI_BASE_NAME = "org.opencontainers.image.base.name";
const OCI_BASE_DIGEST = "org.opencontainers.image.base.digest";
const NO_COUNTS: Counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
/** Signature checks of one artifact page run this many at a time. */
const VERIFY_CONCURRENCY = 4;

/**
 * What the web console shows of repositories and images, gathered from the registry, the scan store,
 * the audit log and trust's verification, each list read in a fixed number of queries (never one
 * per row). Every string in it comes from pushed content and is data: nothing here renders it.
 */
export class ImageInsights {
  private readonly configs: ConfigReader;
  /** Packages, findings and SPDX from stored scans. */
  readonly contents: ScanContents;

  constructor(private readonly options: ImageInsightsOptions) {
    this.configs = new ConfigReader(options.registry);
    this.contents = new ScanContents(options.scans);
  }

  /** A repository's images, indexes and artifacts of their own (no referrers, children or cosign tags). */
  async artifacts(
    repository: string,
    query: ArtifactQuery,
  ): Promise<{ total: number; items: ArtifactView[] }> {
    const { registry } = this.options;
    const rows = await registry.browse.manifests(repository);
    const bySubject = new Map<string, ManifestRow[]>();
    for (const row of rows) {
      if (!row.subject) continue;
      const list = bySubject.get(row.subject) ?? [];
      list.push(row);
      bySubject.set(row.subject, list);
    }
    const cosignTags = new Map<string, number>();
    for (const row of rows) {
      for (const tag of row.tags) {
        const m = COSIGN_TAG.exec(tag);
        if (m && tag.endsWith(".sig")) {
          const target = `sha256:${tag.slice(7, 71)}`;
          cosignTags.set(target, (cosignTags.get(target) ?? 0) + 1);
        }
      }
    }
    const needle = query.q?.toLowerCase();
    let own = rows.filter((r) => r.subject === null && !r.isChild && !r.tags.some((t) => COSIGN_TAG.test(t)));
    if (needle) {
      const hex = needle.replace(/^sha256:/, "");
      own = own.filter(
        (r) => r.digest.slice(7).startsWith(hex) || r.tags.some((t) => t.toLowerCase().includes(needle)),
      );
    }
    const contents = await registry.browse.contents(
      repository,
      query.sort === "size" ? own.map((r) => r.digest) : [],
    );
    const sizes = new Map<string, number>();
    if (query.sort === "size") await this.fillSizes(repository, own, contents, sizes);
    const descending = query.order !== "asc";
    const key = (r: ManifestRow) => (query.sort === "size" ? (sizes.get(r.digest) ?? 0) : r.pushedAt);
    own.sort((a, b) => (descending ? key(b) - key(a) : key(a) - key(b)) || (a.digest < b.digest ? -1 : 1));
    const start = (query.page - 1) * query.perPage;
    const page = own.slice(start, start + query.perPage);
    if (query.sort !== "size") {
      for (const [d, c] of await registry.browse.contents(
        repository,
        page.map((r) => r.digest),
      ))
        contents.set(d, c);
      await this.fillSizes(repository, page, contents, sizes);
    }
    const parsed = new Map<string, ParsedManifest>();
    for (const row of page) {
      const bytes = contents.get(row.digest);
      if (bytes) parsed.set(row.digest, parseManifest(bytes, row.mediaType));
    }
    // An index is scanned through the images a runtime could pick (not BuildKit's attestation entries).
    const children = (d: string) => selectableManifests(parsed.get(d)?.manifests ?? []).map((m) => m.digest);
    const scanDigests = page.flatMap((r) => [r.digest, ...children(r.digest)]);
    const [scans, verdicts, platforms, verification] = await Promise.all([
      this.options.scans.summaries(scanDigests),
      this.options.audit.latestByDigest(page.map((r) => r.digest)),
      Promise.all(page.map((r) => this.platformsOf(repository, parsed.get(r.digest)))),
      this.verifyPage(repository, page, bySubject, cosignTags),
    ]);
    const items = page.map((row, i): ArtifactView => {
      const manifest = parsed.get(row.digest);
      const scan =
        manifest?.kind === "index"
          ? combineScans(children(row.digest).map((d) => scans.get(d)))
          : scanView(scans.get(row.digest));
      return {
        digest: row.digest,
        mediaType: row.mediaType,
        artifactType: row.artifactType,
        tags: row.tags,
        size: sizes.get(row.digest) ?? row.size,
        pushedAt: new Date(row.pushedAt),
        pushedBy: row.pushedBy,
        platforms: platforms[i]!,
        signed: verification[i]!,
        scan,
        verdict: verdicts.get(row.digest) ?? null,
      };
    });
    return { total: own.length, items };
  }

  /** Total bytes of each row: manifest, config and layers; an index adds its children's totals. */
  private async fillSizes(
    repository: string,
    rows: readonly ManifestRow[],
    contents: Map<string, Buffer>,
    sizes: Map<string, number>,
  ): Promise<void> {
    const imageBytes = (content: Buffer, mediaType: string): number => {
      const m = parseManifest(content, mediaType);
      return content.length + (m.config?.size ?? 0) + m.layers.reduce((n, l) => n + l.size, 0);
    };
    const childDigests: string[] = [];
    const parsed = new Map<string, ParsedManifest>();
    for (const row of rows) {
      const bytes = contents.get(row.digest);
      if (!bytes) continue;
      const m = parseManifest(bytes, row.mediaType);
      parsed.set(row.digest, m);
      if (m.kind === "index") childDigests.push(...m.manifests.map((c) => c.digest));
    }
    const childContents = await this.options.registry.browse.contents(repository, childDigests);
    for (const row of rows) {
      const m = parsed.get(row.digest);
      if (!m) continue;
      if (m.kind === "image") {
        sizes.set(row.digest, imageBytes(contents.get(row.digest)!, row.mediaType));
        continue;
      }
      let total = row.size;
      for (const child of m.manifests) {
        const bytes = childContents.get(child.digest);
        total += bytes ? imageBytes(bytes, child.mediaType) : child.size;
      }
      sizes.set(row.digest, total);
    }
  }

  private async platformsOf(repository: string, manifest: ParsedManifest | undefined): Promise<string[]> {
    if (!manifest) return [];
    if (manifest.kind === "index") {
      return manifest.manifests.flatMap((m) => (m.platform ? [platformText(m.platform)] : []));
    }
    if (!manifest.config || manifest.artifactType) return [];
    const config = await this.configs.read(repository, manifest.config);
    return config && config.os !== "unknown" ? [platformText(config)] : [];
  }

  /**
   * Signature counts of a page (cosign `.sig` tags and bundle or Notation referrers, from rows already
   * read), verified against the pull policy's anchors only for rows that have any.
   */
  private async verifyPage(
    repository: string,
    page: readonly ManifestRow[],
    bySubject: Map<string, ManifestRow[]>,
    cosignTags: Map<string, number>,
  ): Promise<ArtifactView["signed"][]> {
    const anchors = this.options.anchors();
    const out: ArtifactView["signed"][] = page.map((row) => {
      const referrers = (bySubject.get(row.digest) ?? []).filter(
        (r) => (r.artifactType && BUNDLE_TYPE.test(r.artifactType)) || r.artifactType === NOTATION_TYPE,
      ).length;
      return { signatures: referrers + (cosignTags.get(row.digest) ?? 0), verified: null, by: [] };
    });
    if (!anchors || anchors.length === 0) return out;
    const pending = page.map((row, i) => ({ row, i })).filter(({ i }) => out[i]!.signatures > 0);
    const work = async () => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        const chain = await this.chain(repository, next.row.digest).catch(() => undefined);
        const verified = chain?.signatures.filter((s) => s.verified === true) ?? [];
        out[next.i] = {
          signatures: out[next.i]!.signatures,
          verified: verified.length > 0,
          by: [...new Set(verified.map((s) => s.signer ?? ""))].filter((s) => s !== ""),
        };
      }
    };
    await Promise.all(Array.from({ length: VERIFY_CONCURRENCY }, work));
    return out;
  }

  private chain(repository: string, digest: string): Promise<SupplyChainView> {
    const client = inProcessRegistryReader(() => this.options.registry, this.options.host);
    return supplyChain(client, repository, digest, this.options.anchors(), this.options.limits);
  }

  /**
   * The image page's overview. For an index, `platform` (`linux/arm64`) picks the image shown, else
   * the first one a runtime could select; unknown platforms are a 404.
   */
  async overview(repository: string, digest: string, platform?: string): Promise<OverviewView> {
    const { registry, audit } = this.options;
    const stored = await registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const manifest = parseManifest(stored.content, stored.mediaType);
    const row = (await registry.browse.manifests(repository)).find((r) => r.digest === stored.digest)!;
    let platforms: OverviewView["platforms"] = [];
    let shown: { digest: string; manifest: ParsedManifest } | undefined =
      manifest.kind === "image" ? { digest: stored.digest, manifest } : undefined;
    if (manifest.kind === "index") {
      platforms = manifest.manifests.map((m) => ({
        platform: m.platform ? platformText(m.platform) : "unknown",
        digest: m.digest,
        size: m.size,
      }));
      const pick = await this.pickChild(repository, manifest, platform);
      if (pick) shown = pick;
    }
    const image = shown ? await this.imageView(repository, shown.digest, shown.manifest) : null;
    const scanned = shown?.digest ?? stored.digest;
    const [scans, chain, referrers, decisions, sizes] = await Promise.all([
      this.options.scans.summaries([scanned]),
      this.chain(repository, stored.digest),
      registry.discovery.referrers(repository, stored.digest, {}),
      audit.pageForDigest(stored.digest, 1, 1),
      (async () => {
        const m = new Map<string, number>();
        await this.fillSizes(repository, [row], new Map([[row.digest, stored.content]]), m);
        return m;
      })(),
    ]);
    const label = image?.labels ?? {};
    const baseName = manifest.annotations[OCI_BASE_NAME] ?? shown?.manifest.annotations[OCI_BASE_NAME];
    const baseDigest = manifest.annotations[OCI_BASE_DIGEST] ?? shown?.manifest.annotations[OCI_BASE_DIGEST];
    const provenanceBase = chain.provenance?.baseImages[0];
    const baseImage = provenanceBase
      ? { name: provenanceBase.name, digest: provenanceBase.digest, source: "provenance" }
      : baseName || baseDigest
        ? { name: baseName ?? null, digest: baseDigest ?? null, source: "annotation" }
        : label[OCI_BASE_NAME] || label[OCI_BASE_DIGEST]
          ? { name: label[OCI_BASE_NAME] ?? null, digest: label[OCI_BASE_DIGEST] ?? null, source: "label" }
          : null;
    return {
      repository,
      digest: stored.digest,
      mediaType: stored.mediaType,
      artifactType: row.artifactType,
      size: sizes.get(stored.digest) ?? stored.size,
      tags: row.tags,
      pushedAt: new Date(row.pushedAt),
      pushedBy: row.pushedBy,
      platforms,
      image,
      baseImage,
      scan: scanView(scans.get(scanned)),
      supplyChain: {
        ...chain,
        referrers: referrers.items.map((r) => ({
          digest: r.digest,
          mediaType: r.mediaType,
          artifactType: r.artifactType ?? null,
          size: r.size,
          annotations: r.annotations ?? {},
        })),
      },
      decisions: { total: decisions.total, latest: decisions.items[0] ?? null },
    };
  }

  private async pickChild(
    repository: string,
    index: ParsedManifest,
    platform: string | undefined,
  ): Promise<{ digest: string; manifest: ParsedManifest } | undefined> {
    const candidates = platform
      ? index.manifests.filter((m) => m.platform && platformText(m.platform) === platform)
      : selectableManifests(index.manifests);
    if (platform && candidates.length === 0) {
      throw new RegistryError("MANIFEST_UNKNOWN", `the index lists no image for platform ${platform}`);
    }
    const child = candidates[0];
    if (!child) return undefined;
    const bytes = (await this.options.registry.browse.contents(repository, [child.digest])).get(child.digest);
    if (!bytes) return undefined;
    const manifest = parseManifest(bytes, child.mediaType);
    return manifest.kind === "image" ? { digest: child.digest, manifest } : undefined;
  }

  private async imageView(
    repository: string,
    digest: string,
    manifest: ParsedManifest,
  ): Promise<OverviewView["image"]> {
    if (!manifest.config) return null;
    const config = await this.configs.read(repository, manifest.config);
    if (!config) return null;
    // Layers line up with the history entries that are not empty layers (image-spec config.md).
    const made = config.history.filter((h) => !h.emptyLayer);
    const layers = manifest.layers.map((l, i) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      size: l.size,
      createdBy: made[i]?.createdBy ?? null,
    }));
    return { ...config, digest, layers };
  }

  /**
   * The image a scan-backed tab reads for a digest: the digest itself for an image, the picked
   * platform's image for an index. 404 unless `repository` holds it.
   */
  async scannedDigest(repository: string, digest: string, platform?: string): Promise<string> {
    const stored = await this.options.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const manifest = parseManifest(stored.content, stored.mediaType);
    if (manifest.kind !== "index") return stored.digest;
    const child = await this.pickChild(repository, manifest, platform);
    if (!child) throw new RegistryError("MANIFEST_UNKNOWN", "the index lists no image a runtime could run");
    return child.digest;
  }

  /**
   * Queues a new scan of an image, or of each image of an index. Undefined when scanning is off on
   * this server (scan.onPush).
   */
  async rescan(repository: string, digest: string): Promise<string[] | undefined> {
    const scanner = this.options.scanner;
    if (!scanner) return undefined;
    const stored = await this.options.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const manifest = parseManifest(stored.content, stored.mediaType);
    const digests =
      manifest.kind === "index"
        ? selectableManifests(manifest.manifests).map((m) => m.digest)
        : [stored.digest];
    for (const d of digests) await scanner.request(repository, d);
    return digests;
  }
}

export function scanView(row: ScanSummaryRow | undefined): ScanView {
  if (!row) return { status: "none", counts: { ...NO_COUNTS }, scannedAt: null, databaseRevision: null };
  const s = row.summary;
  return {
    status: row.status,
    counts: s
      ? { critical: s.critical, high: s.high, medium: s.medium, low: s.low, unknown: s.unknown }
      : { ...NO_COUNTS },
    scannedAt: row.scannedAt ?? null,
    databaseRevision: row.advisoryRevision ?? null,
  };
}

/** An index's scan: its images' counts added up; done only when every image's scan is. */
function combineScans(rows: ReadonlyArray<ScanSummaryRow | undefined>): ScanView {
  const views = rows.map(scanView);
  if (views.length === 0) return scanView(undefined);
  const counts = { ...NO_COUNTS };
  for (const v of views) for (const k of Object.keys(counts) as Severity[]) counts[k] += v.counts[k];
  const order: ScanState[] = ["failed", "running", "queued", "none", "done"];
  const status = order.find((s) => views.some((v) => v.status === s)) ?? "none";
  const times = views.flatMap((v) => (v.scannedAt ? [v.scannedAt.getTime()] : []));
  return {
    status,
    counts,
    scannedAt: times.length > 0 ? new Date(Math.max(...times)) : null,
    databaseRevision: views.find((v) => v.databaseRevision)?.databaseRevision ?? null,
  };
}
