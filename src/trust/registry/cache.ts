import type { Discovery } from "./discover.js";
import type { ImageTarget } from "./target.js";

/** What a warm verification needs without a network round trip: the manifest and its artifacts. */
export interface CachedImage {
  target: ImageTarget;
  discovery: Discovery;
}

/**
 * A small in-memory cache of discovered artifacts, keyed by `registry/repository@digest`. Content
 * under a digest never changes, but signatures are added to it, so entries expire after `ttlMs`
 * (default 60 s). Least recently used entries go first beyond `maxEntries` (default 256). Only
 * references by digest hit it: a tag is resolved every time, since tags move.
 */
export class VerificationCache {
  private readonly entries = new Map<string, { value: CachedImage; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  /** Moves on every invalidation, so a discovery that began before one is not stored after it. */
  private epoch = 0;

  constructor(options: { ttlMs?: number; maxEntries?: number; clock?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 256);
    this.clock = options.clock ?? Date.now;
  }

  static key(registry: string, repository: string, digest: string): string {
    return `${registry}/${repository}@${digest}`;
  }

  get(key: string): CachedImage | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert so Map order is recency order.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** Take before a discovery, hand to `set` after it: a result older than an invalidation is dropped. */
  get generation(): number {
    return this.epoch;
  }

  set(key: string, value: CachedImage, generation = this.epoch): void {
    if (generation !== this.epoch) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.clock() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
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
