import type { z } from "zod";
import { exceptionsFor, notRunnableReason, OccurrenceStore, type Platform } from "../../../app/index.js";
import { projectOf } from "../../../auth/index.js";
import { parseManifest } from "../../../oci/index.js";
import { SYSTEM_ACTOR } from "../../../registry/index.js";
import { ServerError } from "../../errors.js";
import { decisionWire } from "../console/decisions.js";
import type { ImageContext, ImageRoute } from "./routes.js";
import {
  ArtifactList,
  ArtifactListQuery,
  DecisionList,
  FindingList,
  FindingListQuery,
  ImageOccurrenceList,
  ImageOverview,
  ManifestParams,
  OverviewQuery,
  PackageList,
  PackageListQuery,
  PagedQuery,
  RepositoryList,
  RepositoryListQuery,
  RepositoryParams,
  SbomQuery,
  ScanQueued,
} from "./schemas.js";

const TAG = "images";
const NAME = "([^?]+?)";
const DIGEST = "([^/]+)";
const manifestPath = (suffix: string) => new RegExp(`^${NAME}/manifests/${DIGEST}${suffix}$`);

const iso = (at: Date | number | null | undefined): string | null =>
  at === null || at === undefined ? null : new Date(at).toISOString();

/**
 * The scan of the image a tab reads (an index: its picked platform's image), or the 404 that says why
 * there is none: not an image, scanning off, not scanned yet.
 */
async function requireScan(platform: Platform, repository: string, digest: string, pick?: string) {
  const image = await platform.images.scannedDigest(repository, digest, pick);
  const scan = await platform.scans.get(image);
  if (!scan) {
    const manifest = await platform.registry.manifests.get(repository, image, SYSTEM_ACTOR, false);
    const notAnImage = notRunnableReason(parseManifest(manifest.content, manifest.mediaType));
    if (notAnImage !== undefined) {
      // Scan on push skips these (registry-image.ts); say so rather than "not scanned yet" forever.
      throw new ServerError("NOT_AN_IMAGE", `${repository}@${image} is not scanned: it is ${notAnImage}`);
    }
    throw new ServerError(
      "SCAN_UNKNOWN",
      `${repository}@${image} has not been scanned${platform.config.scan.onPush ? "" : " (scan.onPush is off)"}`,
    );
  }
  return { image, scan };
}

const listRepositories: ImageRoute = {
  id: "listRepositories",
  method: "GET",
  path: "/api/v1/repositories",
  summary: "Repositories the caller may pull, searched, sorted and paged",
  tag: TAG,
  access: { kind: "anyone" },
  query: RepositoryListQuery,
  response: RepositoryList,
  async handle({ platform, caller, query }) {
    const q = query as z.output<typeof RepositoryListQuery>;
    const identity = platform.identity;
    // Who may list every repository needs no filter, and the database pages for them.
    const seesAll = !identity || (await platform.authorizer.authorize(caller, { action: "system.catalog" }));
    const page = await platform.registry.browse.repositories({
      ...(q.q !== undefined ? { q: q.q } : {}),
      ...(q.project !== undefined ? { project: q.project } : {}),
      sort: q.sort,
      order: q.order ?? (q.sort === "name" ? "asc" : "desc"),
      page: q.page,
      perPage: q.perPage,
      // The same filter as /v2/_catalog: what the caller may pull (a token's own scope does not narrow it).
      ...(identity && !seesAll
        ? {
            visible: (names: string[]) =>
              identity.access.visible({ ...caller, tokenAccess: undefined }, names),
          }
        : {}),
    });
    return {
      total: page.total,
      page: q.page,
      perPage: q.perPage,
      items: page.items.map((r) => ({
        name: r.name,
        project: projectOf(r.name),
        tagCount: r.tagCount,
        artifactCount: r.artifactCount,
        size: r.size,
        updatedAt: r.updatedAt > 0 ? iso(r.updatedAt) : null,
      })),
    };
  },
};

const listArtifacts: ImageRoute = {
  id: "listArtifacts",
  method: "GET",
  path: "/api/v1/repositories/{name}/artifacts",
  summary: "A repository's images and indexes with tags, size, signatures, scan and latest verdict",
  tag: TAG,
  access: { kind: "repository", permission: "repository.pull" },
  pattern: new RegExp(`^${NAME}/artifacts$`),
  params: RepositoryParams,
  query: ArtifactListQuery,
  response: ArtifactList,
  async handle({ platform, repository, query }) {
    const q = query as z.output<typeof ArtifactListQuery>;
    const page = await platform.images.artifacts(repository, {
      ...(q.q !== undefined ? { q: q.q } : {}),
      sort: q.sort,
      order: q.order,
      page: q.page,
      perPage: q.perPage,
    });
    return {
      total: page.total,
      page: q.page,
      perPage: q.perPage,
      items: page.items.map((a) => ({
        ...a,
        pushedAt: a.pushedAt.toISOString(),
        scan: { status: a.scan.status, counts: a.scan.counts, scannedAt: iso(a.scan.scannedAt) },
        verdict: a.verdict
          ? {
              gate: a.verdict.gate,
              effect: a.verdict.effect,
              at: new Date(a.verdict.at).toISOString(),
              reason: a.verdict.reason,
            }
          : null,
      })),
    };
  },
};

const getOverview: ImageRoute = {
  id: "getImage",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}",
  summary: "An image or index: config, layers, platforms, base image, scan, supply chain, decisions",
  tag: TAG,
  access: { kind: "repository", permission: "repository.pull" },
  pattern: manifestPath(""),
  params: ManifestParams,
  query: OverviewQuery,
  response: ImageOverview,
  async handle({ platform, caller, repository, digest, query }) {
    const q = query as z.output<typeof OverviewQuery>;
    const view = await platform.images.overview(repository, digest, q.platform);
    const mayAudit = await platform.authorizer.authorize(caller, { action: "audit.read", repository });
    const img = view.image;
    return {
      ...view,
      pushedAt: view.pushedAt.toISOString(),
      image: img
        ? {
            digest: img.digest,
            created: img.created ?? null,
            author: img.author ?? null,
            os: img.os,
            architecture: img.architecture,
            variant: img.variant ?? null,
            user: img.user ?? null,
            entrypoint: img.entrypoint ?? null,
            cmd: img.cmd ?? null,
            workingDir: img.workingDir ?? null,
            labels: img.labels,
            exposedPorts: img.exposedPorts,
            layers: img.layers,
            history: img.history.map((h) => ({
              created: h.created ?? null,
              createdBy: h.createdBy ?? null,
              emptyLayer: h.emptyLayer,
              comment: h.comment ?? null,
            })),
          }
        : null,
      scan: { ...view.scan, scannedAt: iso(view.scan.scannedAt) },
      decisions: mayAudit
        ? {
            total: view.decisions.total,
            latest: view.decisions.latest ? decisionWire(view.decisions.latest) : null,
          }
        : null,
    };
  },
};

const listPackages: ImageRoute = {
  id: "listPackages",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/packages",
  summary: "The image's packages (its SBOM) with the layer that brought each, searched and paged",
  tag: TAG,
  access: { kind: "repository", permission: "scan.read" },
  pattern: manifestPath("/packages"),
  params: ManifestParams,
  query: PackageListQuery,
  response: PackageList,
  async handle({ platform, repository, digest, query }) {
    const q = query as z.output<typeof PackageListQuery>;
    const { image, scan } = await requireScan(platform, repository, digest, q.platform);
    const page = await platform.images.contents.packages(image, {
      ...(q.q !== undefined ? { q: q.q } : {}),
      ...(q.ecosystem !== undefined ? { ecosystem: q.ecosystem } : {}),
      page: q.page,
      perPage: q.perPage,
    });
    if (!page) throw new ServerError("SCAN_UNKNOWN", `no SBOM yet (scan ${scan.status})`);
    return { ...page, page: q.page, perPage: q.perPage };
  },
};

const listFindings: ImageRoute = {
  id: "listFindings",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/findings",
  summary: "The image's vulnerabilities grouped by package, with fixes, VEX status and filters",
  tag: TAG,
  access: { kind: "repository", permission: "scan.read" },
  pattern: manifestPath("/findings"),
  params: ManifestParams,
  query: FindingListQuery,
  response: FindingList,
  async handle({ platform, repository, digest, query }) {
    const q = query as z.output<typeof FindingListQuery>;
    const { scan } = await requireScan(platform, repository, digest, q.platform);
    if (!scan.report) throw new ServerError("SCAN_UNKNOWN", `no report yet (scan ${scan.status})`);
    const page = await platform.images.contents.findings(scan.report, {
      exceptions: exceptionsFor(
        platform.policies.list(),
        { registry: platform.registryHost, repository, digest },
        Date.now(),
      ),
      ...(q.severity ? { severities: q.severity } : {}),
      ...(q.fixable !== undefined ? { fixable: q.fixable === "true" } : {}),
      ...(q.q !== undefined ? { q: q.q } : {}),
      page: q.page,
      perPage: q.perPage,
    });
    const s = scan.report.summary;
    return {
      ...page,
      counts: { critical: s.critical, high: s.high, medium: s.medium, low: s.low, unknown: s.unknown },
      page: q.page,
      perPage: q.perPage,
    };
  },
};

const getSbom: ImageRoute = {
  id: "getSbom",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/sbom",
  summary: "The image's SBOM: CycloneDX 1.6 (as stored) or SPDX 2.3 JSON",
  tag: TAG,
  access: { kind: "repository", permission: "scan.read" },
  pattern: manifestPath("/sbom"),
  params: ManifestParams,
  query: SbomQuery,
  produces: ["application/vnd.cyclonedx+json", "application/spdx+json"],
  async handle({ platform, repository, digest, query, reply }) {
    const q = query as z.output<typeof SbomQuery>;
    const { image, scan } = await requireScan(platform, repository, digest, q.platform);
    const document =
      q.format === "spdx" ? await platform.images.contents.spdx(image) : await platform.scans.sbom(image);
    if (!document) throw new ServerError("SCAN_UNKNOWN", `no SBOM yet (scan ${scan.status})`);
    const name = `${image.replace(":", "-")}.${q.format === "spdx" ? "spdx" : "cdx"}.json`;
    return reply
      .type(q.format === "spdx" ? "application/spdx+json" : "application/vnd.cyclonedx+json")
      .header("content-disposition", `attachment; filename="${name}"`)
      .send(document);
  },
};

const getVulnerabilities: ImageRoute = {
  id: "getVulnerabilities",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/vulnerabilities",
  summary: "The latest scan report of an image, whole (the `portcullis scan` JSON)",
  tag: TAG,
  access: { kind: "repository", permission: "scan.read" },
  pattern: manifestPath("/vulnerabilities"),
  params: ManifestParams,
  produces: ["application/json"],
  async handle({ platform, repository, digest, reply }) {
    // 404 MANIFEST_UNKNOWN unless this repository holds the manifest: a report is never served
    // through a repository the caller may read for an image it does not hold.
    await platform.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const scan = await platform.scans.get(digest);
    if (!scan) await requireScan(platform, repository, digest);
    const s = scan!;
    return reply.type("application/json").send({
      digest: s.digest,
      status: s.status,
      requestedAt: s.requestedAt.toISOString(),
      ...(s.scannedAt ? { scannedAt: s.scannedAt.toISOString() } : {}),
      ...(s.error ? { error: s.error } : {}),
      ...(s.sbomDigest ? { sbomReferrer: s.sbomDigest } : {}),
      ...(s.advisoryRevision ? { advisoryRevision: s.advisoryRevision } : {}),
      ...(s.report ? { report: s.report } : {}),
    });
  },
};

/**
 * The outside occurrences posted about the image (a CI system's "tests passed"), with the account that
 * posted each: what the `occurrences` requirement reads, for `verify --policy` and an admission webhook
 * that reach the server through --scan-api (apiOccurrenceSource). Readers of the image may see them, as
 * through the Grafeas API.
 */
const listImageOccurrences: ImageRoute = {
  id: "listImageOccurrences",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/occurrences",
  summary: "The Grafeas occurrences posted about this image, with who posted each (policy evidence)",
  tag: TAG,
  access: { kind: "repository", permission: "repository.pull" },
  pattern: manifestPath("/occurrences"),
  params: ManifestParams,
  response: ImageOccurrenceList,
  async handle({ platform, repository, digest }) {
    // 404 MANIFEST_UNKNOWN unless this repository holds the manifest, as for its scan report.
    await platform.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const rows = await new OccurrenceStore(platform.database).forImage(repository, digest);
    return {
      occurrences: rows.map((r) => ({
        noteName: r.occurrence.noteName,
        kind: r.occurrence.kind,
        author: r.createdBy,
        digest: r.digest,
        ...(r.occurrence.createTime ? { createTime: r.occurrence.createTime } : {}),
      })),
    };
  },
};

const listDecisions: ImageRoute = {
  id: "listImageDecisions",
  method: "GET",
  path: "/api/v1/repositories/{name}/manifests/{digest}/decisions",
  summary: "Every gate decision on this digest, newest first, paged",
  tag: TAG,
  access: { kind: "repository", permission: "audit.read" },
  pattern: manifestPath("/decisions"),
  params: ManifestParams,
  query: PagedQuery,
  response: DecisionList,
  async handle({ platform, repository, digest, query }) {
    const q = query as z.output<typeof PagedQuery>;
    await platform.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const page = await platform.audit.pageForDigest(digest, q.page, q.perPage);
    return { total: page.total, page: q.page, perPage: q.perPage, items: page.items.map(decisionWire) };
  },
};

const rescan: ImageRoute = {
  id: "rescanImage",
  method: "POST",
  path: "/api/v1/repositories/{name}/manifests/{digest}/scan",
  summary: "Queue a new scan of the image (an index: of each of its images)",
  tag: TAG,
  access: { kind: "repository", permission: "scan.run" },
  pattern: manifestPath("/scan"),
  params: ManifestParams,
  response: ScanQueued,
  status: 202,
  async handle({ platform, repository, digest }) {
    const manifest = await platform.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const parsed = parseManifest(manifest.content, manifest.mediaType);
    const why = parsed.kind === "index" ? undefined : notRunnableReason(parsed);
    if (why !== undefined)
      throw new ServerError("NOT_AN_IMAGE", `${repository}@${digest} is ${why}: nothing to scan`);
    const digests = await platform.images.rescan(repository, manifest.digest);
    if (!digests) {
      throw new ServerError("SCANNING_OFF", "scanning is off on this server (scan.onPush: false)");
    }
    return { status: "queued", digests };
  },
};

const deleteManifest: ImageRoute = {
  id: "deleteImage",
  method: "DELETE",
  path: "/api/v1/repositories/{name}/manifests/{digest}",
  summary: "Delete a manifest and its tags, under the same rules as the registry's DELETE",
  tag: TAG,
  access: { kind: "repository", permission: "repository.delete" },
  pattern: manifestPath(""),
  params: ManifestParams,
  status: 204,
  async handle({ platform, request, caller, repository, digest }) {
    await platform.registry.manifests.delete(repository, digest, {
      subject: caller.subject,
      kind: caller.kind,
      remoteAddress: request.ip,
    });
    return undefined;
  },
};

export const IMAGE_HANDLERS: readonly ImageRoute[] = [
  listRepositories,
  listArtifacts,
  getOverview,
  listPackages,
  listFindings,
  getSbom,
  getVulnerabilities,
  listImageOccurrences,
  listDecisions,
  rescan,
  deleteManifest,
];

export type { ImageContext };
