import type { EvidenceSubject, ScanEvidence, ScanReportSource } from "../../evidence/index.js";
import { type OpenImageOptions, openImage } from "../../oci/index.js";
import { generateSbom } from "../../sbom/index.js";
import { openAdvisoryDatabaseForScan } from "../../vuln/index.js";
import { assessSbom, type ScanReport } from "../scanning/report.js";
import type { ScanStore } from "../scanning/store.js";

/**
 * The server's scan source: the latest report ScanOnPush stored for the digest. A report kept from an
 * earlier scan still counts while a re-scan is queued; a digest whose only scan failed is an error (the
 * policy's failurePolicy decides), one never scanned (or still queued) has no scan.
 */
export function storedScanSource(store: ScanStore): ScanReportSource {
  return {
    async latestScan(subject: EvidenceSubject): Promise<ScanEvidence | undefined> {
      const stored = await store.get(subject.digest);
      if (!stored) return undefined;
      if (stored.report) return stored.report;
      if (stored.status === "failed") {
        throw new Error(`the scan of ${subject.digest} failed${stored.error ? `: ${stored.error}` : ""}`);
      }
      return undefined;
    },
  };
}

export interface LocalScanOptions {
  /** The advisory database file (config `scan.advisoryDatabase`). */
  readonly advisoryDatabase: string;
  /** Registry access for openImage (credentials, insecure, platform). */
  readonly image?: OpenImageOptions;
  readonly toolVersion?: string;
  /** Walker warnings (a malformed package database) go here. */
  readonly warn?: (message: string) => void;
  /** Largest selected file kept (config `scan.maxFileBytes`); a larger one makes the scan incomplete. */
  readonly maxFileBytes?: number;
  /** Receives the whole report, for a CLI that prints or saves it. */
  readonly onReport?: (report: ScanReport) => void;
}

/**
 * The CI scan source: scans the digest now, as `portcullis scan` does (openImage, generateSbom,
 * assessSbom against the local advisory database). A missing or empty database is an error rather
 * than an empty report: "no findings" must never stand in for "not matched". An incomplete scan is a
 * report like any other: the scan requirement fails it unless the policy says allowIncomplete.
 */
export function localScanSource(options: LocalScanOptions): ScanReportSource {
  return {
    async latestScan(subject: EvidenceSubject): Promise<ScanEvidence> {
      const advisories = openAdvisoryDatabaseForScan(options.advisoryDatabase);
      try {
        const spec = `${subject.registry}/${subject.repository}@${subject.digest}`;
        const image = await openImage(spec, options.image ?? {});
        try {
          // openImage resolves an index to one platform's image: that is not the digest asked about, and
          // a gate judges an index by each of its images, never by one (issue 11, item 1).
          if (image.kind === "image" && image.indexDigest !== undefined) {
            throw new Error(`${spec} is an index: only the images it lists can be scanned for a decision`);
          }
          const doc = await generateSbom(image, {
            name: spec,
            ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
            ...(options.warn ? { warn: options.warn } : {}),
            ...(options.maxFileBytes !== undefined ? { limits: { maxFileBytes: options.maxFileBytes } } : {}),
          });
          const report = assessSbom(doc, { advisories, advisoryRevision: advisories.revision() });
          options.onReport?.(report);
          return report;
        } finally {
          await image.close();
        }
      } finally {
        advisories.close();
      }
    },
  };
}
