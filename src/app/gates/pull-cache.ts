import { LRUCache } from "lru-cache";
import { ttlClock } from "../../core/index.js";
import type { RegistryEvent } from "../../registry/index.js";
import { parseCosignTag } from "../../trust/index.js";

/**
 * The pull gate's decision cache (config `policy.decisionCache`), which a cached verdict must not
 * outlive the reason for (issue 11, item 9). Two rules make it correct by construction:
 *
 * - The key is the very input the gate decides on (image and request, serialised) and the gate that
 *   decides (one per loaded policy and key files), so nothing the policy can read is left out: two
 *   users, two requests, two policies never share a verdict.
 * - A verdict is forgotten as soon as anything it read can have changed in this process: a signature
 *   or attestation tag naming its digest (cosign's `sha256-<hex>.sig`/`.att`), a referrer whose
 *   subject it is, a new index listing it, a scan stored for it, a deleted manifest (whose subject is
 *   no longer known), and, through the digests recorded as bound to it (the indexes listing it, whose
 *   signatures vouch for it), any of those for a bound digest.
 *
 * Other replicas sharing the database hear of this process's events through the invalidation bus
 * (app/replicas.ts) and forget the same verdicts; the TTL stays the backstop for a notification missed. Both maps are lru-cache instances bounded by `max` (least
 * recently used out first); verdicts expire `ttlMs` after they were stored.
 */
export class PullDecisionCache<V extends object> {
  readonly #entries: LRUCache<string, { readonly value: V; readonly digest: string }>;
  /** bound digest → digests whose decisions read it. */
  readonly #dependents: LRUCache<string, Set<string>>;

  constructor(options: { max?: number; ttlMs: number; now?: () => number }) {
    const max = options.max ?? 10_000;
    const perf = ttlClock(options.now);
    this.#entries = new LRUCache({
      max,
      ttl: Math.max(1, Math.round(options.ttlMs)),
      ttlResolution: 0,
      ...(perf ? { perf } : {}),
    });
    this.#dependents = new LRUCache({ max });
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  set(key: string, digest: string, value: V): void {
    this.#entries.set(key, { value, digest });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Records that decisions about `digest` read what is attached to each of `bound`. */
  bind(digest: string, bound: readonly string[]): void {
    for (const b of bound) {
      let set = this.#dependents.get(b);
      if (set === undefined) {
        set = new Set();
        this.#dependents.set(b, set);
      }
      set.add(digest);
    }
  }

  /** Forgets every verdict about `digest` and about the digests bound to it; returns those digests. */
  invalidate(digest: string): string[] {
    const affected = [digest, ...(this.#dependents.get(digest) ?? [])];
    const set = new Set(affected);
    for (const [key, entry] of [...this.#entries.entries()]) {
      if (set.has(entry.digest)) this.#entries.delete(key);
    }
    return affected;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The referrers tag schema's tag (distribution-spec 1.1 "Referrers Tag Schema"): `<alg>-<ref>`. */
const REFERRERS_TAG = /^(sha256)-([0-9a-f]{64})$/;

/**
 * The digest a tag is about: cosign's (`sha256-<hex>.sig`, `.att`, `.sbom`) or the referrers tag
 * schema's fallback index (`sha256-<hex>`); undefined for any other tag.
 */
function digestOfCosignTag(tag: string): string | undefined {
  const fallback = REFERRERS_TAG.exec(tag);
  if (fallback) return `${fallback[1]}:${fallback[2]}`;
  return parseCosignTag(tag)?.digest;
}

/**
 * What a registry event can change decisions about: `digests` whose verdicts are stale now, `index`
 * when a pushed index's children must be read to know, `all` when it cannot be known (a deleted
 * manifest may have been a referrer of anything).
 */
export function affectedBy(event: RegistryEvent): { digests: string[]; index?: string; all?: boolean } {
  switch (event.type) {
    case "manifest.pushed": {
      const digests = event.tags.flatMap((t) => digestOfCosignTag(t) ?? []);
      if (event.subject !== undefined) digests.push(event.subject);
      const isIndex = /index|manifest\.list/.test(event.mediaType);
      return isIndex ? { digests, index: event.digest } : { digests };
    }
    case "tag.changed": {
      const digest = digestOfCosignTag(event.tag);
      return { digests: digest === undefined ? [] : [digest] };
    }
    case "manifest.deleted":
      return { digests: [], all: true };
    default:
      return { digests: [] };
  }
}
