import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { ServerError, toWireError } from "./errors.js";
import { API_VERSION_HEADER, securityHeadersFor } from "./headers.js";

/** Errors that mean the client closed the connection or stopped sending: nothing to answer, nothing wrong. */
const GONE = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** Whether `err`, raised while serving `raw`, only says that the client went away. */
export function clientWentAway(err: unknown, raw: IncomingMessage): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && GONE.has(code)) return true;
  // Node's "aborted" error (a body cut short by the client) carries no code on every version.
  if ((err as Error | null)?.message === "aborted") return true;
  // Not `raw.aborted`: the server sets it too when it stops reading a body it refuses (413), and that
  // client still waits for its answer. A destroyed socket is the client gone, whatever the error says.
  return raw.socket?.destroyed === true && !raw.complete;
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node's HTTP parser refused, in the one error shape
 * (errors.ts), with the registry's API version header when the request line named /v2/.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code !== undefined && GONE.has(err.code)) return void socket.destroy();
  if (!socket.writable) return void socket.destroy();
  const status =
    err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const message =
    err.code === "HPE_INVALID_URL" || err.code === "HPE_INVALID_METHOD"
      ? "the request line is not valid HTTP: percent-encode every byte outside ASCII in the path"
      : status === 431
        ? "the request headers are too large"
        : status === 408
          ? "the request took too long to arrive"
          : "the request is not valid HTTP";
  const wire = toWireError(new ServerError("BAD_REQUEST", message));
  const body = JSON.stringify(wire.body);
  const packet = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 64).toString("latin1") : "";
  const registry = /^[A-Z]+ \/v2(\/|\s)/.test(packet);
  // The path is unknown here (the request line may be what failed to parse): the headers every path gets.
  const secure = (socket as Socket & { encrypted?: boolean }).encrypted === true;
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(securityHeadersFor("/", secure)).map(([name, value]) => `${name}: ${value}`),
    ...(registry ? Object.entries(API_VERSION_HEADER).map(([name, value]) => `${name}: ${value}`) : []),
    "Connection: close",
  ];
  socket.end(`${headers.join("\r\n")}\r\n\r\n${body}`);
}
