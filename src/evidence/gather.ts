import { uidNeedsLookup } from "../oci/index.js";
import type { CachedSource, EvidenceCache } from "./cache.js";
import { EvidenceError } from "./errors.js";
import type {
  BaseImageEvidence,
  EvidenceFailure,
  EvidenceSourceName,
  GatheredFacts,
  ImageConfigEvidence,
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
}

const ALL_SOURCES: readonly EvidenceSourceName[] = ["config", "users", "signatures", "attestations", "scan"];
/** `users` reads the image's layers, so only a rule that asks for it (nonRoot) gets it. */
const DEFAULT_SOURCES = ALL_SOURCES.filter((source) => source !== "users");

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
 * through the cache when one is given. With a relations port the digest's bindings are read first: an
 * index's scan is its platform image's, and signatures and attestations over a bound digest
 * (the index that lists an image, the image an index runs) vouch for the subject too. Never throws: a
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
  const relationPort = ports.relations;
  // Only scans, signatures and attestations depend on the bindings (the config source reads an index).
  const needsRelations = wanted.has("scan") || wanted.has("signatures") || wanted.has("attestations");
  if (relationPort && needsRelations) {
    try {
      relations = await cached("relations", repositoryKey(subject.digest), (signal) =>
        relationPort.relations(subject, signal),
      );
    } catch (err) {
      relationError = `cannot tell which image ${subject.digest} runs: ${messageOf(err)}`;
    }
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
      // Without the relations a scan is read for the digest as it stands, which is right unless it is
      // an index: then nothing is stored for it, and "never scanned" would hide why.
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
  const withBound = async <T extends { readonly digest: string; readonly verified: boolean }>(
    signal: AbortSignal,
    lookup: (subject: EvidenceSubject, signal: AbortSignal) => Promise<readonly T[]>,
  ): Promise<readonly T[]> => {
    const all = await Promise.all([
      lookup(subject, signal),
      ...relations.boundDigests.map((bound) =>
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
  } = ports;
  // The User is resolved through the image's /etc/passwd only when its user part is a name (a number
  // is its own uid): that costs a walk of the layers, once per digest.
  const configAndUser = async () => {
    // The config source reads an index's platform image itself, with the index's annotations over it.
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
  const [{ config, user }, signatures, attestations, scan] = await Promise.all([
    configAndUser(),
    run("signatures", signaturePort, repositoryKey(subject.digest), (signal) =>
      withBound(signal, (s, sig) => signaturePort!.verifySignatures(s, sig)),
    ),
    run("attestations", attestationPort, repositoryKey(subject.digest), (signal) =>
      withBound(signal, (s, sig) => attestationPort!.verifyAttestations(s, sig)),
    ),
    run("scan", scans, image.digest, (signal) => scans!.latestScan(image, signal)),
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
    ...(errors.length > 0 ? { errors } : {}),
  };
}
