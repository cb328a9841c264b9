import type { Descriptor } from "../oci/index.js";
import { type ArtifactResult, ImageCopier } from "./copy.js";
import type { RegistryEndpoint } from "./endpoint.js";
import type { CompiledFilters } from "./rule.js";

/** Which images one run looks at: everything the filters match, or the one tag an event named. */
export type RunScope =
  | { readonly kind: "all" }
  | { readonly kind: "tag"; readonly repository: string; readonly tag: string }
  | { readonly kind: "deleted"; readonly repository: string; readonly tag: string; readonly digest: string }
  /** A signature or referrer arrived for `digest`: copy its artifacts where the image already is. */
  | { readonly kind: "subject"; readonly repository: string; readonly digest: string };

export interface RunOptions {
  readonly source: RegistryEndpoint;
  readonly destination: RegistryEndpoint;
  readonly filters: CompiledFilters;
  /** Remove from the destination the matched tags the source no longer has. Off unless the rule says. */
  readonly deletion: boolean;
  readonly scope: RunScope;
  /** Referrers not to copy (see ImageCopier). */
  readonly skipReferrer?: (referrer: Descriptor) => boolean;
  /** Each artifact as it is decided (the store writes them as they come, so a cut run keeps its history). */
  readonly onResult?: (result: ArtifactResult) => Promise<void> | void;
}

export interface RunSummary {
  readonly copied: number;
  readonly present: number;
  readonly skipped: number;
  readonly deleted: number;
  readonly failed: number;
  readonly bytes: number;
}

/**
 * One replication run: plans from the source's names and the rule's filters, copies each tag (a
 * failure is recorded and the run goes on; a rerun retries only what is missing), then, when the rule
 * propagates deletions, removes what the source dropped.
 */
export async function replicate(options: RunOptions): Promise<RunSummary> {
  const { source, destination, filters, scope } = options;
  const copier = new ImageCopier(source, destination, options.skipReferrer);
  const totals = { copied: 0, present: 0, skipped: 0, deleted: 0, failed: 0, bytes: 0 };
  const note = async (result: ArtifactResult) => {
    totals[result.outcome] += 1;
    totals.bytes += result.bytes;
    await options.onResult?.(result);
  };
  if (scope.kind === "deleted") {
    if (options.deletion && filters.repository(scope.repository) && filters.tag(scope.tag)) {
      await note(
        await deleteIfSame(destination, filters.destination(scope.repository), scope.tag, scope.digest),
      );
    }
    return totals;
  }
  if (scope.kind === "subject") {
    if (filters.repository(scope.repository)) {
      const to = filters.destination(scope.repository);
      for (const result of await copier.copyArtifactsOf(scope.repository, to, scope.digest))
        await note(result);
    }
    return totals;
  }
  const repositories =
    scope.kind === "tag"
      ? filters.repository(scope.repository)
        ? [scope.repository]
        : []
      : (await source.repositories()).filter((name) => filters.repository(name));
  for (const repository of repositories) {
    const to = filters.destination(repository);
    const tags = scope.kind === "tag" ? [scope.tag] : await source.tags(repository);
    const wanted = tags.filter((tag) => filters.tag(tag));
    await eachAtMost(TAG_CONCURRENCY, wanted, async (tag) => {
      if (filters.signedOnly) {
        const digest = await source.resolve(repository, tag);
        if (digest === undefined || !(await copier.signed(repository, digest))) {
          await note({
            kind: "image",
            repository: to,
            reference: tag,
            outcome: "skipped",
            bytes: 0,
            detail: "not signed",
          });
          return;
        }
      }
      for (const result of await copier.copyTag(repository, to, tag)) await note(result);
    });
    if (options.deletion && scope.kind === "all") {
      const kept = new Set(wanted);
      for (const tag of await destination.tags(to)) {
        if (!filters.tag(tag) || kept.has(tag)) continue;
        const digest = await destination.resolve(to, tag);
        if (digest !== undefined) await note(await deleteIfSame(destination, to, tag, digest));
      }
    }
  }
  return totals;
}

/**
 * Tags of one repository copied at once: most of a copy is waiting on round trips (HEADs, uploads), so a
 * few in flight hide the latency without loading either registry much.
 */
const TAG_CONCURRENCY = 4;

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown after all settle. */
async function eachAtMost<T>(
  limit: number,
  items: readonly T[],
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  const settled = await Promise.allSettled(workers);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
}

/** Deletes the destination's manifest under `tag` only while it is still `digest` (never a newer push). */
async function deleteIfSame(
  destination: RegistryEndpoint,
  repository: string,
  tag: string,
  digest: string,
): Promise<ArtifactResult> {
  try {
    const current = await destination.resolve(repository, tag);
    if (current !== digest) {
      return {
        kind: "deletion",
        repository,
        reference: tag,
        digest,
        outcome: "skipped",
        bytes: 0,
        detail: "changed at the destination",
      };
    }
    await destination.deleteManifest(repository, digest);
    return { kind: "deletion", repository, reference: tag, digest, outcome: "deleted", bytes: 0 };
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    return { kind: "deletion", repository, reference: tag, digest, outcome: "failed", bytes: 0, detail };
  }
}
