import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { createPlatform, type Platform, type PlatformOptions, resolveConfig } from "../app/index.js";
import type { RegistryOptions } from "../registry/index.js";
import { type Database, openDatabase } from "../storage/index.js";
import { dropTestSchema } from "../storage/testing.js";
import type { ServerLimits } from "./limits.js";
import { buildServer } from "./server.js";
import { ReloadableTls, type TlsFiles } from "./tls.js";

/**
 * A real, listening Portcullis for HTTP-level tests: a fresh temporary data directory, a fresh
 * metadata database (a SQLite file in the data directory, or a new PostgreSQL schema), the server
 * built exactly as `serve` builds it, on 127.0.0.1 and a free port. Not re-exported from index.ts.
 */

export type TestDatabase = "sqlite" | "postgres";

export interface TestServerOptions {
  readonly database: TestDatabase;
  /** Registry options over the defaults (deletion, maxManifestBytes, ...). */
  readonly registry?: Partial<RegistryOptions>;
  /** Blob store driver; `local` (a folder in the data directory) unless told otherwise. */
  readonly storage?: "local" | "memory";
  /** Connection caps and body timeouts over the defaults. */
  readonly limits?: Partial<ServerLimits>;
  /** Configuration keys over the test defaults, by key path (`auth.mode`: `accounts`). */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** Keep the server's log lines (pino JSON, level info and up) in `TestServer.logs`. */
  readonly captureLogs?: boolean;
  /** Serve HTTPS with this pair (`TestServer.tls.check()` reloads it). */
  readonly tls?: TlsFiles;
  /**
   * The built console to serve; none by default, so a test's answers do not depend on whether the
   * checkout was built (the page at / then says how to build it).
   */
  readonly consoleDir?: string;
}

export interface TestServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123` (`https://` with `tls`). */
  readonly url: string;
  /** The served certificate, when started with `tls`. */
  readonly tls?: ReloadableTls;
  readonly platform: Platform;
  readonly app: FastifyInstance;
  /** The server's data directory. Its parent (`root`) is a private temp folder tests may use too. */
  readonly dataDir: string;
  readonly root: string;
  /** The server's log lines, parsed, when `captureLogs` was set (else always empty). */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The databases HTTP tests run against: SQLite always, PostgreSQL when PORTCULLIS_TEST_POSTGRES is set. */
export function testDatabases(): TestDatabase[] {
  return process.env.PORTCULLIS_TEST_POSTGRES ? ["sqlite", "postgres"] : ["sqlite"];
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const tls = options.tls ? new ReloadableTls(options.tls) : undefined;
  const root = await mkdtemp(join(tmpdir(), "portcullis-server-test-"));
  const dataDir = join(root, "data");
  await mkdir(dataDir);
  let database: Database | undefined;
  let schema: string | undefined;
  if (options.database === "postgres") {
    const url = process.env.PORTCULLIS_TEST_POSTGRES;
    if (!url) throw new Error("startTestServer: PORTCULLIS_TEST_POSTGRES is not set");
    // Kysely's migrator introspects every schema of the database; another test process dropping its
    // schema at that moment fails our migration ("schema ... does not exist"). Retry on a new schema.
    for (let attempt = 1; database === undefined; attempt++) {
      schema = `srv_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
      try {
        database = await openDatabase(url, { schema, poolSize: 4 });
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
  const base = resolveConfig({
    env: {},
    flags: {
      "storage.dataDir": dataDir,
      "storage.driver": options.storage ?? "local",
      "storage.fsync": false,
      "log.level": "silent",
      ...options.config,
    },
  });
  const registry = options.registry ?? {};
  const config = {
    ...base,
    server: { ...base.server, ...options.limits },
    registry: {
      ...base.registry,
      deletion: registry.deletion ?? base.registry.deletion,
      maxManifestBytes: registry.maxManifestBytes ?? base.registry.maxManifestBytes,
      uploadExpiryMs: registry.uploadExpiryMs ?? base.registry.uploadExpiryMs,
      gc: { ...base.registry.gc, gracePeriodMs: registry.gcGracePeriodMs ?? base.registry.gc.gracePeriodMs },
    },
  };
  const logs: Array<Record<string, unknown>> = [];
  const logger = options.captureLogs
    ? pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) })
    : pino({ level: "silent" });
  const platform = await createPlatform(config, {
    logger,
    ...(database ? { database } : {}),
  });
  const { app } = buildServer(platform, { ...(tls ? { tls } : {}), consoleDir: options.consoleDir ?? null });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let closed = false;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    ...(tls ? { tls } : {}),
    platform,
    app,
    dataDir,
    root,
    logs,
    close: async () => {
      if (closed) return;
      closed = true;
      app.server.closeAllConnections();
      await app.close();
      await platform.close();
      if (schema) await dropTestSchema(process.env.PORTCULLIS_TEST_POSTGRES!, schema);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** `sha256:<hex>` (or sha512) of some bytes. */
export function digestOf(data: Uint8Array | string, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;
}

/** The first error code of an OCI error body (`{"errors":[{"code":...}]}`), or undefined. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string }> };
    return body.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

/** Pushes a blob in one POST `?digest=` request; returns its digest. Throws unless 201. */
export async function pushBlob(
  url: string,
  repository: string,
  data: Uint8Array | string,
  authorization?: string,
): Promise<string> {
  const digest = digestOf(data);
  const res = await fetch(`${url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", ...(authorization ? { authorization } : {}) },
    body: typeof data === "string" ? data : Buffer.from(data),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`pushBlob ${repository} ${digest}: HTTP ${res.status}`);
  return digest;
}

/** Pushes a manifest under a tag or digest; returns the response (body consumed). */
export async function putManifest(
  url: string,
  repository: string,
  reference: string,
  body: Uint8Array | string,
  contentType: string,
  authorization?: string,
): Promise<Response> {
  const res = await fetch(`${url}/v2/${repository}/manifests/${reference}`, {
    method: "PUT",
    headers: { "Content-Type": contentType, ...(authorization ? { authorization } : {}) },
    body: typeof body === "string" ? body : Buffer.from(body),
  });
  await res.arrayBuffer();
  return res;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RawRequestOptions {
  readonly method: string;
  /** Sent exactly as given: no normalisation of `..` or percent-encoding (unlike fetch). */
  readonly path: string;
  readonly headers?: Record<string, string | number>;
  /** Written one after the other; without a Content-Length header the body goes out chunked. */
  readonly chunks?: ReadonlyArray<Uint8Array | string>;
  /** Destroy the connection after writing the chunks, without finishing the request. */
  readonly abort?: boolean;
}

/**
 * One request over node:http, for what fetch cannot do: bodies without Content-Length (chunked),
 * unnormalised paths, and requests cut off mid-body (resolves undefined once the socket is closed).
 */
export function rawRequest(url: string, options: RawRequestOptions): Promise<RawResponse | undefined> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname,
      port: target.port,
      method: options.method,
      path: options.path,
      headers: options.headers,
      agent: false,
    });
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on("error", reject);
    });
    req.on("error", (err) => {
      if (options.abort) resolve(undefined);
      else reject(err);
    });
    req.on("close", () => {
      if (options.abort) resolve(undefined);
    });
    const write = async () => {
      for (const chunk of options.chunks ?? []) {
        await new Promise<void>((done, fail) => req.write(chunk, (err) => (err ? fail(err) : done())));
        // Give the server a moment to see each chunk separately.
        await new Promise((r) => setTimeout(r, 5));
      }
      if (options.abort) {
        await new Promise((r) => setTimeout(r, 50));
        req.destroy();
      } else {
        req.end();
      }
    };
    write().catch(reject);
  });
}

/** The first error code of a raw response body. */
export function rawErrorCode(res: RawResponse | undefined): string | undefined {
  if (!res) return undefined;
  try {
    const body = JSON.parse(res.body.toString("utf8")) as { errors?: Array<{ code?: string }> };
    return body.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface PushedImage {
  readonly manifest: Buffer;
  readonly digest: string;
  readonly config: { readonly digest: string; readonly size: number };
  readonly layers: ReadonlyArray<{ readonly digest: string; readonly size: number; readonly data: Buffer }>;
}

/**
 * Pushes a small OCI image (a config and `layers` layers, default 1), optionally tagged; `auth` is the
 * Authorization header of every request (accounts mode).
 */
export async function pushImage(
  url: string,
  repository: string,
  options: { tag?: string; seed?: string; layers?: number; authorization?: string } = {},
): Promise<PushedImage> {
  const auth = options.authorization;
  const seed = options.seed ?? randomBytes(8).toString("hex");
  const configData = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", seed }));
  const config = { digest: await pushBlob(url, repository, configData, auth), size: configData.length };
  const layers = [];
  for (let i = 0; i < (options.layers ?? 1); i++) {
    const data = Buffer.from(`layer ${i} of ${seed}`);
    layers.push({ digest: await pushBlob(url, repository, data, auth), size: data.length, data });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...config },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
    }),
  );
  const digest = digestOf(manifest);
  const res = await putManifest(url, repository, options.tag ?? digest, manifest, OCI_MANIFEST, auth);
  if (res.status !== 201) throw new Error(`pushImage ${repository}: HTTP ${res.status}`);
  return { manifest, digest, config, layers };
}

/** Appends query parameters to a Location (which may already carry a query). */
export function withQuery(base: string, location: string, params: Record<string, string>): string {
  const target = new URL(location, base);
  for (const [key, value] of Object.entries(params)) target.searchParams.append(key, value);
  return target.toString();
}

/** One `serve` replica in this process: accounts mode over a shared PostgreSQL schema and data folder. */
export interface InProcessReplica {
  readonly url: string;
  readonly platform: Platform;
  readonly app: FastifyInstance;
}

/**
 * Starts a replica as `serve` builds one, over the PostgreSQL `schema` at `postgres` and `root`'s data
 * folder and key-encryption key, so several started on the same arguments behave as replicas behind a
 * load balancer. `platform` adds to what createPlatform gets (a shorter key recheck, say).
 */
export async function startInProcessReplica(options: {
  readonly postgres: string;
  readonly schema: string;
  readonly root: string;
  readonly platform?: Omit<PlatformOptions, "logger" | "database">;
}): Promise<InProcessReplica> {
  const config = resolveConfig({
    env: {},
    flags: {
      "storage.dataDir": join(options.root, "data"),
      "storage.fsync": false,
      "log.level": "silent",
      "auth.mode": "accounts",
      "auth.keyFile": join(options.root, "kek"),
    },
  });
  const database = await openDatabase(options.postgres, { schema: options.schema, poolSize: 4 });
  const platform = await createPlatform(config, {
    ...options.platform,
    logger: pino({ level: "silent" }),
    database,
  });
  const { app } = buildServer(platform);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, platform, app };
}

/** Stops replicas (the last started first), closing their servers before their platforms. */
export async function stopInProcessReplicas(
  replicas: ReadonlyArray<InProcessReplica | undefined>,
): Promise<void> {
  const started = replicas.filter((r): r is InProcessReplica => r !== undefined).reverse();
  for (const replica of started) {
    replica.app.server.closeAllConnections();
    await replica.app.close();
  }
  for (const replica of started) await replica.platform.close();
}
