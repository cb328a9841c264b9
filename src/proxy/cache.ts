import { isPortcullisError } from "../core/index.js";
import {
  type FetchedManifest,
  ImageError,
  isNonDistributable,
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_OCI_CONFIG,
  type ParsedManifest,
  parseManifest,
  parseManifestReference,
  type RegistryClient,
} from "../oci/index.js";
import { type Actor, projectOfRepository, type Registry, RegistryError } from "../registry/index.js";
import { checkAllowlist } from "./allowlist.js";
import { ProxyError } from "./errors.js";
import { type ProxySettings, upstreamNamed, upstreamRepository } from "./settings.js";

/** Scans of images this cache brought in: how long a first pull waits for them. */
export interface ScanWaiter {
  /**
   * Waits until every digest's scan has finished (done or failed), at most `timeoutMs`; returns the
   * digests still unfinished. `fresh` digests were stored a moment ago: a scan not yet queued for them
   * counts as unfinished.
   */
  unfinished(digests: readonly string[], options: { timeoutMs: number; fresh: boolean }): Promise<string[]>;
}

export interface ProxyProject {
  readonly name: string;
  readonly settings: ProxySettings;
}

export interface PullThroughOptions {
  readonly registry: Registry;
  /** The proxy settings of a project; undefined for a project that is no proxy (or does not exist). */
  readonly settings: (project: string) => Promise<ProxySettings | undefined>;
  /** Whether a project exists (proxy or not): unprefixed names are mapped only when their first part is none. */
  readonly projectExists: (project: string) => Promise<boolean>;
  /** Every proxy project (for containerd's `?ns=`); read at most once per `listTtlMs`. */
  readonly proxyProjects: () => Promise<readonly ProxyProject[]>;
  /** A client for a project's upstream (its credentials opened by the caller). */
  readonly client: (project: string, settings: ProxySettings) => Promise<RegistryClient>;
  readonly scans?: ScanWaiter;
  /** How long a first pull waits for the scans of what it brought in (default 60 s). */
  readonly scanWaitMs?: number;
  /** A cached tag is checked against the upstream (HEAD) at most once per this (default 30 s). */
  readonly recheckMs?: number;
  /** The project unprefixed names go to (transparent mirror), when configured. */
  readonly defaultProject?: string;
  readonly listTtlMs?: number;
  readonly now?: () => number;
  readonly warn?: (message: string, detail: Record<string, unknown>) => void;
}

/** What preparing a manifest read found: scans still running over what the read will serve. */
export interface Prepared {
  readonly scanPending: readonly string[];
}

const NOTHING: Prepared = { scanPending: [] };
/** Index entries fetched at most: an index listing more is refused rather than copied in part. */
const MAX_CHILDREN = 128;

/**
 * The pull-through cache (issue 16): a proxy project's repositories are copies of an upstream
 * registry's, fetched on first pull through the registry's own push path (so quotas, the push gate,
 * events and scan on push apply as to any push) and then served like any other manifest, through the
 * pull gate. The allowlist is asked before the upstream is; a cached tag is re-checked with a HEAD
 * when the upstream answers, and served as cached when it does not (stale-if-error).
 */
export class PullThroughCache {
  private readonly inflight = new Map<string, Promise<Prepared>>();
  /** When each cached tag was last confirmed against the upstream (bounded by eviction on size). */
  private readonly checked = new Map<string, number>();
  private listed: { at: number; projects: readonly ProxyProject[] } | undefined;
  private readonly actor: Actor = { subject: "proxy", kind: "system" };

  constructor(private readonly options: PullThroughOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * The repository a /v2/ request names, mapped for a transparent mirror (Harbor #8082): containerd's
   * `?ns=HOST` picks the proxy project bound to that upstream, and with `proxy.defaultProject` set a
   * name whose first part is no project goes to that project (`alpine` → `hub/alpine`). A name already
   * inside the chosen project, or in an existing project, is left alone.
   */
  async route(repository: string, ns: string | null): Promise<string> {
    if (ns) {
      const bound = (await this.proxies()).find((p) => upstreamNamed(p.settings, ns));
      if (bound) return repository.startsWith(`${bound.name}/`) ? repository : `${bound.name}/${repository}`;
    }
    const fallback = this.options.defaultProject;
    if (fallback && !(await this.options.projectExists(projectOfRepository(repository)))) {
      return `${fallback}/${repository}`;
    }
    return repository;
  }

  /** Proxy projects hold copies only: pushes and deletes through /v2/ are refused (PROXY_DENIED). */
  async refuseWrite(repository: string): Promise<void> {
    const project = projectOfRepository(repository);
    if (await this.options.settings(project)) {
      throw new ProxyError(
        "PROXY_DENIED",
        `${project} is a proxy project: its repositories are copies of an upstream's and take no pushes or deletes`,
      );
    }
  }

  private async proxies(): Promise<readonly ProxyProject[]> {
    const now = this.now();
    if (this.listed && now - this.listed.at < (this.options.listTtlMs ?? 1000)) return this.listed.projects;
    const projects = await this.options.proxyProjects();
    this.listed = { at: now, projects };
    return projects;
  }

  /**
   * Makes `reference` of `repository` present before a manifest read when the repository is in a proxy
   * project: refused (PROXY_DENIED) when the allowlist does not admit it, fetched when missing, re-checked
   * when cached. Then waits (bounded) for the scans of what it serves. Nothing for other projects.
   */
  async prepareManifest(repository: string, reference: string): Promise<Prepared> {
    const project = projectOfRepository(repository);
    const settings = await this.options.settings(project);
    if (!settings) return NOTHING;
    const key = `${repository}\n${reference}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const work = this.prepare(project, settings, repository, reference).finally(() =>
      this.inflight.delete(key),
    );
    this.inflight.set(key, work);
    return work;
  }

  private async prepare(
    project: string,
    settings: ProxySettings,
    repository: string,
    reference: string,
  ): Promise<Prepared> {
    const path = repository.slice(project.length + 1);
    if (path === "") {
      throw new ProxyError(
        "PROXY_DENIED",
        `${project} is a proxy project: name an upstream repository in it`,
      );
    }
    const upstream = upstreamRepository(settings, path);
    const ref = parseManifestReference(reference);
    const local = await this.local(repository, reference);
    if (ref.kind === "digest" && local) return this.scanned([local], false);
    const verdict = checkAllowlist(
      settings.allow,
      upstream,
      ref.kind === "tag" ? { tag: ref.tag } : { digest: ref.digest },
    );
    if (!verdict.allow) {
      throw new ProxyError("PROXY_DENIED", `${verdict.reason} (upstream ${settings.upstream})`);
    }
    const client = await this.options.client(project, settings);
    const checkKey = `${repository}:${reference}`;
    if (local) {
      const last = this.checked.get(checkKey);
      if (last !== undefined && this.now() - last < (this.options.recheckMs ?? 30_000)) {
        return this.scanned([local], false);
      }
      let current: string | undefined;
      try {
        current = (await client.headManifest(upstream, reference))?.digest;
      } catch (err) {
        if (!isUpstreamFailure(err)) throw err;
        // Asked again only after the interval: an upstream that hangs must not hold every pull up.
        this.remember(checkKey);
        this.options.warn?.("upstream unavailable: serving the cached copy", {
          repository,
          reference,
          upstream: settings.upstream,
          error: (err as Error).message,
        });
        return this.scanned([local], false);
      }
      // Gone upstream, or the same digest: the cached copy stands. (A tag removed upstream is not
      // removed here: retention rules decide what a proxy project keeps.)
      if (current === undefined || current === local) {
        this.remember(checkKey);
        return this.scanned([local], false);
      }
    }
    let fetched: FetchedManifest;
    try {
      fetched = await client.getManifest(upstream, reference);
    } catch (err) {
      if (err instanceof ImageError && err.code === "IMAGE_NOT_FOUND") {
        if (local) return this.scanned([local], false);
        throw new RegistryError(
          "MANIFEST_UNKNOWN",
          `${upstream}:${reference} is not in ${settings.upstream}`,
        );
      }
      if (local && isUpstreamFailure(err)) return this.scanned([local], false);
      if (isUpstreamFailure(err)) {
        throw new ProxyError(
          "UPSTREAM_UNAVAILABLE",
          `${repository}:${reference} is not cached and upstream ${settings.upstream} cannot be reached: ${(err as Error).message}`,
        );
      }
      throw err;
    }
    const images: string[] = [];
    try {
      await this.store(
        client,
        repository,
        upstream,
        fetched,
        ref.kind === "tag" ? ref.tag : undefined,
        images,
        0,
      );
    } catch (err) {
      if (isUpstreamFailure(err)) {
        throw new ProxyError(
          "UPSTREAM_UNAVAILABLE",
          `copying ${repository}:${reference} from ${settings.upstream} failed: ${(err as Error).message}`,
        );
      }
      throw err;
    }
    this.remember(checkKey);
    // The images copied now: a first pull waits (bounded) for their scans.
    return this.scanned([...new Set(images)], true);
  }

  private remember(key: string): void {
    if (this.checked.size >= 10_000) this.checked.clear();
    this.checked.set(key, this.now());
  }

  private async scanned(digests: readonly string[], fresh: boolean): Promise<Prepared> {
    const scans = this.options.scans;
    if (!scans || digests.length === 0) return NOTHING;
    const pending = await scans.unfinished(digests, {
      timeoutMs: fresh ? (this.options.scanWaitMs ?? 60_000) : 0,
      fresh,
    });
    return { scanPending: pending };
  }

  /** The digest `reference` names in `repository` here, or undefined. */
  private async local(repository: string, reference: string): Promise<string | undefined> {
    try {
      return (await this.options.registry.manifests.get(repository, reference, this.actor, false)).digest;
    } catch (err) {
      if (isPortcullisError(err) && (err.code === "MANIFEST_UNKNOWN" || err.code === "NAME_UNKNOWN"))
        return undefined;
      throw err;
    }
  }

  /** Copies one manifest, its children and blobs into `repository`, children and blobs first. */
  private async store(
    client: RegistryClient,
    repository: string,
    upstream: string,
    fetched: FetchedManifest,
    tag: string | undefined,
    images: string[],
    depth: number,
  ): Promise<void> {
    const manifest = parseManifest(fetched.bytes, fetched.mediaType);
    if (manifest.kind === "index") {
      if (depth > 1 || manifest.manifests.length > MAX_CHILDREN) {
        throw new ProxyError(
          "PROXY_DENIED",
          `${upstream}@${fetched.digest} nests indexes or lists more than ${MAX_CHILDREN} manifests: not cached`,
        );
      }
      for (const child of manifest.manifests) {
        if (await this.local(repository, child.digest)) continue;
        const bytes = await client.getManifest(upstream, child.digest);
        await this.store(client, repository, upstream, bytes, undefined, images, depth + 1);
      }
    } else {
      const blobs = [...(manifest.config ? [manifest.config] : []), ...manifest.layers];
      for (const blob of blobs) {
        if (isNonDistributable(blob.mediaType) || (await this.hasBlob(repository, blob.digest))) continue;
        const stream = await client.getBlob(upstream, blob.digest, blob.size);
        await this.options.registry.uploads.putMonolithic(repository, blob.digest, stream);
      }
      images.push(...imagesOf(manifest, fetched.digest));
    }
    await this.options.registry.manifests.put(
      repository,
      tag ?? fetched.digest,
      fetched.bytes,
      fetched.mediaType,
      [],
      this.actor,
    );
  }

  private async hasBlob(repository: string, digest: string): Promise<boolean> {
    try {
      await this.options.registry.blobs.stat(repository, digest);
      return true;
    } catch (err) {
      if (isPortcullisError(err) && (err.code === "BLOB_UNKNOWN" || err.code === "NAME_UNKNOWN"))
        return false;
      throw err;
    }
  }
}

/** The image manifests a manifest stands for: itself when it is a container image, its entries when an index. */
function imagesOf(manifest: ParsedManifest, digest: string): string[] {
  if (manifest.kind === "index") return manifest.manifests.map((m) => m.digest);
  const config = manifest.config?.mediaType;
  return config === MEDIA_TYPE_OCI_CONFIG || config === MEDIA_TYPE_DOCKER_CONFIG ? [digest] : [];
}

/** The upstream could not answer (down, refusing, rate-limiting, 5xx), as opposed to a refusal here. */
function isUpstreamFailure(err: unknown): boolean {
  return err instanceof ImageError && err.code !== "IMAGE_NOT_FOUND";
}
