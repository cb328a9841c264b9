import { LRUCache } from "lru-cache";
import type { Descriptor } from "../../oci/index.js";
import type { Registry } from "../../registry/index.js";

/** Image configs are small; a larger one is refused rather than read (as the gates' 8 MiB). */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** The parts of an image config the console shows (image-spec config.md); absent fields are absent. */
export interface ImageConfigView {
  readonly created?: string;
  readonly author?: string;
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly user?: string;
  readonly entrypoint?: string[];
  readonly cmd?: string[];
  readonly workingDir?: string;
  readonly labels: Record<string, string>;
  readonly exposedPorts: string[];
  readonly history: Array<{ created?: string; createdBy?: string; emptyLayer: boolean; comment?: string }>;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const texts = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
const rec = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Reads what the console shows from a config's JSON; wrong types are dropped, never trusted. */
export function configView(json: unknown): ImageConfigView {
  const top = rec(json);
  const config = rec(top.config);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(config.Labels))) if (typeof v === "string") labels[k] = v;
  const history = (Array.isArray(top.history) ? top.history : []).slice(0, 10_000).map((h) => {
    const entry = rec(h);
    const created = text(entry.created);
    const createdBy = text(entry.created_by);
    const comment = text(entry.comment);
    return {
      ...(created ? { created } : {}),
      ...(createdBy ? { createdBy } : {}),
      emptyLayer: entry.empty_layer === true,
      ...(comment ? { comment } : {}),
    };
  });
  const created = text(top.created);
  const author = text(top.author);
  const variant = text(top.variant);
  const user = text(config.User);
  const entrypoint = texts(config.Entrypoint);
  const cmd = texts(config.Cmd);
  const workingDir = text(config.WorkingDir);
  return {
    ...(created ? { created } : {}),
    ...(author ? { author } : {}),
    os: text(top.os) ?? "unknown",
    architecture: text(top.architecture) ?? "unknown",
    ...(variant ? { variant } : {}),
    ...(user ? { user } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    ...(cmd ? { cmd } : {}),
    ...(workingDir ? { workingDir } : {}),
    labels,
    exposedPorts: Object.keys(rec(config.ExposedPorts)).sort(),
    history,
  };
}

/** `os/architecture[/variant]`, as docker and the OCI platform strings write it. */
export function platformText(p: { os: string; architecture: string; variant?: string }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/**
 * Image configs by digest: content-addressed, so a read config is right for ever (bounded by
 * lru-cache). A config that cannot be read (missing, too large, not JSON) is undefined: the console
 * shows what it can.
 */
export class ConfigReader {
  private readonly cache = new LRUCache<string, ImageConfigView>({ max: 5_000 });

  constructor(private readonly registry: Registry) {}

  async read(repository: string, config: Descriptor): Promise<ImageConfigView | undefined> {
    const hit = this.cache.get(config.digest);
    if (hit) return hit;
    if (config.size > MAX_CONFIG_BYTES) return undefined;
    try {
      const stream = await this.registry.blobs.stream(repository, config.digest);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_CONFIG_BYTES) {
          stream.destroy();
          return undefined;
        }
        chunks.push(chunk as Buffer);
      }
      const view = configView(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      this.cache.set(config.digest, view);
      return view;
    } catch {
      return undefined;
    }
  }
}
