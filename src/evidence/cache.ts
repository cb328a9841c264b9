import { LRUCache } from "lru-cache";
import { ttlClock } from "../core/index.js";
import { EvidenceError } from "./errors.js";
import type { EvidenceSourceName } from "./facts.js";

export interface EvidenceCacheOptions {
  /** Most entries kept (least recently used evicted first). Default 10,000. */
  readonly maxEntries?: number;
  /**
   * How long each source's answer stays fresh, in ms. A digest's config never changes (kept until
   * evicted); signatures and attestations can be added after a first look (default 60 s); a scan
   * ages and is replaced by re-scans (default 30 s).
   */
  readonly ttlMs?: Partial<Record<CachedSource, number>>;
  /**
   * How long signatures or attestations with none verified stay fresh, in ms (default 5 s). "Not
   * signed yet" is the answer that changes when someone signs, and a denial must not outlive its
   * reason (issue 11, item 9); a found signature can keep the longer TTL. The admission webhook runs
   * apart from the registry and hears none of its events, so this short TTL is its bound.
   */
  readonly negativeTtlMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** The evidence sources, and `relations` (an index's platform image never changes; its parents may). */
export type CachedSource = EvidenceSourceName | "relations";

const DEFAULT_TTL: Record<CachedSource, number> = {
  relations: 60_000,
  config: Number.POSITIVE_INFINITY,
  users: Number.POSITIVE_INFINITY,
  signatures: 60_000,
  attestations: 60_000,
  scan: 30_000,
  // "Not posted yet" is what a CI run changes: short, like a negative signature answer.
  occurrences: 5_000,
};

/** Signatures or attestations of which none verified: the answer a new signature changes. */
function isNegative(source: CachedSource, value: unknown): boolean {
  if (source !== "signatures" && source !== "attestations") return false;
  return !(Array.isArray(value) && value.some((v) => (v as { verified?: unknown })?.verified === true));
}

/**
 * A bounded LRU of gathered evidence keyed by source and digest (lru-cache, each entry with its own
 * TTL). Concurrent misses for the same key share one lookup, so a burst of admission requests for one
 * image costs one registry round trip. Failures are never cached.
 */
export class EvidenceCache {
  /** Values are boxed: a source may answer `undefined` (no scan yet), which lru-cache cannot hold. */
  readonly #entries: LRUCache<string, { readonly value: unknown }>;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #ttl: Record<CachedSource, number>;
  readonly #negativeTtl: number;
  hits = 0;
  misses = 0;

  constructor(options: EvidenceCacheOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max < 1)
      throw new EvidenceError("INVALID_ARGUMENT", `maxEntries must be a positive integer, not ${max}`);
    const perf = ttlClock(options.now);
    this.#entries = new LRUCache({ max, ttlResolution: 0, ...(perf ? { perf } : {}) });
    this.#ttl = { ...DEFAULT_TTL, ...options.ttlMs };
    this.#negativeTtl = options.negativeTtlMs ?? 5_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, or the result of `load` (shared with concurrent callers, cached on success). */
  async getOrLoad<T>(source: CachedSource, key: string, load: () => Promise<T>): Promise<T> {
    const cacheKey = `${source}|${key}`;
    const entry = this.#entries.get(cacheKey); // undefined once stale; a hit becomes the most recent
    if (entry) {
      this.hits++;
      return entry.value as T;
    }
    const pending = this.#inflight.get(cacheKey);
    if (pending) {
      this.hits++;
      return pending as Promise<T>;
    }
    this.misses++;
    const promise = load().then(
      (value) => {
        this.#inflight.delete(cacheKey);
        const ttl = this.#ttl[source];
        this.#set(cacheKey, value, isNegative(source, value) ? Math.min(ttl, this.#negativeTtl) : ttl);
        return value;
      },
      (err: unknown) => {
        this.#inflight.delete(cacheKey);
        throw err;
      },
    );
    this.#inflight.set(cacheKey, promise);
    return promise;
  }

  #set(key: string, value: unknown, ttl: number): void {
    if (ttl <= 0) return;
    // lru-cache's TTL 0 is "never stale": what a digest names (its config) is kept until evicted.
    this.#entries.set(key, { value }, { ttl: Number.isFinite(ttl) ? ttl : 0 });
  }

  /** Forgets everything about a digest (a new signature pushed, a re-scan finished). */
  invalidate(digest: string): void {
    for (const key of [...this.#entries.keys()]) if (key.endsWith(digest)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
