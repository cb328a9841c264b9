import {
  baseImageOf,
  type DigestRelations,
  type EvidenceCache,
  type EvidencePorts,
  type EvidenceSourceName,
  type EvidenceSubject,
  type GatheredFacts,
  gatherFacts,
  readRelations,
} from "../../evidence/index.js";
import {
  type Descriptor,
  formatPlatform,
  type Platform,
  platformAsWritten,
  selectableManifests,
} from "../../oci/index.js";
import type { Decision, ImageInput, PolicyInput, RequestInput } from "../../policy/index.js";

/**
 * An index is judged by the images a runtime could run from it, never by one of them: runtimes pick
 * entries by different rules (oci/sources/selectable.ts), so every entry any of them could select on
 * the gate's nodes is judged as an image of its own, and the index passes only when all of them do.
 * Entries are judged concurrently, each with its own facts (read through the same evidence cache, so a
 * warm decision reads nothing), and a signature over the index (or an index nested in it) vouches for
 * the entries it lists: the index names them by digest. An entry's signature vouches for nothing else.
 */

/** More entries than this are not judged one by one: the index fails (an index is rarely above 20). */
export const MAX_JUDGED_ENTRIES = 64;
/** An index inside an index inside an index is as deep as runtimes go in practice; deeper fails. */
export const MAX_INDEX_DEPTH = 3;
/** Entries whose evidence is gathered at once (each gathering already runs its sources concurrently). */
const CONCURRENCY = 8;

/** One image an index lists that a runtime could select, and the decision about it. */
export interface EntryOutcome {
  readonly digest: string;
  /** The entry's platform exactly as the index writes it; absent when the index gives none. */
  readonly platform?: Platform;
  /** The index that lists it: the judged index, or an index nested in it. */
  readonly index: string;
  readonly decision: Decision;
  /** What the policy saw about this image (its own digest and facts). */
  readonly input: PolicyInput;
}

export interface JudgeOptions {
  readonly ports: EvidencePorts;
  readonly sources: readonly EvidenceSourceName[];
  readonly timeoutMs: number;
  readonly cache?: EvidenceCache;
  readonly signal?: AbortSignal;
  /** The nodes' platforms; every runnable entry when absent. */
  readonly platforms?: readonly Platform[];
  /** The policy's evaluation; asynchronous so it can wait for its own event-loop turn (gate.ts). */
  readonly evaluate: (input: PolicyInput) => Decision | Promise<Decision>;
}

export interface Judged {
  readonly decision: Decision;
  readonly input: PolicyInput;
  /** For an index: each entry judged (the decision combines theirs). */
  readonly entries?: readonly EntryOutcome[];
}

/** Every wanted source, failed for one reason. */
export function unavailable(sources: readonly EvidenceSourceName[], message: string): GatheredFacts {
  return sources.length === 0 ? {} : { errors: sources.map((source) => ({ source, message })) };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

type Relations = { readonly relations: DigestRelations } | { readonly error: string };

async function relationsOf(subject: EvidenceSubject, options: JudgeOptions): Promise<Relations> {
  try {
    return {
      relations: await readRelations(subject, options.ports, {
        timeoutMs: options.timeoutMs,
        ...(options.cache ? { cache: options.cache } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    };
  } catch (err) {
    return { error: `cannot tell which image ${subject.digest} runs: ${messageOf(err)}` };
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** `image sha256:… {"os":"Linux","architecture":"x86_64"}`: which entry, with its platform as written. */
export function entryLabel(entry: { readonly digest: string; readonly platform?: Platform }): string {
  return `image ${entry.digest} (${platformAsWritten(entry.platform)})`;
}

/**
 * Judges a digest: an image by its own facts (and the indexes that list it), an index by every entry a
 * runtime could select. Never throws: what cannot be read becomes evidence errors, which fail closed.
 */
export async function judgeDigest(
  image: ImageInput & { readonly digest: string },
  request: RequestInput,
  options: JudgeOptions,
): Promise<Judged> {
  const subject = { registry: image.registry, repository: image.repository, digest: image.digest };
  const found = await relationsOf(subject, options);
  // Not knowing whether it is an index, gatherFacts fails what an index could fake (config, signatures).
  if ("error" in found || found.relations.index === undefined) {
    const evidence = await gather(subject, "error" in found ? found : found.relations, options);
    const input: PolicyInput = { image, request, evidence };
    return { decision: await options.evaluate(input), input };
  }
  const index = found.relations.index;
  const input: PolicyInput = { image, request, evidence: {} };
  const judged = await judgeEntries(image, request, index, [image.digest], options);
  if ("error" in judged) {
    const failed: PolicyInput = { ...input, evidence: unavailable(options.sources, judged.error) };
    return { decision: await options.evaluate(failed), input: failed };
  }
  return { decision: combine(image.digest, judged.entries), input, entries: judged.entries };
}

function gather(
  subject: EvidenceSubject,
  relations: DigestRelations | { readonly error: string },
  options: JudgeOptions,
) {
  return gatherFacts(subject, options.ports, {
    timeoutMs: options.timeoutMs,
    sources: options.sources,
    relations,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

type Entries = { readonly entries: EntryOutcome[] } | { readonly error: string };

/** An index's entries, and the annotations of the indexes above them (an inner index's win). */
interface IndexListing {
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The index's annotations under the image's own (as the config source read an index's before: OCI
 * image-spec annotations.md, e.g. org.opencontainers.image.base.name written on the index).
 */
function withIndexAnnotations(evidence: GatheredFacts, annotations?: Readonly<Record<string, string>>) {
  if (!evidence.config || !annotations || Object.keys(annotations).length === 0) return evidence;
  const config = { ...evidence.config, annotations: { ...annotations, ...evidence.config.annotations } };
  const base = baseImageOf(config);
  return { ...evidence, config, ...(base ? { base } : {}) };
}

async function judgeEntries(
  image: ImageInput,
  request: RequestInput,
  listing: IndexListing,
  ancestors: readonly string[],
  options: JudgeOptions,
): Promise<Entries> {
  const index = ancestors[ancestors.length - 1] as string;
  const selected = selectableManifests(listing.manifests, options.platforms);
  const where = options.platforms ? options.platforms.map(formatPlatform).join(", ") : "any platform";
  if (selected.length === 0)
    return { error: `the index ${index} lists no image a runtime could run on ${where}` };
  if (selected.length > MAX_JUDGED_ENTRIES) {
    return {
      error: `the index ${index} lists ${selected.length} images a runtime could run on ${where}; more than ${MAX_JUDGED_ENTRIES} are not judged`,
    };
  }
  const results = await mapLimit(selected, CONCURRENCY, async (entry): Promise<EntryOutcome[]> => {
    const entryImage: ImageInput = { ...image, digest: entry.digest };
    const subject = { registry: image.registry, repository: image.repository, digest: entry.digest };
    const outcome = async (evidence: GatheredFacts): Promise<EntryOutcome> => {
      const input: PolicyInput = { image: entryImage, request, evidence };
      return {
        digest: entry.digest,
        ...(entry.platform ? { platform: entry.platform } : {}),
        index,
        decision: await options.evaluate(input),
        input,
      };
    };
    // The registry, not the entry's mediaType, says what the digest is: an index may lie about it.
    const found = await relationsOf(subject, options);
    if ("error" in found) return [await outcome(unavailable(options.sources, found.error))];
    const { relations } = found;
    if (relations.index !== undefined) {
      const nested =
        ancestors.length >= MAX_INDEX_DEPTH
          ? { error: `${entry.digest} nests indexes deeper than ${MAX_INDEX_DEPTH}` }
          : await judgeEntries(
              image,
              request,
              { ...relations.index, annotations: { ...listing.annotations, ...relations.index.annotations } },
              [...ancestors, entry.digest],
              options,
            );
      return "error" in nested ? [await outcome(unavailable(options.sources, nested.error))] : nested.entries;
    }
    // Signatures over the indexes that list this entry (by digest) vouch for it; a sibling's never do.
    const bound = [...new Set([...ancestors, ...relations.boundDigests])].filter((d) => d !== entry.digest);
    const evidence = await gather(subject, { imageDigest: entry.digest, boundDigests: bound }, options);
    return [await outcome(withIndexAnnotations(evidence, listing.annotations))];
  });
  return { entries: results.flat() };
}

/** The entry that decides: a denied one, else one that warns, else one that failed in dry run, else the first. */
function deciding(entries: readonly EntryOutcome[]): EntryOutcome {
  return (entries.find((e) => !e.decision.allowed) ??
    entries.find((e) => e.decision.effect === "warn") ??
    entries.find((e) => e.decision.verdict === "fail") ??
    entries[0]) as EntryOutcome;
}

/**
 * One decision for the index: the deciding entry's effect and mode, every entry's rule results named
 * by the entry, and a reason naming the entry that failed (digest and platform as written).
 */
export function combine(index: string, entries: readonly EntryOutcome[]): Decision {
  const worst = deciding(entries);
  const failing = entries.filter((e) => e.decision.verdict === "fail");
  const reason =
    failing.length === 0
      ? `all ${entries.length} image(s) of the index ${index} a runtime could run pass`
      : `${failing.length} of ${entries.length} image(s) of the index ${index} a runtime could run fail; ${entryLabel(worst)}: ${worst.decision.reason}`;
  return {
    ...worst.decision,
    reason,
    rules: entries.flatMap((e) =>
      e.decision.rules.map((r) => ({ ...r, reason: `${entryLabel(e)}: ${r.reason}` })),
    ),
  };
}
