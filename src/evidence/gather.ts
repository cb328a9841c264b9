import type { EvidenceCache } from "./cache.js";
import { EvidenceError } from "./errors.js";
import type {
  BaseImageEvidence,
  EvidenceFailure,
  EvidenceSourceName,
  GatheredFacts,
  ImageConfigEvidence,
} from "./facts.js";
import type { EvidencePorts, EvidenceSubject } from "./ports.js";
import { withTimeout } from "./timeout.js";

export interface GatherOptions {
  /** Per-source deadline; a source that has not answered by then is recorded as an error. */
  readonly timeoutMs: number;
  /** Which sources to gather (policy's `requiredEvidence`); all four by default. */
  readonly sources?: readonly EvidenceSourceName[];
  readonly cache?: EvidenceCache;
  /** Aborts every lookup (the admission request's own deadline). */
  readonly signal?: AbortSignal;
}

const ALL_SOURCES: readonly EvidenceSourceName[] = ["config", "signatures", "attestations", "scan"];

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

/**
 * Gathers the facts about one digest: each wanted source runs concurrently, under its own timeout,
 * through the cache when one is given. Never throws: a source that fails, times out or has no port is
 * listed in `errors`, and the policy rule's failurePolicy decides what that means.
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
  const wanted = new Set(options.sources ?? ALL_SOURCES);
  const errors: EvidenceFailure[] = [];
  const repositoryKey = `${subject.registry}/${subject.repository}@${subject.digest}`;

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
    const load = () => withTimeout(lookup, options.timeoutMs, options.signal);
    try {
      return await (options.cache ? options.cache.getOrLoad(source, key, load) : load());
    } catch (err) {
      errors.push({ source, message: messageOf(err) });
      return undefined;
    }
  };

  const { config: configPort, signatures: signaturePort, attestations: attestationPort, scans } = ports;
  const [config, signatures, attestations, scan] = await Promise.all([
    run("config", configPort, subject.digest, (signal) => configPort!.imageConfig(subject, signal)),
    run("signatures", signaturePort, repositoryKey, (signal) =>
      signaturePort!.verifySignatures(subject, signal),
    ),
    run("attestations", attestationPort, repositoryKey, (signal) =>
      attestationPort!.verifyAttestations(subject, signal),
    ),
    run("scan", scans, subject.digest, (signal) => scans!.latestScan(subject, signal)),
  ]);
  const base = config ? baseImageOf(config) : undefined;
  errors.sort((a, b) => ALL_SOURCES.indexOf(a.source) - ALL_SOURCES.indexOf(b.source));
  return {
    ...(config ? { config } : {}),
    ...(base ? { base } : {}),
    ...(signatures ? { signatures } : {}),
    ...(attestations ? { attestations } : {}),
    ...(scan ? { scan } : {}),
    ...(errors.length > 0 ? { errors } : {}),
  };
}
