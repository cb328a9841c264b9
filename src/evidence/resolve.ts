import { EvidenceError } from "./errors.js";
import { withTimeout } from "./timeout.js";

export interface TagReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
}

/** Resolves a tag to the digest it names now (a HEAD on the manifest). app/ implements it. */
export interface DigestResolver {
  resolveDigest(ref: TagReference, signal: AbortSignal): Promise<string>;
}

export type Resolution = { readonly digest: string } | { readonly error: string };

export interface RequestResolverOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * A resolver for one request: each tag is resolved once however many containers name it, and never
 * remembered past the request (a tag moves; what was checked is the digest the mutating webhook pins).
 * Failures come back as `{ error }` for the policy's digest rule and failurePolicy to judge.
 */
export function requestDigestResolver(
  resolver: DigestResolver,
  options: RequestResolverOptions,
): (ref: TagReference) => Promise<Resolution> {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new EvidenceError(
      "INVALID_ARGUMENT",
      `timeoutMs must be a positive number, not ${options.timeoutMs}`,
    );
  }
  const seen = new Map<string, Promise<Resolution>>();
  return (ref) => {
    const key = `${ref.registry}/${ref.repository}:${ref.tag}`;
    let pending = seen.get(key);
    if (!pending) {
      pending = withTimeout(
        (signal) => resolver.resolveDigest(ref, signal),
        options.timeoutMs,
        options.signal,
      ).then(
        (digest): Resolution => ({ digest }),
        (err: unknown): Resolution => ({ error: err instanceof Error ? err.message : String(err) }),
      );
      seen.set(key, pending);
    }
    return pending;
  };
}
