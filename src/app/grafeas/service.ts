import type { AuditLog } from "../../audit/index.js";
import {
  deriveOccurrences,
  type GrafeasOccurrence,
  type ImageEvidence,
  type PackageRecord,
} from "../../grafeas/index.js";
import { type Registry, SYSTEM_ACTOR } from "../../registry/index.js";
import type { ImageInsights } from "../images/insights.js";
import type { ScanStore } from "../scanning/store.js";
import { OccurrenceStore } from "./store.js";

export interface GrafeasServiceOptions {
  readonly registry: Registry;
  readonly images: ImageInsights;
  readonly scans: ScanStore;
  readonly audit: AuditLog;
  readonly database: ConstructorParameters<typeof OccurrenceStore>[0];
  /** HOST:PORT of this registry: the host of every resourceUri we derive or accept. */
  readonly host: string;
}

/** Packages read from one SBOM for PACKAGE occurrences; past it the list is cut (the SBOM has them all). */
const MAX_PACKAGES = 2000;
/** Admission decisions read per image for DEPLOYMENT occurrences, newest first. */
const MAX_DECISIONS = 100;
/** Images whose occurrences one unfiltered project list derives, most recently pushed first. */
export const MAX_PROJECT_IMAGES = 100;

/**
 * The Grafeas view of the platform: an image's evidence gathered from the scan store, the SBOM,
 * trust's verification (ImageInsights) and the audit log, translated by grafeas/, beside the
 * occurrences clients posted (OccurrenceStore).
 */
export class GrafeasService {
  readonly store: OccurrenceStore;

  constructor(private readonly options: GrafeasServiceOptions) {
    this.store = new OccurrenceStore(options.database);
  }

  get host(): string {
    return this.options.host;
  }

  /**
   * What is known about one image (404 MANIFEST_UNKNOWN through the registry when it is not there).
   * `host` is the registry host the caller reached us by (resourceUris name it), this one's by default.
   */
  async evidence(repository: string, digest: string, host = this.options.host): Promise<ImageEvidence> {
    const { images, scans, audit } = this.options;
    const view = await images.overview(repository, digest);
    const scan = await scans.get(view.digest);
    let packages: PackageRecord[] = [];
    if (scan?.status === "done") {
      const page = await images.contents.packages(view.digest, { page: 1, perPage: MAX_PACKAGES });
      packages = (page?.items ?? []).map((p) => ({
        name: p.name,
        version: p.version,
        ecosystem: p.ecosystem,
        purl: p.purl,
        licenses: p.licenses,
        paths: p.paths,
      }));
    }
    const decisions = await audit.pageForDigest(view.digest, 1, MAX_DECISIONS);
    const chain = view.supplyChain;
    return {
      host,
      repository,
      digest: view.digest,
      ...(scan
        ? {
            scan: {
              status: scan.status,
              requestedAt: scan.requestedAt.toISOString(),
              ...(scan.scannedAt ? { scannedAt: scan.scannedAt.toISOString() } : {}),
              ...(scan.error ? { error: scan.error } : {}),
              findings: (scan.report?.findings ?? []).map((f) => ({
                id: f.id,
                severity: f.severity,
                ...(f.cvss ? { cvss: f.cvss } : {}),
                ...(f.summary ? { summary: f.summary } : {}),
                package: { name: f.package.name, type: f.package.type, purl: f.package.purl },
                installedVersion: f.installedVersion,
                ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
                ...(f.suppressed ? { suppressed: true } : {}),
              })),
            },
          }
        : {}),
      packages,
      signatures: chain.signatures.map((s) => ({
        format: s.format,
        digest: s.digest,
        verified: s.verified,
        signer: s.signer,
      })),
      attestations: chain.attestations.map((a) => ({
        predicateType: a.predicateType,
        digest: a.digest,
        verified: a.verified,
        signer: a.signer,
      })),
      ...(chain.provenance ? { provenance: chain.provenance } : {}),
      decisions: decisions.items.map((d) => ({
        id: d.id,
        gate: d.gate,
        effect: d.effect,
        at: d.at,
        reason: d.reason,
        ...(d.actor ? { actor: d.actor } : {}),
        ...(d.namespace ? { namespace: d.namespace } : {}),
        ...(d.workload ? { workload: d.workload } : {}),
      })),
      ...(view.baseImage ? { baseImage: { name: view.baseImage.name, digest: view.baseImage.digest } } : {}),
      layers: view.image?.layers.map((l) => l.digest) ?? [],
    };
  }

  /** The occurrences Portcullis derives for one image. */
  async derived(repository: string, digest: string, host?: string): Promise<GrafeasOccurrence[]> {
    return deriveOccurrences(await this.evidence(repository, digest, host));
  }

  /** Whether the repository holds the manifest (an outside occurrence must be about a stored image). */
  async holds(repository: string, digest: string): Promise<boolean> {
    try {
      await this.options.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
      return true;
    } catch {
      return false;
    }
  }

  /** The project's images, most recently pushed first, at most MAX_PROJECT_IMAGES (index rows as listed). */
  async projectImages(
    project: string,
    visible?: (names: string[]) => Promise<string[]> | string[],
  ): Promise<Array<{ repository: string; digest: string }>> {
    const { registry, images } = this.options;
    const repos = await registry.browse.repositories({
      project,
      sort: "name",
      order: "asc",
      page: 1,
      perPage: MAX_PROJECT_IMAGES,
      ...(visible ? { visible } : {}),
    });
    const out: Array<{ repository: string; digest: string; pushedAt: number }> = [];
    for (const repo of repos.items) {
      const page = await images.artifacts(repo.name, {
        sort: "pushed",
        order: "desc",
        page: 1,
        perPage: MAX_PROJECT_IMAGES,
      });
      for (const a of page.items)
        out.push({ repository: repo.name, digest: a.digest, pushedAt: a.pushedAt.getTime() });
    }
    return out
      .sort((a, b) => b.pushedAt - a.pushedAt || a.repository.localeCompare(b.repository))
      .slice(0, MAX_PROJECT_IMAGES)
      .map(({ repository, digest }) => ({ repository, digest }));
  }
}
