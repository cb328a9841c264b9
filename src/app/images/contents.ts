import { LRUCache } from "lru-cache";
import { type Package, readSbom, type SbomDocument, toSpdx } from "../../sbom/index.js";
import type { ScanReport } from "../scanning/report.js";
import type { ScanStore } from "../scanning/store.js";
import type { FindingException } from "./exceptions.js";

export interface PackageView {
  readonly name: string;
  readonly version: string;
  readonly ecosystem: string;
  readonly purl: string | null;
  readonly licenses: string[];
  readonly layer: string | null;
  readonly paths: string[];
}

export interface PackageQuery {
  readonly q?: string;
  readonly ecosystem?: string;
  readonly page: number;
  readonly perPage: number;
}

export interface FindingQuery {
  readonly severities?: readonly string[];
  readonly fixable?: boolean;
  readonly q?: string;
  readonly page: number;
  readonly perPage: number;
  /** The policies' exceptions that name a finding (exceptionsFor); none when not given. */
  readonly exceptions?: (finding: { id: string; aliases: readonly string[] }) => FindingException[];
}

export interface FindingView {
  readonly id: string;
  readonly aliases: string[];
  readonly severity: string;
  readonly cvss: { version: string; vector: string; score: number } | null;
  readonly fixedIn: string[];
  readonly summary: string | null;
  readonly suppressed: boolean;
  readonly vex: { status: string; justification: string | null } | null;
  /** The first exception in force, if any (kept for clients of the single field). */
  readonly exception: { reason: string; expires: string | null } | null;
  /** Every policy exception naming this finding, in force or expired, with its policy and rule. */
  readonly exceptions: FindingException[];
}

export interface PackageFindings {
  readonly package: { name: string; version: string; ecosystem: string; purl: string | null };
  readonly findings: FindingView[];
}

/**
 * The SBOM and findings tabs of an image, read from its stored scan: packages searched and paged on
 * the server, findings grouped by package. Parsed SBOMs are kept for a while by digest and scan time
 * (a re-scan is a new key), so paging through a large one does not parse it per page.
 */
export class ScanContents {
  private readonly documents = new LRUCache<string, SbomDocument>({ max: 16 });

  constructor(private readonly scans: ScanStore) {}

  private async document(digest: string): Promise<SbomDocument | undefined> {
    const scan = await this.scans.get(digest);
    if (scan?.status !== "done") return undefined;
    const key = `${digest}|${scan.scannedAt?.getTime() ?? 0}`;
    const hit = this.documents.get(key);
    if (hit) return hit;
    const bytes = await this.scans.sbom(digest);
    if (!bytes) return undefined;
    const doc = readSbom(bytes.toString("utf8"));
    this.documents.set(key, doc);
    return doc;
  }

  /** Undefined when the digest has no finished scan. */
  async packages(
    digest: string,
    query: PackageQuery,
  ): Promise<
    { total: number; ecosystems: Array<{ name: string; count: number }>; items: PackageView[] } | undefined
  > {
    const doc = await this.document(digest);
    if (!doc) return undefined;
    const counts = new Map<string, number>();
    for (const p of doc.packages) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
    const needle = query.q?.toLowerCase();
    const matching = doc.packages
      .filter((p) => query.ecosystem === undefined || p.type === query.ecosystem)
      .filter(
        (p) => !needle || p.name.toLowerCase().includes(needle) || p.purl.toLowerCase().includes(needle),
      )
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
    const start = (query.page - 1) * query.perPage;
    return {
      total: matching.length,
      ecosystems: [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, count]) => ({ name, count })),
      items: matching.slice(start, start + query.perPage).map(packageView),
    };
  }

  /** The stored SBOM as SPDX 2.3 JSON; undefined without a finished scan. */
  async spdx(digest: string): Promise<string | undefined> {
    const doc = await this.document(digest);
    return doc ? toSpdx(doc) : undefined;
  }

  /** Findings of the latest report, grouped by package (severity order kept), filtered and paged by package. */
  async findings(
    report: ScanReport,
    query: FindingQuery,
  ): Promise<{ total: number; items: PackageFindings[] }> {
    const wanted = query.severities?.map((s) => s.toUpperCase());
    const needle = query.q?.toLowerCase();
    const groups = new Map<string, PackageFindings>();
    for (const f of report.findings) {
      if (wanted && !wanted.includes(f.severity)) continue;
      if (query.fixable === true && !f.fixedVersion) continue;
      if (query.fixable === false && f.fixedVersion) continue;
      if (
        needle &&
        !f.package.name.toLowerCase().includes(needle) &&
        !f.id.toLowerCase().includes(needle) &&
        !f.aliases.some((a) => a.toLowerCase().includes(needle))
      )
        continue;
      const key = `${f.package.purl}|${f.installedVersion}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          package: {
            name: f.package.name,
            version: f.installedVersion,
            ecosystem: f.package.ecosystem,
            purl: f.package.purl || null,
          },
          findings: [],
        };
        groups.set(key, group);
      }
      const exceptions = query.exceptions?.(f) ?? [];
      const inForce = exceptions.find((e) => e.inForce);
      group.findings.push({
        id: f.id,
        aliases: f.aliases,
        severity: f.severity.toLowerCase(),
        cvss: f.cvss ? { version: f.cvss.version, vector: f.cvss.vector, score: f.cvss.score } : null,
        fixedIn: f.fixedVersion ? [f.fixedVersion] : [],
        summary: f.summary ?? null,
        suppressed: f.suppressed === true,
        vex: f.vex ? { status: f.vex.status, justification: f.vex.justification ?? null } : null,
        exception: inForce ? { reason: inForce.reason, expires: inForce.until } : null,
        exceptions,
      });
    }
    const all = [...groups.values()];
    const start = (query.page - 1) * query.perPage;
    return { total: all.length, items: all.slice(start, start + query.perPage) };
  }
}

function packageView(p: Package): PackageView {
  const layer = p.locations.find((l) => l.layerDigest)?.layerDigest ?? null;
  return {
    name: p.name,
    version: p.version,
    ecosystem: p.type,
    purl: p.purl || null,
    licenses: p.licenses,
    layer,
    paths: [...new Set(p.locations.map((l) => l.path))].slice(0, 50),
  };
}
