import type { Logger } from "pino";
import { digestOf, isPortcullisError } from "../../core/index.js";
import type { JobQueue } from "../../jobs/index.js";
import { parseManifest } from "../../oci/index.js";
import { type Registry, type RegistryEvent, SYSTEM_ACTOR } from "../../registry/index.js";
import { generateSbom, readSbom, toCycloneDx } from "../../sbom/index.js";
import { type AdvisoryDatabase, openAdvisoryDatabase, VulnError } from "../../vuln/index.js";
import { notRunnableReason, openRegistryImage } from "./registry-image.js";
import { assessSbom } from "./report.js";
import type { ScanStore } from "./store.js";

const SCAN_JOB = "scan-image";
const REMATCH_JOB = "rematch-sboms";
/** SBOMs read per page when re-matching every one (each is parsed and matched, then dropped). */
const REMATCH_PAGE = 20;
export const CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json";
const EMPTY_CONFIG = Buffer.from("{}");
const EMPTY_CONFIG_TYPE = "application/vnd.oci.empty.v1+json";

export interface ScanOnPushOptions {
  readonly registry: Registry;
  readonly store: ScanStore;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly advisoryDatabasePath: string;
  readonly concurrency: number;
  readonly toolVersion: string;
  /** Largest selected file a scan keeps (config `scan.maxFileBytes`); a larger one makes it incomplete. */
  readonly maxFileBytes?: number;
}

/**
 * Scan on push: every pushed image manifest is scanned in the background. Its SBOM (CycloneDX) is
 * pushed back as an OCI 1.1 referrer of the image and kept with the vulnerability report in
 * scan_reports. When the advisory database changes, every stored SBOM is matched again: layers are
 * not read twice. A scan interrupted by a crash is still "queued" or "running" in the table and is
 * enqueued again at start-up.
 */
export class ScanOnPush {
  private advisories: AdvisoryDatabase | undefined;
  private advisoriesChecked = 0;
  private readonly requesting = new Set<Promise<void>>();

  constructor(private readonly options: ScanOnPushOptions) {
    options.queue.work<{ digest: string; repository: string }>(
      SCAN_JOB,
      (job) => this.scan(job.repository, job.digest),
      {
        concurrency: options.concurrency,
      },
    );
    options.queue.work(REMATCH_JOB, () => this.rematchAll().then(() => {}), { concurrency: 1 });
  }

  /**
   * Queues a re-match of every stored SBOM against the advisory database as it is now, whatever
   * revision each report names (the console's "re-scan everything"); one such job waits at most.
   * Returns how many SBOMs it will read. Throws VulnError DATABASE_MISSING without a database.
   */
  async requestRematchAll(): Promise<number> {
    if (!this.database()) {
      throw new VulnError(
        "DATABASE_MISSING",
        "there is no advisory database to match against: run `portcullis db import` or `portcullis db update` first",
      );
    }
    const count = await this.options.store.countWithSbom();
    this.options.queue.enqueue(REMATCH_JOB, {}, { key: "all" });
    return count;
  }

  /** Matches every stored SBOM again, a page at a time; returns how many reports were written. */
  async rematchAll(): Promise<number> {
    const advisories = this.reopenAdvisories();
    if (!advisories) return 0;
    const revision = advisories.revision();
    let after = "";
    let done = 0;
    for (;;) {
      const page = await this.options.store.sbomsAfter(after, REMATCH_PAGE);
      for (const { digest, sbom } of page) {
        try {
          await this.rematch(digest, sbom, advisories, revision);
          done++;
        } catch (err) {
          // One unreadable SBOM must not stop the others: its report stays as it was.
          this.options.logger.warn({ err, digest }, "re-matching a stored SBOM failed");
        }
      }
      if (page.length < REMATCH_PAGE) break;
      after = page[page.length - 1]!.digest;
    }
    this.options.logger.info({ reports: done, revision }, "re-matched every stored SBOM");
    return done;
  }

  /**
   * The registry listener: queue runnable images only. Referrers (a subject), indexes and artifacts
   * (cosign `.sig`/`.att` tags, SBOMs, bundles: notRunnableReason) are skipped without a record, so
   * the API answers NOT_AN_IMAGE for them rather than a scan that never comes.
   */
  readonly onEvent = async (event: RegistryEvent): Promise<void> => {
    if (event.type !== "manifest.pushed" || event.subject !== undefined) return;
    if (!isImageManifestType(event.mediaType)) return;
    const request = this.requestIfRunnable(event.repository, event.digest);
    this.requesting.add(request);
    try {
      await request;
    } finally {
      this.requesting.delete(request);
    }
  };

  /** Resolves once every push seen so far has been recorded and scanned (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.requesting.size > 0) await Promise.allSettled([...this.requesting]);
    await this.options.queue.drain();
  }

  private async requestIfRunnable(repository: string, digest: string): Promise<void> {
    const stored = await this.options.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const why = notRunnableReason(parseManifest(stored.content, stored.mediaType));
    if (why !== undefined) {
      this.options.logger.debug({ repository, digest, reason: why }, "not scanned: not an image");
      return;
    }
    await this.request(repository, digest);
  }

  async request(repository: string, digest: string): Promise<void> {
    await this.options.store.request(digest, repository, new Date());
    this.options.queue.enqueue(SCAN_JOB, { digest, repository }, { key: digest });
  }

  /** Enqueues the scans a previous process left unfinished. */
  async resume(): Promise<number> {
    const pending = await this.options.store.unfinished();
    for (const { digest, repository } of pending) {
      this.options.queue.enqueue(SCAN_JOB, { digest, repository }, { key: digest });
    }
    return pending.length;
  }

  private database(): AdvisoryDatabase | undefined {
    // Re-open at most once a minute when missing, so a `db import` after start-up is picked up.
    if (this.advisories) return this.advisories;
    if (Date.now() - this.advisoriesChecked < 60_000 && this.advisoriesChecked !== 0) return undefined;
    this.advisoriesChecked = Date.now();
    try {
      this.advisories = openAdvisoryDatabase(this.options.advisoryDatabasePath);
    } catch (err) {
      if (!(err instanceof VulnError && err.code === "DATABASE_MISSING")) throw err;
    }
    return this.advisories;
  }

  async scan(repository: string, digest: string): Promise<void> {
    const { registry, store, logger } = this.options;
    await store.setStatus(digest, "running");
    const started = Date.now();
    try {
      const image = await openRegistryImage(registry, repository, digest);
      if (!image) {
        await store.setStatus(digest, "failed", "not an image manifest");
        return;
      }
      const warnings: string[] = [];
      const doc = await generateSbom(image, {
        name: `${repository}@${digest}`,
        toolVersion: this.options.toolVersion,
        warn: (message) => warnings.push(message),
        ...(this.options.maxFileBytes !== undefined
          ? { limits: { maxFileBytes: this.options.maxFileBytes } }
          : {}),
      });
      const sbom = Buffer.from(toCycloneDx(doc));
      const sbomDigest = await this.pushReferrer(repository, digest, sbom);
      const advisories = this.database();
      const revision = advisories ? advisories.revision() : undefined;
      const report = assessSbom(doc, {
        ...(advisories ? { advisories } : {}),
        ...(revision ? { advisoryRevision: revision } : {}),
      });
      report.warnings.unshift(...warnings);
      await store.complete(digest, {
        sbom,
        sbomDigest,
        report,
        ...(revision ? { advisoryRevision: revision } : {}),
        at: new Date(),
      });
      logger.info(
        {
          repository,
          digest,
          packages: doc.packages.length,
          summary: report.summary,
          ...(report.complete ? {} : { incomplete: report.incomplete.map((r) => r.code) }),
          ms: Date.now() - started,
        },
        "image scanned",
      );
    } catch (err) {
      // A coded error (a corrupt or refused layer, a limit) is a fact about the image, recorded as
      // the scan's failure and logged without a stack; anything else is a bug and keeps its stack.
      if (isPortcullisError(err))
        logger.warn({ repository, digest, code: err.code, reason: err.message }, "image scan failed");
      else logger.error({ err, repository, digest }, "image scan failed");
      await store.setStatus(digest, "failed", (err as Error).message).catch(() => {});
    }
  }

  /** Pushes the SBOM as a referrer of the image (artifactType CycloneDX) and returns its manifest digest. */
  private async pushReferrer(repository: string, subject: string, sbom: Buffer): Promise<string> {
    const { registry } = this.options;
    const subjectManifest = await registry.manifests.get(repository, subject, SYSTEM_ACTOR, false);
    const sbomDigest = digestOf(sbom);
    const configDigest = digestOf(EMPTY_CONFIG);
    await registry.uploads.putMonolithic(repository, sbomDigest, once(sbom));
    await registry.uploads.putMonolithic(repository, configDigest, once(EMPTY_CONFIG));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: CYCLONEDX_MEDIA_TYPE,
        config: { mediaType: EMPTY_CONFIG_TYPE, digest: configDigest, size: EMPTY_CONFIG.length },
        layers: [{ mediaType: CYCLONEDX_MEDIA_TYPE, digest: sbomDigest, size: sbom.length }],
        subject: { mediaType: subjectManifest.mediaType, digest: subject, size: subjectManifest.size },
        annotations: {
          "org.opencontainers.image.created": new Date().toISOString(),
          "dev.portcullis.sbom.generator": `portcullis ${this.options.toolVersion}`,
        },
      }),
    );
    const manifestDigest = digestOf(manifest);
    await registry.manifests.put(
      repository,
      manifestDigest,
      manifest,
      "application/vnd.oci.image.manifest.v1+json",
      [],
      SYSTEM_ACTOR,
    );
    return manifestDigest;
  }

  /**
   * Matches every stored SBOM again when the advisory database has another revision than the one
   * its report was made with. Returns how many reports changed.
   */
  async rematchIfChanged(): Promise<number> {
    const advisories = this.reopenAdvisories();
    if (!advisories) return 0;
    const revision = advisories.revision();
    const stale = await this.options.store.stale(revision);
    for (const { digest, sbom } of stale) {
      await this.rematch(digest, sbom, advisories, revision);
    }
    if (stale.length > 0)
      this.options.logger.info({ reports: stale.length, revision }, "re-matched stored SBOMs");
    return stale.length;
  }

  /** The advisory database opened anew (a re-match must see the newest import), or none. */
  private reopenAdvisories(): AdvisoryDatabase | undefined {
    this.advisories?.close();
    this.advisories = undefined;
    this.advisoriesChecked = 0;
    return this.database();
  }

  /** One stored SBOM matched against `advisories` again, its report replaced. */
  private async rematch(
    digest: string,
    sbom: Buffer,
    advisories: AdvisoryDatabase,
    revision: string,
  ): Promise<void> {
    const doc = readSbom(sbom.toString("utf8"));
    await this.options.store.rematched(
      digest,
      assessSbom(doc, { advisories, advisoryRevision: revision }),
      revision,
    );
  }

  close(): void {
    this.advisories?.close();
    this.advisories = undefined;
  }
}

function isImageManifestType(mediaType: string): boolean {
  return (
    mediaType === "application/vnd.oci.image.manifest.v1+json" ||
    mediaType === "application/vnd.docker.distribution.manifest.v2+json"
  );
}

/** A buffer as the async iterable body the upload service reads. */
async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}
