import { LRUCache } from "lru-cache";
import { ttlClock } from "../../core/index.js";
import type { Discovery } from "./discover.js";
import type { ImageTarget } from "./target.js";

/** What a warm verification needs without a network round trip: the manifest and its artifacts. */
export interface CachedImage {
  target: ImageTarget;
  discovery: Discovery;
}

/**
 * A small in-memory cache of discovered artifacts, keyed by `registry/repository@digest`. Content
 * under a digest never changes, but signatures are added to it, so entries expire `ttlMs` after they
 * were stored (default 60 s). Least recently used entries go first beyond `maxEntries` (default 256);
 * both through lru-cache. Only references by digest hit it: a tag is resolved every time, since tags
 * move.
 */
export class VerificationCache {
  private readonly entries: LRUCache<string, CachedImage>;
  /** False when the TTL is 0: caching is off. */
  private readonly storing: boolean;
  /** Moves on every invalidation, so a discovery that began before one is not stored after it. */
  private epoch = 0;

  constructor(options: { ttlMs?: number; maxEntries?: number; clock?: () => number } = {}) {
    const perf = ttlClock(options.clock);
    this.entries = new LRUCache({
      max: Math.max(1, options.maxEntries ?? 256),
      // A TTL of 0 stores nothing (`set`); lru-cache wants a positive one.
      ttl: Math.max(1, Math.round(options.ttlMs ?? 60_000)),
      ttlResolution: 0,
      ...(perf ? { perf } : {}),
    });
    this.storing = (options.ttlMs ?? 60_000) > 0;
  }

  static key(registry: string, repository: string, digest: string): string {
    return `${registry}/${repository}@${digest}`;
  }

  /** The entry, if stored and fresh; a hit becomes the most recently used. */
  get(key: string): CachedImage | undefined {
    return this.entries.get(key);
  }

  /** Take before a discovery, hand to `set` after it: a result older than an invalidation is dropped. */
  get generation(): number {
    return this.epoch;
  }

  set(key: string, value: CachedImage, generation = this.epoch): void {
    if (generation !== this.epoch || !this.storing) return;
    this.entries.set(key, value);
  }

  /** Forget an image (after signing it, so the next verification sees the new signature). */
  delete(key: string): void {
    this.epoch++;
    this.entries.delete(key);
  }

  /** Forget a digest in every repository (a signature, attestation or referrer for it arrived). */
  invalidateDigest(digest: string): void {
    this.epoch++;
    for (const key of [...this.entries.keys()]) if (key.endsWith(`@${digest}`)) this.entries.delete(key);
  }

  /** Forget everything (a manifest was deleted whose subject is unknown, a policy was reloaded). */
  clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
