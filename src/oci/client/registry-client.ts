import type { Readable } from "node:stream";
import { digestOf, parseDigest } from "../../core/index.js";
import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import { verifyingStream } from "../image/verify.js";
import { isDockerSchema1MediaType, MANIFEST_MEDIA_TYPES } from "../media-types.js";
import { RegistryAuth } from "./auth.js";
import { parseChallenge } from "./challenge.js";
import { listReferrers, listTagPages } from "./discovery.js";
import type { Credentials } from "./docker-config.js";
import { apiHost, baseUrl } from "./endpoint.js";
import { bodyStream, errorSummary, readLimited } from "./http.js";

/**
 * A client for any registry speaking the OCI Distribution Specification 1.1 (spec.md: pull,
 * push, content discovery, content management), with anonymous, Basic and Docker token
 * authentication (see auth.ts). Blobs stream and are verified against their digest on the way;
 * nothing is buffered whole except manifests (bounded by maxManifestBytes).
 */
export interface RegistryClientOptions {
  /** Registry as written in references: "docker.io", "ghcr.io", "localhost:5000". */
  registry: string;
  credentials?: Credentials;
  /** Plain HTTP to a non-loopback host. */
  insecure?: boolean;
  /** Time to wait for response headers, and the longest pause within a body. Default 30 s. */
  timeoutMs?: number;
  /** Default 8 MiB. */
  maxManifestBytes?: number;
  userAgent?: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  /** Content-Type without parameters. */
  mediaType: string;
  digest: string;
}

export interface ManifestHead {
  mediaType: string;
  /** Docker-Content-Digest, when the registry sent it. */
  digest?: string;
  size: number;
}

export interface BlobPush {
  /** The bytes, or a function that opens them again (called once per attempt). */
  data: Buffer | (() => Readable);
  /** Required when `data` is a stream. */
  digest?: string;
  size?: number;
  /** Try a cross-repository mount from this repository first. */
  mountFrom?: string;
}

/** Every manifest format but Docker schema 1, which parseManifest refuses. */
export const DEFAULT_ACCEPT: readonly string[] = MANIFEST_MEDIA_TYPES.filter(
  (t) => !isDockerSchema1MediaType(t),
);

interface RequestOptions {
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: () => Buffer | Readable | undefined;
  /** Absolute URL (upload locations, Link pages) instead of a /v2 path. */
  url?: string;
}

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly host: string;
  private readonly timeoutMs: number;
  private readonly maxManifestBytes: number;
  private readonly userAgent: string;
  private readonly auth: RegistryAuth;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.host = apiHost(options.registry);
    this.baseUrl = baseUrl(options.registry, options.insecure);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxManifestBytes = options.maxManifestBytes ?? 8 * 1024 * 1024;
    this.userAgent = options.userAgent ?? "portcullis";
    this.auth = new RegistryAuth(this.host, options.credentials, (url, headers) =>
      this.send(url, { method: "GET", headers }),
    );
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      return await fetch(url, { ...init, signal: controller.signal, redirect: "follow" });
    } catch (err) {
      const why = controller.signal.aborted
        ? `did not answer within ${this.timeoutMs} ms`
        : describeNetworkError(err);
      throw new ImageError("REGISTRY_UNREACHABLE", `registry ${new URL(url).host} is unreachable: ${why}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** One request with authentication: on 401, learn the challenge, authenticate, retry once. */
  async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = options.url ?? `${this.baseUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { "User-Agent": this.userAgent, ...options.headers };
      const authorization = this.auth.header(options.scopes);
      if (authorization !== undefined) headers.Authorization = authorization;
      const body = options.body?.();
      const init: RequestInit & { duplex?: "half" } = { method, headers };
      if (body !== undefined) {
        init.body = body as unknown as RequestInit["body"];
        if (!Buffer.isBuffer(body)) init.duplex = "half";
      }
      const res = await this.send(url, init);
      if (res.status !== 401 || attempt > 0) {
        if (res.status === 401 || res.status === 403) {
          const summary = await errorSummary(res);
          throw new ImageError(
            "AUTH_FAILED",
            `${this.registry}: ${method} ${path || url} was refused (${summary})`,
          );
        }
        return res;
      }
      const challenge = parseChallenge(res.headers.get("www-authenticate"));
      await res.body?.cancel();
      if (!(await this.auth.answer(challenge, options.scopes))) {
        throw new ImageError(
          "AUTH_FAILED",
          `${this.registry} requires authentication that was not given or not accepted`,
        );
      }
    }
  }

  private fail(res: Response, what: string): Promise<never> {
    return errorSummary(res).then((summary) => {
      throw new ImageError(res.status === 404 ? "IMAGE_NOT_FOUND" : "REGISTRY_ERROR", `${what}: ${summary}`);
    });
  }

  private name(repo: string, ref: string): string {
    return `${this.registry}/${repo}${ref.includes(":") ? "@" : ":"}${ref}`;
  }

  async getManifest(
    repo: string,
    ref: string,
    accept: readonly string[] = DEFAULT_ACCEPT,
  ): Promise<FetchedManifest> {
    const res = await this.request("GET", `/v2/${repo}/manifests/${ref}`, {
      scopes: [pull(repo)],
      headers: { Accept: accept.join(", ") },
    });
    if (res.status !== 200) return this.fail(res, `manifest ${this.name(repo, ref)}`);
    const bytes = await readLimited(res, this.maxManifestBytes, `manifest ${this.name(repo, ref)}`);
    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const algorithm = ref.includes(":") ? parseDigest(ref).algorithm : "sha256";
    const digest = digestOf(bytes, algorithm);
    const claimed = res.headers.get("docker-content-digest");
    if (
      (ref.includes(":") && digest !== ref) ||
      (claimed?.startsWith(`${algorithm}:`) && claimed !== digest)
    ) {
      throw new ImageError("BLOB_DIGEST_MISMATCH", `manifest ${this.name(repo, ref)} hashes to ${digest}`);
    }
    return { bytes, mediaType, digest };
  }

  async headManifest(
    repo: string,
    ref: string,
    accept: readonly string[] = DEFAULT_ACCEPT,
  ): Promise<ManifestHead | undefined> {
    const res = await this.request("HEAD", `/v2/${repo}/manifests/${ref}`, {
      scopes: [pull(repo)],
      headers: { Accept: accept.join(", ") },
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) return this.fail(res, `manifest ${this.name(repo, ref)}`);
    const head: ManifestHead = {
      mediaType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(),
      size: Number(res.headers.get("content-length") ?? "0"),
    };
    const digest = res.headers.get("docker-content-digest");
    if (digest) head.digest = digest;
    return head;
  }

  /** The blob's bytes, verified while streaming: the stream errors at its end on a digest mismatch. */
  async getBlob(repo: string, digest: string, size?: number): Promise<Readable> {
    parseDigest(digest);
    const res = await this.request("GET", `/v2/${repo}/blobs/${digest}`, { scopes: [pull(repo)] });
    if (res.status !== 200) return this.fail(res, `blob ${digest} in ${this.registry}/${repo}`);
    const what = `blob ${digest} from ${this.registry}/${repo}`;
    const body = bodyStream(res, this.timeoutMs, what);
    const verified = verifyingStream(digest, size, what);
    body.on("error", (err) => verified.destroy(err));
    return body.pipe(verified);
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${repo}/blobs/${digest}`, { scopes: [pull(repo)] });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.fail(res, `blob ${digest} in ${this.registry}/${repo}`);
  }

  /** Uploads a blob (mount, else POST then one monolithic PUT); skips it when already there. Returns its digest. */
  async pushBlob(repo: string, blob: BlobPush): Promise<string> {
    const isBuffer = Buffer.isBuffer(blob.data);
    const digest = blob.digest ?? (isBuffer ? digestOf(blob.data as Buffer) : undefined);
    const size = blob.size ?? (isBuffer ? (blob.data as Buffer).length : undefined);
    if (digest === undefined || size === undefined) {
      throw new ImageError("REGISTRY_ERROR", "pushBlob: a streamed blob needs its digest and size");
    }
    const scopes = [push(repo), ...(blob.mountFrom ? [pull(blob.mountFrom)] : [])];
    if (await this.blobExists(repo, digest)) return digest;
    const query = blob.mountFrom
      ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(blob.mountFrom)}`
      : "";
    const started = await this.request("POST", `/v2/${repo}/blobs/uploads/${query}`, { scopes });
    if (started.status === 201) {
      await started.body?.cancel();
      return digest;
    }
    if (started.status !== 202) return this.fail(started, `upload to ${this.registry}/${repo}`);
    await started.body?.cancel();
    const location = started.headers.get("location");
    if (!location)
      throw new ImageError("REGISTRY_ERROR", `${this.registry}: upload started without a Location`);
    const target = new URL(location, this.baseUrl);
    target.searchParams.set("digest", digest);
    const data = blob.data;
    const res = await this.request("PUT", "", {
      url: target.toString(),
      scopes,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(size) },
      body: () => (Buffer.isBuffer(data) ? data : data()),
    });
    if (res.status !== 201) return this.fail(res, `upload of ${digest} to ${this.registry}/${repo}`);
    await res.body?.cancel();
    return digest;
  }

  /** Stores a manifest under a tag or digest; returns its digest. */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request("PUT", `/v2/${repo}/manifests/${ref}`, {
      scopes: [push(repo)],
      headers: { "Content-Type": mediaType },
      body: () => bytes,
    });
    if (res.status !== 201) return this.fail(res, `manifest ${this.name(repo, ref)}`);
    await res.body?.cancel();
    return res.headers.get("docker-content-digest") ?? digestOf(bytes);
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.request("DELETE", `/v2/${repo}/manifests/${digest}`, {
      scopes: [`repository:${repo}:delete`],
    });
    if (res.status !== 202 && res.status !== 200) return this.fail(res, `delete ${this.name(repo, digest)}`);
    await res.body?.cancel();
  }

  /** Every tag of the repository, following Link pagination (spec.md "Listing Tags"). */
  listTags(repo: string, pageSize?: number): Promise<string[]> {
    return listTagPages(this, repo, pageSize);
  }

  /** Manifests whose subject is `digest` (referrers API, else the `sha256-<hex>` tag schema). */
  getReferrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    return listReferrers(this, repo, digest, artifactType);
  }

  /** For discovery.ts: a failure as an ImageError. */
  failure(res: Response, what: string): Promise<never> {
    return this.fail(res, what);
  }

  get maxBodyBytes(): number {
    return this.maxManifestBytes;
  }
}

export function pull(repo: string): string {
  return `repository:${repo}:pull`;
}

function push(repo: string): string {
  return `repository:${repo}:pull,push`;
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? "network error";
}
