import type { Database } from "../../storage/index.js";
import type { ScanReport, ScanSummary } from "./report.js";

export type ScanStatus = "queued" | "running" | "done" | "failed";

export interface StoredScan {
  digest: string;
  status: ScanStatus;
  repository: string;
  error?: string;
  sbomDigest?: string;
  report?: ScanReport;
  advisoryRevision?: string;
  requestedAt: Date;
  scannedAt?: Date;
}

/** What the console's lists show of a scan, without its report. */
export interface ScanSummaryRow {
  status: ScanStatus;
  summary?: ScanSummary;
  scannedAt?: Date;
  advisoryRevision?: string;
}

/** The scan_reports table: the latest scan of each image digest. */
export class ScanStore {
  readonly #listeners = new Set<(digest: string) => void>();

  constructor(private readonly database: Database) {}

  /**
   * Told the digest after every change of its row (queued, status, report, re-match), once the change
   * is written: the pull gate forgets decisions that read the old report. This process only; other
   * replicas' caches expire by their TTL.
   */
  onChange(listener: (digest: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(digest: string): void {
    for (const listener of this.#listeners) listener(digest);
  }

  private get db() {
    return this.database.db;
  }

  /** Marks a digest as waiting to be scanned (again), remembering a repository that holds it. */
  async request(digest: string, repository: string, at: Date): Promise<void> {
    await this.db
      .insertInto("scan_reports")
      .values({ digest, repository, status: "queued", requested_at: at.getTime(), error: null })
      .onConflict((oc) =>
        oc
          .column("digest")
          .doUpdateSet({ status: "queued", repository, requested_at: at.getTime(), error: null }),
      )
      .execute();
    this.#changed(digest);
  }

  async setStatus(digest: string, status: ScanStatus, error?: string): Promise<void> {
    await this.db
      .updateTable("scan_reports")
      .set({ status, error: error ?? null })
      .where("digest", "=", digest)
      .execute();
    this.#changed(digest);
  }

  async complete(
    digest: string,
    result: { sbom: Buffer; sbomDigest: string; report: ScanReport; advisoryRevision?: string; at: Date },
  ): Promise<void> {
    await this.db
      .updateTable("scan_reports")
      .set({
        status: "done",
        error: null,
        sbom: result.sbom,
        sbom_digest: result.sbomDigest,
        report: JSON.stringify(result.report),
        summary: JSON.stringify(result.report.summary),
        advisory_revision: result.advisoryRevision ?? null,
        scanned_at: result.at.getTime(),
      })
      .where("digest", "=", digest)
      .execute();
    this.#changed(digest);
  }

  /** Replaces the report of a finished scan after re-matching its stored SBOM. */
  async rematched(digest: string, report: ScanReport, advisoryRevision: string | undefined): Promise<void> {
    await this.db
      .updateTable("scan_reports")
      .set({
        report: JSON.stringify(report),
        summary: JSON.stringify(report.summary),
        advisory_revision: advisoryRevision ?? null,
      })
      .where("digest", "=", digest)
      .execute();
    this.#changed(digest);
  }

  async get(digest: string): Promise<StoredScan | undefined> {
    const row = await this.db
      .selectFrom("scan_reports")
      .selectAll()
      .where("digest", "=", digest)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      digest: row.digest,
      status: row.status,
      repository: row.repository,
      ...(row.error ? { error: row.error } : {}),
      ...(row.sbom_digest ? { sbomDigest: row.sbom_digest } : {}),
      ...(row.report ? { report: JSON.parse(row.report) as ScanReport } : {}),
      ...(row.advisory_revision ? { advisoryRevision: row.advisory_revision } : {}),
      requestedAt: new Date(Number(row.requested_at)),
      ...(row.scanned_at === null ? {} : { scannedAt: new Date(Number(row.scanned_at)) }),
    };
  }

  /** Status, counts and times of several digests in one query (the console's artifact list). */
  async summaries(digests: readonly string[]): Promise<Map<string, ScanSummaryRow>> {
    const out = new Map<string, ScanSummaryRow>();
    const unique = [...new Set(digests)];
    for (let i = 0; i < unique.length; i += 900) {
      const rows = await this.db
        .selectFrom("scan_reports")
        .select(["digest", "status", "summary", "scanned_at", "advisory_revision"])
        .where("digest", "in", unique.slice(i, i + 900))
        .execute();
      for (const row of rows) {
        out.set(row.digest, {
          status: row.status,
          ...(row.summary ? { summary: JSON.parse(row.summary) as ScanSummary } : {}),
          ...(row.scanned_at === null ? {} : { scannedAt: new Date(Number(row.scanned_at)) }),
          ...(row.advisory_revision ? { advisoryRevision: row.advisory_revision } : {}),
        });
      }
    }
    return out;
  }

  /** The stored CycloneDX SBOM of a finished scan. */
  async sbom(digest: string): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom("scan_reports")
      .select("sbom")
      .where("digest", "=", digest)
      .executeTakeFirst();
    return row?.sbom ? Buffer.from(row.sbom) : undefined;
  }

  /** Scans a crash interrupted (queued or running): enqueued again at start-up. */
  async unfinished(): Promise<Array<{ digest: string; repository: string }>> {
    return this.db
      .selectFrom("scan_reports")
      .select(["digest", "repository"])
      .where("status", "in", ["queued", "running"])
      .execute();
  }

  /** How many finished scans keep an SBOM (what re-matching everything reads). */
  async countWithSbom(): Promise<number> {
    const row = await this.db
      .selectFrom("scan_reports")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("status", "=", "done")
      .where("sbom", "is not", null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Finished scans with an SBOM, by digest after `after`, `limit` at a time (a walk in pages). */
  async sbomsAfter(after: string, limit: number): Promise<Array<{ digest: string; sbom: Buffer }>> {
    const rows = await this.db
      .selectFrom("scan_reports")
      .select(["digest", "sbom"])
      .where("status", "=", "done")
      .where("sbom", "is not", null)
      .where("digest", ">", after)
      .orderBy("digest")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ digest: row.digest, sbom: Buffer.from(row.sbom!) }));
  }

  /** Finished scans matched against another advisory revision than `revision`, with their SBOM. */
  async stale(revision: string): Promise<Array<{ digest: string; sbom: Buffer }>> {
    const rows = await this.db
      .selectFrom("scan_reports")
      .select(["digest", "sbom", "advisory_revision"])
      .where("status", "=", "done")
      .execute();
    return rows
      .filter((row) => row.advisory_revision !== revision && row.sbom !== null)
      .map((row) => ({ digest: row.digest, sbom: Buffer.from(row.sbom!) }));
  }
}
