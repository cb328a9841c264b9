import { Server as TlsServer } from "node:tls";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Platform } from "../app/index.js";
import type { Identity } from "../auth/index.js";
import { registerGrafeasRoutes } from "./api/grafeas/routes.js";
import { registerIdentityRoutes } from "./api/identity/routes.js";
import { registerImageRoutes } from "./api/images/routes.js";
import { registerApiRoutes } from "./api/routes.js";
import { registerRuntimeRoutes } from "./api/runtime/routes.js";
import { registerAuthRoutes } from "./auth/routes.js";
import { answerClientError, clientWentAway } from "./client-errors.js";
import { defaultConsoleDir, loadConsole, registerConsoleRoutes } from "./console/routes.js";
import { ociError, ServerError, toWireError } from "./errors.js";
import { API_VERSION_HEADER, securityHeadersFor } from "./headers.js";
import { installLimits } from "./limits.js";
import { ServerMetrics } from "./metrics.js";
import { registerOciRoutes } from "./oci/routes.js";
import { HANDSHAKE_TIMEOUT_MS, type ReloadableTls } from "./tls.js";
import { registerTokenRoutes } from "./token/routes.js";

declare module "fastify" {
  interface FastifyRequest {
    identity: Identity;
    routeName: string | undefined;
    logRepository: string | undefined;
    logDigest: string | undefined;
  }
}

const ANONYMOUS: Identity = { subject: "anonymous", kind: "anonymous" };

export interface BuildServerOptions {
  /** Serve HTTPS with this certificate, kept current as its files change (`tls.check()`). */
  readonly tls?: ReloadableTls;
  /**
   * The built web console (index.html and assets/); by default dist/web of this installation. null
   * serves none (the page at / then says how to build it).
   */
  readonly consoleDir?: string | null;
}

/**
 * Builds the HTTP server over a platform: the OCI distribution API under /v2/, the management API
 * under /api/v1/, /metrics, /healthz and /readyz, and the web console at every other path; HTTPS when
 * given a certificate. Handlers translate requests into platform
 * calls; errors become wire errors through the one table in `errors.ts`.
 */
export function buildServer(
  platform: Platform,
  options: BuildServerOptions = {},
): { app: FastifyInstance; metrics: ServerMetrics } {
  const { tls } = options;
  const app = Fastify({
    // HTTPS through Fastify's own option, so the server gets the same timeouts and its listen line
    // says https://. The certificate is swapped in place on reload (tls.serve below).
    ...(tls ? { https: { ...tls.secureContextOptions(), handshakeTimeout: HANDSHAKE_TIMEOUT_MS } } : {}),
    loggerInstance: platform.logger as FastifyBaseLogger,
    // One log line per request, written in onResponse with the fields we choose (never headers).
    logController: new LogController({ disableRequestLogging: true }),
    // Manifest and blob bodies are read by the handlers as streams; nothing is parsed up front.
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    keepAliveTimeout: 75_000,
    // No bound on a whole request: a multi-GiB push over a slow link must finish. Bodies that idle or
    // crawl are cut by limits.ts instead (server.bodyIdleTimeout, server.bodyMinRate).
    requestTimeout: 0,
    // A path that is not valid percent-encoding (`/v2/a%zz/...`) is refused by Fastify before routing,
    // so no hook runs: answer it as an OCI error here, with the API version header, not Fastify's body.
    // Bytes Node's HTTP parser refuses (raw UTF-8 in the path, a malformed header) never reach Fastify's
    // routing: answer them in the one error shape too, not with Fastify's own `{"error":"Bad Request"}`.
    clientErrorHandler: answerClientError,
    frameworkErrors: (err, request, reply) => {
      const wire =
        err.code === "FST_ERR_BAD_URL"
          ? ociError(400, "NAME_INVALID", "the request path is not valid percent-encoding")
          : toWireError(err);
      const body = JSON.stringify(wire.body);
      reply.raw.writeHead(wire.status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        ...securityHeadersFor(request.url, tls !== undefined),
        ...(request.url.startsWith("/v2") ? API_VERSION_HEADER : {}),
      });
      reply.raw.end(body);
    },
  });
  if (tls) {
    // Fastify made an https.Server from the `https` option; said here so the types know it too.
    if (!(app.server instanceof TlsServer)) throw new Error("HTTPS was asked for but the server is not TLS");
    tls.serve(app.server);
  }
  const metrics = new ServerMetrics(platform.registry, platform.database);
  platform.notifications?.metrics.registerOn(metrics.registry);
  platform.replication.metrics.registerOn(metrics.registry);
  const { bodyIdleTimeoutMs, bodyMinBytesPerSecond, maxConnections, maxConnectionsPerAddress } =
    platform.config.server;
  installLimits(
    app.server,
    { bodyIdleTimeoutMs, bodyMinBytesPerSecond, maxConnections, maxConnectionsPerAddress },
    app.log,
    {
      refused: (reason) => metrics.connectionsRefused.inc({ reason }),
      cut: (reason) => metrics.bodiesCut.inc({ reason }),
    },
  );

  app.decorateRequest("identity", null as unknown as Identity);
  app.decorateRequest("routeName", undefined);
  app.decorateRequest("logRepository", undefined);
  app.decorateRequest("logDigest", undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  const secure = tls !== undefined;
  app.addHook("onRequest", async (request, reply) => {
    request.identity = ANONYMOUS;
    // First, so every answer has them: errors, 401 challenges, and blob bodies written past Fastify
    // (blobs.ts sends reply.getHeaders() itself).
    reply.headers(securityHeadersFor(request.url, secure));
  });
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/v2")) reply.headers(API_VERSION_HEADER);
  });

  app.addHook("onResponse", async (request, reply) => {
    const route =
      request.routeName ?? (reply.statusCode === 404 ? "unknown" : (request.routeOptions.url ?? "unknown"));
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, seconds);
    if (route === "metrics" || route === "health") return;
    // Never the headers or the query string: they may carry credentials.
    request.log.info(
      {
        method: request.method,
        path: request.url.split("?")[0],
        status: reply.statusCode,
        bytes: Number(reply.getHeader("content-length") ?? 0),
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        repository: request.logRepository,
        digest: request.logDigest,
        subject: request.identity.subject,
      },
      "request",
    );
  });

  app.setErrorHandler((err, request, reply) => {
    const wire = toWireError(err);
    // A client that hangs up mid-request is an expected condition, not a server error: one info line, no stack.
    if (clientWentAway(err, request.raw)) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      request.log.info({ reason }, "client disconnected");
      return;
    }
    if (wire.status >= 500) request.log.error({ err }, "request failed");
    // Not `request.raw.destroyed`: a body read to its end destroys the stream while the client still waits.
    if (reply.sent || request.raw.socket?.destroyed) return;
    if (wire.headers) reply.headers(wire.headers);
    reply.code(wire.status).type("application/json").send(wire.body);
  });
  app.setNotFoundHandler((request, reply) => {
    request.routeName = "unknown";
    const wire = toWireError(new ServerError("NOT_FOUND", "no such endpoint"));
    reply.code(wire.status).type("application/json").send(wire.body);
  });

  registerOciRoutes(app, platform, metrics);
  registerApiRoutes(app, platform);
  registerRuntimeRoutes(app, platform);
  registerImageRoutes(app, platform);
  registerGrafeasRoutes(app, platform);
  registerIdentityRoutes(app, platform);
  registerTokenRoutes(app, platform);
  registerAuthRoutes(app, platform);
  registerConsoleRoutes(
    app,
    loadConsole(options.consoleDir === null ? undefined : (options.consoleDir ?? defaultConsoleDir())),
  );

  app.get("/healthz", async (request) => {
    request.routeName = "health";
    return { status: "ok" };
  });
  app.get("/readyz", async (request, reply) => {
    request.routeName = "health";
    try {
      await platform.registry.ping();
      return { status: "ready" };
    } catch (err) {
      request.log.warn({ err }, "not ready");
      return reply.code(503).send({ status: "unavailable", reason: "database unreachable" });
    }
  });
  app.get("/metrics", async (request, reply) => {
    request.routeName = "metrics";
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return { app, metrics };
}
