import { uidNeedsLookup } from "../oci/index.js";
import type { CachedSource, EvidenceCache } from "./cache.js";
import { EvidenceError } from "./errors.js";
import type {
  AttestationEvidence,
  BaseImageEvidence,
  EvidenceFailure,
  EvidenceSourceName,
  GatheredFacts,
  ImageConfigEvidence,
  SignatureEvidence,
} from "./facts.js";
import type { DigestRelations, EvidencePorts, EvidenceSubject } from "./ports.js";
import { withTimeout } from "./timeout.js";

export interface GatherOptions {
  /** Per-source deadline; a source that has not answered by then is recorded as an error. */
  readonly timeoutMs: number;
  /** Which sources to gather (policy's `requiredEvidence`); all but `users` by default. */
  readonly sources?: readonly EvidenceSourceName[];
  readonly cache?: EvidenceCache;
  /** Aborts every lookup (the admission request's own deadline). */
  readonly signal?: AbortSignal;
  /**
   * Bound digests (the indexes listing an image) whose signatures and attestations are read, at most;
   * default 8. Anyone who can push can list an image in more indexes, and each costs a discovery: past
   * the bound the rest are not read, and the evidence says so (an unverified entry), so a requirement
   * they alone could meet fails rather than the decision running out of time.
   */
  readonly maxBoundDigests?: number;
  /**
   * The subject's relations, already read (readRelations) by a caller that needed them first, or why
   * they could not be; the relations port is then not asked again.
   */
  readonly relations?: DigestRelations | { readonly error: string };
}

export interface RelationReadOptions {
  readonly timeoutMs: number;
  readonly cache?: EvidenceCache;
  readonly signal?: AbortSignal;
}

/**
 * The relations of a digest through the port, under the timeout and through the cache (keyed as
 * gatherFacts keys them); a digest stands alone without a port. Throws what the look-up throws.
 */
export function readRelations(
  subject: EvidenceSubject,
  ports: EvidencePorts,
  options: RelationReadOptions,
): Promise<DigestRelations> {
  const port = ports.relations;
  if (!port) return Promise.resolve({ imageDigest: subject.digest, boundDigests: [] });
  const load = () =>
    withTimeout((signal) => port.relations(subject, signal), options.timeoutMs, options.signal);
  const key = `${subject.registry}/${subject.repository}@${subject.digest}`;
  return options.cache ? options.cache.getOrLoad("relations", key, load) : load();
}

export const DEFAULT_MAX_BOUND_DIGESTS = 8;

const ALL_SOURCES: readonly EvidenceSourceName[] = [
  "config",
  "users",
  "signatures",
  "attestations",
  "scan",
  "occurrences",
];
/** `users` reads the image's layers, so only a rule that asks for it (nonRoot) gets it. */
// Users cost a walk of the layers and occurrences exist only on a server with the Grafeas API: both
// are read only when a requirement asks (requiredEvidence).
const DEFAULT_SOURCES = ALL_SOURCES.filter((source) => source !== "users" && source !== "occurrences");

/** OCI image-spec pre-defined annotations for the base image (annotations.md), also seen as labels. */
export const ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name";
export const ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest";

export function baseImageOf(config: ImageConfigEvidence): BaseImageEvidence | undefined {
  const read = (key: string) => config.annotations?.[key] || config.labels?.[key] || undefined;
  const name = read(ANNOTATION_BASE_NAME);
  const digest = read(ANNOTATION_BASE_DIGEST);
  if (name === undefined && digest === undefined) return undefined;
  return { ...(name !== undefined ? { name } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** A signature or attestation over a bound digest, restated for the subject it vouches for. */
function through<T extends { readonly digest: string; readonly verified: boolean }>(
  found: readonly T[],
  bound: string,
  subjectDigest: string,
): T[] {
  // Only a verified one is restated: it signs `bound`, which names the subject by digest. A failed one
  // keeps its own digest, so the policy reports it as it is.
  return found.map((f) =>
    f.verified && f.digest === bound ? { ...f, digest: subjectDigest, via: bound } : f,
  );
}

/**
 * Gathers the facts about one digest: each wanted source runs concurrently, under its own timeout,
 * through the cache when one is given. With a relations port the digest's bindings are read first:
 * signatures and attestations over a bound digest (an index that lists the image) vouch for it too, and
 * an index has no facts of its own (every wanted source fails: the gate judges its entries instead). Never throws: a
 * source that fails, times out or has no port is listed in `errors`, and the policy rule's
 * failurePolicy decides what that means.
 */
export async function gatherFacts(
  subject: EvidenceSubject,
  ports: EvidencePorts,
  options: GatherOptions,
): Promise<GatheredFacts> {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new EvidenceError(
      "INVALID_ARGUMENT",
      `timeoutMs must be a positive number, not ${options.timeoutMs}`,
    );
  }
  const wanted = new Set(options.sources ?? DEFAULT_SOURCES);
  const errors: EvidenceFailure[] = [];
  const repositoryKey = (digest: string) => `${subject.registry}/${subject.repository}@${digest}`;
  const cached = <T>(source: CachedSource, key: string, lookup: (signal: AbortSignal) => Promise<T>) => {
    const load = () => withTimeout(lookup, options.timeoutMs, options.signal);
    return options.cache ? options.cache.getOrLoad(source, key, load) : load();
  };

  let relations: DigestRelations = { imageDigest: subject.digest, boundDigests: [] };
  let relationError: string | undefined;
  // Read whatever is wanted: even a config alone must not be read for an index (it would be one entry's).
  if (options.relations !== undefined) {
    if ("error" in options.relations) relationError = options.relations.error;
    else relations = options.relations;
  } else if (ports.relations && wanted.size > 0) {
    try {
      relations = await readRelations(subject, ports, options);
    } catch (err) {
      relationError = `cannot tell which image ${subject.digest} runs: ${messageOf(err)}`;
    }
  }
  // Without its relations the digest may be an index, whose config would be one entry's and whose
  // signatures vouch for no image: those fail closed. A scan is still read for the digest as it stands:
  // scan sources hold reports of images only (an index is never scanned), so one found is the image's.
  if (relationError !== undefined) {
    for (const source of ["config", "signatures", "attestations"] as const) {
      if (wanted.delete(source)) errors.push({ source, message: relationError });
    }
  }
  // An index is not an image: its facts would be one entry's, and a runtime may run another. The gate
  // judges each entry a runtime could select instead; asked about the index itself, nothing is known.
  if (relations.index !== undefined) {
    const message = `${subject.digest} is an index: only the images it lists can be judged`;
    return { errors: ALL_SOURCES.filter((s) => wanted.has(s)).map((source) => ({ source, message })) };
  }
  const image: EvidenceSubject = { ...subject, digest: relations.imageDigest };

  const run = async <T>(
    source: EvidenceSourceName,
    port: object | undefined,
    key: string,
    lookup: (signal: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> => {
    if (!wanted.has(source)) return undefined;
    if (!port) {
      errors.push({ source, message: `no ${source} source is configured` });
      return undefined;
    }
    try {
      const found = await cached(source, key, lookup);
      // Never scanned, and the relations unknown: the digest may be an index, and that is the reason.
      if (found === undefined && source === "scan" && relationError !== undefined) {
        errors.push({ source, message: relationError });
      }
      return found;
    } catch (err) {
      errors.push({ source, message: messageOf(err) });
      return undefined;
    }
  };
  // The subject's own, and each bound digest's restated for the subject (looked up concurrently). A
  // bound digest whose look-up fails adds nothing: it can only vouch, and the subject's own still count.
  const maxBound = options.maxBoundDigests ?? DEFAULT_MAX_BOUND_DIGESTS;
  const boundRead = relations.boundDigests.slice(0, maxBound);
  const skipped = relations.boundDigests.length - boundRead.length;
  const withBound = async <T extends { readonly digest: string; readonly verified: boolean }>(
    signal: AbortSignal,
    lookup: (subject: EvidenceSubject, signal: AbortSignal) => Promise<readonly T[]>,
    incomplete: (error: string) => T,
  ): Promise<readonly T[]> => {
    const all = await Promise.all([
      lookup(subject, signal),
      ...(skipped > 0
        ? [
            Promise.resolve([
              incomplete(
                `evidence incomplete: ${relations.boundDigests.length} digests are bound to ${subject.digest}; the first ${boundRead.length} were read (maxBoundDigests)`,
              ),
            ]),
          ]
        : []),
      ...boundRead.map((bound) =>
        lookup({ ...subject, digest: bound }, signal).then(
          (found) => through(found, bound, subject.digest),
          () => [],
        ),
      ),
    ]);
    return all.flat();
  };

  const {
    config: configPort,
    users: userPort,
    signatures: signaturePort,
    attestations: attestationPort,
    scans,
    occurrences: occurrencePort,
  } = ports;
  // The User is resolved through the image's /etc/passwd only when its user part is a name (a number
  // is its own uid): that costs a walk of the layers, once per digest.
  const configAndUser = async () => {
    const found = await run("config", configPort, subject.digest, (signal) =>
      configPort!.imageConfig(subject, signal),
    );
    const user = found?.user ?? "";
    if (found === undefined || !wanted.has("users") || !uidNeedsLookup(user)) return { config: found };
    const resolved = await run("users", userPort, subject.digest, (signal) =>
      userPort!.imageUser(subject, user, signal),
    );
    return { config: found, user: resolved };
  };
  const [{ config, user }, signatures, attestations, scan, occurrences] = await Promise.all([
    configAndUser(),
    run("signatures", signaturePort, repositoryKey(subject.digest), (signal) =>
      withBound(
        signal,
        (s, sig) => signaturePort!.verifySignatures(s, sig),
        (error): SignatureEvidence => ({ verified: false, digest: subject.digest, signer: {}, error }),
      ),
    ),
    run("attestations", attestationPort, repositoryKey(subject.digest), (signal) =>
      withBound(
        signal,
        (s, sig) => attestationPort!.verifyAttestations(s, sig),
        (error): AttestationEvidence => ({
          predicateType: "",
          verified: false,
          digest: subject.digest,
          signer: {},
          predicate: null,
          error,
        }),
      ),
    ),
    run("scan", scans, image.digest, (signal) => scans!.latestScan(image, signal)),
    // Occurrences are about the image that runs, in the repository it is pulled from.
    run("occurrences", occurrencePort, repositoryKey(image.digest), (signal) =>
      occurrencePort!.occurrences(image, signal),
    ),
  ]);
  const base = config ? baseImageOf(config) : undefined;
  errors.sort((a, b) => ALL_SOURCES.indexOf(a.source) - ALL_SOURCES.indexOf(b.source));
  return {
    ...(config ? { config } : {}),
    ...(user ? { user } : {}),
    ...(base ? { base } : {}),
    ...(signatures ? { signatures } : {}),
    ...(attestations ? { attestations } : {}),
    ...(scan ? { scan } : {}),
    ...(occurrences ? { occurrences } : {}),
    ...(errors.length > 0 ? { errors } : {}),
  };
}
