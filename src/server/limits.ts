import type { IncomingMessage, Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { Server as TlsServer } from "node:tls";
import type { FastifyBaseLogger } from "fastify";
import { PortcullisError } from "../core/index.js";
import { toWireError } from "./errors.js";
import { API_VERSION_HEADER, SECURITY_HEADERS } from "./headers.js";

/** What one client may hold of the server: connections, and how long a request body may idle or crawl. */
export interface ServerLimits {
  /** No body byte for this long cuts the request off (0: never). */
  readonly bodyIdleTimeoutMs: number;
  /** Bytes per second a body must average over each `bodyIdleTimeoutMs` window (0: no minimum). */
  readonly bodyMinBytesPerSecond: number;
  /** Open connections at most, in total and from one remote address (0: no cap). */
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

/** Counts for /metrics: connections refused and bodies cut off, by reason. */
export interface LimitCounters {
  refused(reason: "total" | "address"): void;
  cut(reason: "idle" | "slow"): void;
}

export type LimitErrorCode = "CONNECTION_LIMIT" | "ADDRESS_CONNECTION_LIMIT" | "BODY_TIMEOUT";

export class LimitError extends PortcullisError<LimitErrorCode> {}

/** The window the minimum rate is averaged over when the idle timeout is off. */
const DEFAULT_RATE_WINDOW_MS = 60_000;
/** A refused connection is read (and discarded) this long so the client sees the answer, not a reset. */
const REFUSED_LINGER_MS = 2_000;
const RETRY_AFTER_SECONDS = 1;

/**
 * Installs the limits on a Node HTTP server (Fastify's `app.server`), before it listens:
 *
 * - Connections over `maxConnections`, or over `maxConnectionsPerAddress` from one address, are answered
 *   at once with 503 UNAVAILABLE or 429 TOOMANYREQUESTS (distribution spec, "Error Codes") and
 *   `Retry-After`, and never reach the HTTP parser: a flood costs no request handling.
 * - A request body that sends nothing for `bodyIdleTimeoutMs`, or less than `bodyMinBytesPerSecond` on
 *   average over such a window, is destroyed with a `BODY_TIMEOUT` error. Node's own `requestTimeout`
 *   bounds the whole request, which would kill a legitimate multi-GiB push over a slow link; an idle
 *   timeout plus a minimum rate bounds what a trickling client holds without one (nginx's
 *   `client_body_timeout`, Apache's mod_reqtimeout `MinRate`). A cut chunked upload keeps its last
 *   acknowledged offset, so the client can resume it (distribution spec, "Pushing a blob in chunks").
 *
 * Returns a function that stops the body sweep (for `close`).
 */
export function installLimits(
  server: Server,
  limits: ServerLimits,
  log: FastifyBaseLogger,
  counters?: LimitCounters,
): () => void {
  if (limits.maxConnections > 0 || limits.maxConnectionsPerAddress > 0) {
    admitConnections(server, limits, counters);
  }
  if (limits.bodyIdleTimeoutMs > 0 || limits.bodyMinBytesPerSecond > 0) {
    const guard = new BodyGuard(limits, log, counters);
    // First, so the guard sees the request before Fastify routes it.
    server.prependListener("request", (req: IncomingMessage) => guard.watch(req));
    server.on("close", () => guard.stop());
    return () => guard.stop();
  }
  return () => {};
}

/**
 * Node's HTTP server attaches its parser in its own `connection` listener (an HTTPS server, its TLS
 * handshake); it is taken off and called only for connections within the caps, so a refused one is
 * answered and closed before any parsing or handshake.
 */
function admitConnections(server: Server, limits: ServerLimits, counters?: LimitCounters): void {
  const httpListeners = server.listeners("connection") as Array<(socket: Socket) => void>;
  const refuse = server instanceof TlsServer ? closeBeforeHandshake : answerAndClose;
  server.removeAllListeners("connection");
  let open = 0;
  const perAddress = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const fromAddress = perAddress.get(address) ?? 0;
    if (limits.maxConnections > 0 && open >= limits.maxConnections) {
      counters?.refused("total");
      return refuse(
        socket,
        new LimitError(
          "CONNECTION_LIMIT",
          `the server holds its maximum of ${limits.maxConnections} connections`,
        ),
      );
    }
    if (limits.maxConnectionsPerAddress > 0 && fromAddress >= limits.maxConnectionsPerAddress) {
      counters?.refused("address");
      return refuse(
        socket,
        new LimitError(
          "ADDRESS_CONNECTION_LIMIT",
          `${address} holds its maximum of ${limits.maxConnectionsPerAddress} connections`,
        ),
      );
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once("close", () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    for (const listener of httpListeners) listener.call(server, socket);
  });
}

/** Answers a refused connection with its wire error and closes it; what the client sends is discarded. */
function answerAndClose(socket: Socket, error: LimitError): void {
  const wire = toWireError(error);
  const body = JSON.stringify(wire.body);
  const headers = [
    `HTTP/1.1 ${wire.status} ${STATUS_CODES[wire.status] ?? ""}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Retry-After: ${RETRY_AFTER_SECONDS}`,
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
    ...Object.entries(API_VERSION_HEADER).map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
  ];
  socket.on("error", () => {});
  socket.end(`${headers.join("\r\n")}\r\n\r\n${body}`);
  // Closing with unread bytes would send a reset that can overtake the answer: read and drop them.
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

/**
 * Over TLS the client speaks a handshake first, so a plain HTTP answer would only be garbage to it, and
 * answering in TLS would cost the handshake the cap exists to save: the connection is closed (the client
 * sees it closed during the handshake, and retries as on any network error).
 */
function closeBeforeHandshake(socket: Socket, _error: LimitError): void {
  socket.on("error", () => {});
  socket.end();
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

interface Watched {
  readonly socket: Socket;
  lastBytes: number;
  lastProgressAt: number;
  windowAt: number;
  windowBytes: number;
}

/**
 * Watches request bodies in flight with one periodic sweep over `socket.bytesRead` (kept by Node), so the
 * byte path pays nothing per chunk. Time the server itself spends not reading (bytes waiting in the
 * request's buffer) is never held against the client.
 */
class BodyGuard {
  private readonly bodies = new Map<IncomingMessage, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly sweepMs: number;

  constructor(
    private readonly limits: ServerLimits,
    private readonly log: FastifyBaseLogger,
    private readonly counters?: LimitCounters,
  ) {
    this.windowMs = limits.bodyIdleTimeoutMs > 0 ? limits.bodyIdleTimeoutMs : DEFAULT_RATE_WINDOW_MS;
    this.sweepMs = Math.max(50, Math.min(1_000, Math.floor(this.windowMs / 4)));
  }

  watch(req: IncomingMessage): void {
    if (req.complete || !hasBody(req)) return;
    const now = Date.now();
    const bytes = req.socket.bytesRead;
    this.bodies.set(req, {
      socket: req.socket,
      lastBytes: bytes,
      lastProgressAt: now,
      windowAt: now,
      windowBytes: bytes,
    });
    const done = () => this.bodies.delete(req);
    req.once("end", done);
    req.once("close", done);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.sweepMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.bodies.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [req, w] of this.bodies) {
      if (req.complete || req.destroyed) {
        this.bodies.delete(req);
        continue;
      }
      const bytes = w.socket.bytesRead;
      // Bytes received but not yet read by the handler: the server is the slow side, not the client.
      const serverBehind = req.readableLength > 0;
      if (bytes !== w.lastBytes || serverBehind) {
        w.lastBytes = bytes;
        w.lastProgressAt = now;
      } else if (
        this.limits.bodyIdleTimeoutMs > 0 &&
        now - w.lastProgressAt >= this.limits.bodyIdleTimeoutMs
      ) {
        this.cut(req, "idle", `no body byte for ${now - w.lastProgressAt} ms`);
        continue;
      }
      if (now - w.windowAt < this.windowMs) continue;
      const received = bytes - w.windowBytes;
      const minimum = (this.limits.bodyMinBytesPerSecond * (now - w.windowAt)) / 1000;
      if (this.limits.bodyMinBytesPerSecond > 0 && !serverBehind && received < minimum) {
        this.cut(req, "slow", `${received} body bytes in ${now - w.windowAt} ms, below the minimum rate`);
        continue;
      }
      w.windowAt = now;
      w.windowBytes = bytes;
    }
    if (this.bodies.size === 0) this.stop();
  }

  private cut(req: IncomingMessage, reason: "idle" | "slow", message: string): void {
    this.bodies.delete(req);
    this.counters?.cut(reason);
    this.log.warn(
      { method: req.method, path: req.url?.split("?")[0], remote: req.socket.remoteAddress, reason },
      "request body cut off",
    );
    // Destroying the request destroys its socket; whoever reads the body sees this error.
    req.destroy(new LimitError("BODY_TIMEOUT", `request body cut off: ${message}`));
  }
}

/** Content-Length above zero, or a chunked body. */
function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
}
