import type { EventRecord } from "../../audit/index.js";
import { type Registry, RegistryError, SYSTEM_ACTOR } from "../../registry/index.js";

/** A tag (or digest) as the registry resolves it now; undefined when the repository does not hold it. */
export function registryTagResolver(registry: Registry) {
  return async (repository: string, reference: string): Promise<string | undefined> => {
    try {
      return (await registry.manifests.get(repository, reference, SYSTEM_ACTOR, false)).digest;
    } catch (err) {
      if (err instanceof RegistryError) return undefined;
      throw err;
    }
  };
}

/**
 * A tag as the record last saw it move (the CLI reading a database without the blob store): the
 * newest `tag.moved` of that repository and tag, or the newest push that named the tag.
 */
export function recordTagResolver(record: EventRecord) {
  return async (repository: string, tag: string): Promise<string | undefined> => {
    let best: { at: number; index: number; digest: string | undefined } | undefined;
    let after: number | undefined;
    for (;;) {
      const page = await record.query({
        repository,
        kind: ["tag.moved", "image.pushed"],
        ...(after === undefined ? {} : { after }),
      });
      for (const entry of page) {
        const p = entry.payload;
        if (typeof p !== "object" || p === null || Array.isArray(p)) continue;
        const names =
          entry.kind === "tag.moved" ? p.tag === tag : Array.isArray(p.tags) && p.tags.includes(tag);
        if (!names) continue;
        const digest =
          entry.kind === "tag.moved" ? (typeof p.to === "string" ? p.to : undefined) : entry.digest;
        if (!best || entry.at > best.at || (entry.at === best.at && entry.index > best.index)) {
          best = { at: entry.at, index: entry.index, digest };
        }
      }
      if (page.length === 0 || page.length < 1000) break;
      after = page[page.length - 1]!.index;
    }
    return best?.digest;
  };
}
