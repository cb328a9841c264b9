/**
 * A deliberately small OCI Distribution client over `node:http` with a keep-alive agent.
 * No external HTTP libraries: the same code drives every target so only the server differs.
 *
 * Given credentials, it speaks the Docker token flow as docker and podman do: a 401 with a `Bearer`
 * challenge sends it once to the realm (`GET /token?service=&scope=` with Basic credentials), and the
 * token is then sent with every request for that repository until it expires or a 401 asks for more.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { Readable } from "node:stream";

/** Idle-socket timeout: a target that stops answering fails the workload instead of hanging the run. */
const SOCKET_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 3;
const MAX_ERROR_BODY = 2048;

export class HttpError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(what: string, status: number, body: string) {
    super(`${what}: unexpected HTTP ${status}${body ? `: ${body.slice(0, MAX_ERROR_BODY)}` : ""}`);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

export interface BufferedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface PullResult {
  readonly bytes: number;
  readonly digest: string;
}

export interface TagList {
  readonly name: string;
  readonly tags: string[];
  /** Number of HTTP requests needed (more than one only if the server paginated via `Link`). */
  readonly pages: number;
}

export interface ManifestResponse {
  readonly body: Buffer;
  readonly mediaType: string | undefined;
  readonly digest: string | undefined;
}

interface RequestOptions {
  readonly method: string;
  readonly url: URL;
  readonly headers?: http.OutgoingHttpHeaders;
  /** A Buffer is sent with Content-Length; a Readable is streamed with chunked transfer encoding. */
  readonly body?: Buffer | Readable;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Appends `digest=` to an upload location, keeping any query string (e.g. Distribution's `_state`). */
export function withDigest(location: URL, digest: string): URL {
  const sep = location.search ? "&" : "?";
  return new URL(
    `${location.pathname}${location.search}${sep}digest=${encodeURIComponent(digest)}`,
    location,
  );
}

export interface RegistryCredentials {
  readonly username: string;
  readonly secret: string;
}

interface HeldToken {
  readonly authorization: string;
  /** When to stop sending it (its `expires_in`, less a margin for the clock and the request). */
  readonly expiresAt: number;
}

/** Seconds before a token's expiry when it is no longer sent (the next request asks for a new one). */
const TOKEN_MARGIN_S = 15;

/** The repository a `/v2/<name>/(blobs|manifests|tags)/...` path is about. */
function repositoryOf(url: URL): string | undefined {
  return /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(url.pathname)?.[1];
}

/** The parameters of a `Bearer realm="...",service="...",scope="..."` challenge, or undefined. */
export function parseBearerChallenge(value: string | undefined): Record<string, string> | undefined {
  if (!value || !/^bearer\s/i.test(value)) return undefined;
  const params: Record<string, string> = {};
  for (const m of value.slice(7).matchAll(/([a-z_]+)="([^"]*)"/gi)) params[m[1]!.toLowerCase()] = m[2]!;
  return params.realm ? params : undefined;
}

export class RegistryClient {
  readonly base: URL;
  private readonly agent: http.Agent;
  private readonly tokens = new Map<string, HeldToken>();
  /** One token request per repository at a time: 16 workers meeting the same 401 share one answer. */
  private readonly pendingTokens = new Map<string, Promise<void>>();
  /** How many times the client went to the token service (the dance should happen once per scope). */
  tokenRequests = 0;

  constructor(
    baseUrl: string,
    maxSockets = 64,
    private readonly credentials?: RegistryCredentials,
  ) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** The `Authorization` value held for a URL's repository (a bearer token), if any and still valid. */
  authorizationFor(url: URL): string | undefined {
    const repository = repositoryOf(url);
    if (repository === undefined) return undefined;
    const held = this.tokens.get(repository);
    if (!held) return undefined;
    if (Date.now() >= held.expiresAt) {
      this.tokens.delete(repository);
      return undefined;
    }
    return held.authorization;
  }

  /**
   * Answers a 401's Bearer challenge: asks the realm for a token for the challenge's scope with the
   * credentials, and holds it for the repository. Throws when there is nothing to answer with.
   */
  private async answerChallenge(url: URL, challenge: string | undefined, what: string): Promise<void> {
    const params = parseBearerChallenge(challenge);
    const repository = repositoryOf(url);
    if (!this.credentials || !params || repository === undefined) {
      throw new HttpError(what, 401, challenge ? `challenge: ${challenge}` : "no challenge");
    }
    const pending = this.pendingTokens.get(repository);
    if (pending) return pending;
    const asking = (async () => {
      const realm = new URL(params.realm!);
      if (params.service) realm.searchParams.set("service", params.service);
      if (params.scope)
        for (const scope of params.scope.split(" ")) realm.searchParams.append("scope", scope);
      const { username, secret } = this.credentials!;
      this.tokenRequests++;
      const res = await this.send({
        method: "GET",
        url: realm,
        headers: { authorization: `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}` },
      });
      const body = await this.readAll(res);
      if (res.statusCode !== 200)
        throw new HttpError(`token for ${what}`, res.statusCode ?? 0, body.toString());
      const answer = JSON.parse(body.toString("utf8")) as { token?: string; expires_in?: number };
      if (!answer.token) throw new Error(`token for ${what}: the answer holds no token`);
      const lifetime = Math.max(1, (answer.expires_in ?? 60) - TOKEN_MARGIN_S);
      this.tokens.set(repository, {
        authorization: `Bearer ${answer.token}`,
        expiresAt: Date.now() + lifetime * 1000,
      });
    })().finally(() => this.pendingTokens.delete(repository));
    this.pendingTokens.set(repository, asking);
    return asking;
  }

  /**
   * Sends a request with the token held for its repository; a 401 with a Bearer challenge is answered
   * once and the request sent again (a streamed body cannot be: it is sent with the token held).
   */
  private async exchange(opts: RequestOptions, what: string): Promise<http.IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const authorization = this.authorizationFor(opts.url);
      const res = await this.send(
        authorization ? { ...opts, headers: { ...opts.headers, authorization } } : opts,
      );
      const replayable = opts.body === undefined || Buffer.isBuffer(opts.body);
      if (res.statusCode !== 401 || !this.credentials || attempt > 0 || !replayable) return res;
      res.resume();
      await this.answerChallenge(opts.url, header(res.headers, "www-authenticate"), what);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  /** Sends one request and resolves with the (not yet consumed) response. */
  private send(opts: RequestOptions): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...opts.headers };
      if (Buffer.isBuffer(opts.body)) headers["content-length"] = opts.body.length;
      else if (opts.body === undefined && opts.method !== "GET" && opts.method !== "HEAD") {
        headers["content-length"] = 0;
      }
      const req = http.request(opts.url, {
        method: opts.method,
        agent: this.agent,
        headers,
        timeout: SOCKET_TIMEOUT_MS,
      });
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      req.on("timeout", () => {
        req.destroy(
          new Error(`${opts.method} ${opts.url.pathname}: no activity for ${SOCKET_TIMEOUT_MS} ms`),
        );
      });
      req.on("error", (err) => fail(new Error(`${opts.method} ${opts.url.pathname}: ${err.message}`)));
      req.on("response", (res) => {
        if (settled) {
          res.resume();
          return;
        }
        settled = true;
        const source = opts.body;
        // The server answered before it read the whole body (typically an error): stop producing it.
        if (source !== undefined && !Buffer.isBuffer(source) && !source.readableEnded) {
          source.unpipe(req);
          res.on("close", () => req.destroy());
        }
        resolve(res);
      });
      const body = opts.body;
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on("error", (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  private async readAll(res: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Sends a request, buffers the response and checks the status (following redirects for GET/HEAD). */
  private async call(
    what: string,
    opts: RequestOptions,
    expected: readonly number[],
  ): Promise<BufferedResponse> {
    let current = opts;
    for (let hop = 0; ; hop++) {
      const res = await this.exchange(current, what);
      const status = res.statusCode ?? 0;
      const location = header(res.headers, "location");
      if (
        isRedirect(status) &&
        !expected.includes(status) &&
        location &&
        hop < MAX_REDIRECTS &&
        (current.method === "GET" || current.method === "HEAD")
      ) {
        res.resume();
        current = { ...current, url: new URL(location, current.url) };
        continue;
      }
      const body = await this.readAll(res);
      if (!expected.includes(status)) throw new HttpError(what, status, body.toString("utf8"));
      return { status, headers: res.headers, body };
    }
  }

  private uploadLocation(what: string, res: BufferedResponse, relativeTo: URL): URL {
    const location = header(res.headers, "location");
    if (!location) throw new Error(`${what}: HTTP ${res.status} without a Location header`);
    return new URL(location, relativeTo);
  }

  /** POST /v2/<repo>/blobs/uploads/ and return the absolute upload URL from `Location`. */
  async startUpload(repo: string): Promise<URL> {
    const url = this.url(`/v2/${repo}/blobs/uploads/`);
    const res = await this.call(`start upload ${repo}`, { method: "POST", url }, [202]);
    return this.uploadLocation(`start upload ${repo}`, res, url);
  }

  /** PUT <location>?digest=<digest> (optionally with the final chunk) to commit an upload. */
  async finishUpload(repo: string, location: URL, digest: string, body?: Buffer): Promise<void> {
    const headers: http.OutgoingHttpHeaders = body ? { "content-type": "application/octet-stream" } : {};
    const res = await this.call(
      `commit upload ${repo}@${digest}`,
      { method: "PUT", url: withDigest(location, digest), headers, ...(body ? { body } : {}) },
      [201],
    );
    const returned = header(res.headers, "docker-content-digest");
    if (returned !== undefined && returned !== digest) {
      throw new Error(`commit upload ${repo}: server says digest ${returned}, expected ${digest}`);
    }
  }

  /** Monolithic upload: POST to open a session, then PUT ?digest= with the whole blob. */
  async pushBlob(repo: string, data: Buffer, digest: string = sha256(data)): Promise<string> {
    const location = await this.startUpload(repo);
    await this.finishUpload(repo, location, digest, data);
    return digest;
  }

  /**
   * Streamed upload of a blob too big to hold in memory: POST, one PATCH carrying the whole stream
   * (`Content-Type: application/octet-stream`, chunked transfer, no Content-Length / Content-Range),
   * then PUT ?digest= with an empty body. `makeStream` returns the data source and a function that yields
   * the digest once the source has been fully read (so it can be hashed while streaming).
   */
  async pushBlobStream(
    repo: string,
    size: number,
    makeStream: () => { stream: Readable; digest: () => string },
  ): Promise<string> {
    const location = await this.startUpload(repo);
    const { stream, digest } = makeStream();
    const what = `patch upload ${repo}`;
    const res = await this.call(
      what,
      {
        method: "PATCH",
        url: location,
        headers: { "content-type": "application/octet-stream" },
        body: stream,
      },
      [202],
    );
    if (!stream.readableEnded) throw new Error(`${what}: server answered before the stream was fully sent`);
    const range = header(res.headers, "range");
    if (range !== undefined) {
      const m = /^(?:bytes=)?0-(\d+)$/.exec(range);
      if (m && Number(m[1]) !== size - 1) {
        throw new Error(`${what}: server reports Range ${range}, expected 0-${size - 1}`);
      }
    }
    const next = header(res.headers, "location") ? this.uploadLocation(what, res, location) : location;
    const final = digest();
    await this.finishUpload(repo, next, final);
    return final;
  }

  /** HEAD /v2/<repo>/blobs/<digest>; true on 200, false on 404. */
  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.call(
      `head blob ${repo}@${digest}`,
      { method: "HEAD", url: this.url(`/v2/${repo}/blobs/${digest}`) },
      [200, 404],
    );
    return res.status === 200;
  }

  /** GET /v2/<repo>/blobs/<digest>, draining and hashing the body; throws if the content does not match. */
  async pullBlob(repo: string, digest: string, onProgress?: (bytes: number) => void): Promise<PullResult> {
    let url = this.url(`/v2/${repo}/blobs/${digest}`);
    const what = `pull blob ${repo}@${digest}`;
    for (let hop = 0; ; hop++) {
      const res = await this.exchange({ method: "GET", url }, what);
      const status = res.statusCode ?? 0;
      const location = header(res.headers, "location");
      if (isRedirect(status) && location && hop < MAX_REDIRECTS) {
        res.resume();
        url = new URL(location, url);
        continue;
      }
      if (status !== 200) {
        throw new HttpError(what, status, (await this.readAll(res)).toString("utf8"));
      }
      const hash = createHash("sha256");
      let bytes = 0;
      for await (const chunk of res) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        onProgress?.(bytes);
      }
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== digest) throw new Error(`${what}: received ${bytes} bytes hashing to ${actual}`);
      const length = header(res.headers, "content-length");
      if (length !== undefined && Number(length) !== bytes) {
        throw new Error(`${what}: Content-Length ${length} but received ${bytes} bytes`);
      }
      return { bytes, digest: actual };
    }
  }

  /** PUT /v2/<repo>/manifests/<ref>; returns the digest the server reports (or the computed one). */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = sha256(bytes);
    const res = await this.call(
      `put manifest ${repo}:${ref}`,
      {
        method: "PUT",
        url: this.url(`/v2/${repo}/manifests/${ref}`),
        headers: { "content-type": mediaType },
        body: bytes,
      },
      [201],
    );
    const returned = header(res.headers, "docker-content-digest");
    if (returned !== undefined && returned !== digest) {
      throw new Error(`put manifest ${repo}:${ref}: server says digest ${returned}, expected ${digest}`);
    }
    return digest;
  }

  /** GET /v2/<repo>/manifests/<ref>; when `ref` is a digest the returned bytes are verified against it. */
  async getManifest(repo: string, ref: string, accept: string): Promise<ManifestResponse> {
    const res = await this.call(
      `get manifest ${repo}:${ref}`,
      { method: "GET", url: this.url(`/v2/${repo}/manifests/${ref}`), headers: { accept } },
      [200],
    );
    if (ref.includes(":")) {
      const actual = sha256(res.body);
      if (actual !== ref) throw new Error(`get manifest ${repo}@${ref}: body hashes to ${actual}`);
    }
    return {
      body: res.body,
      mediaType: header(res.headers, "content-type"),
      digest: header(res.headers, "docker-content-digest"),
    };
  }

  /**
   * GET /v2/<repo>/tags/list (with `?n=` when given). If the server paginates with a `Link: <...>; rel="next"`
   * header, the remaining pages are fetched too, so the result is always the full list.
   */
  async listTags(repo: string, n?: number): Promise<TagList> {
    let url: URL | undefined = this.url(`/v2/${repo}/tags/list${n === undefined ? "" : `?n=${n}`}`);
    const tags: string[] = [];
    let name = repo;
    let pages = 0;
    while (url) {
      const res = await this.call(`list tags ${repo}`, { method: "GET", url }, [200]);
      pages++;
      const parsed = JSON.parse(res.body.toString("utf8")) as { name?: unknown; tags?: unknown };
      if (typeof parsed.name === "string") name = parsed.name;
      if (parsed.tags !== null && parsed.tags !== undefined) {
        if (!Array.isArray(parsed.tags)) throw new Error(`list tags ${repo}: "tags" is not an array`);
        for (const t of parsed.tags) tags.push(String(t));
      }
      const link = header(res.headers, "link");
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      url = next?.[1] ? new URL(next[1], url) : undefined;
    }
    return { name, tags, pages };
  }

  /** GET /v2/ and return the status code (used for readiness polling). */
  async ping(): Promise<number> {
    const res = await this.send({ method: "GET", url: this.url("/v2/") });
    res.resume();
    return res.statusCode ?? 0;
  }
}
