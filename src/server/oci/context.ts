import type { FastifyReply, FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import type { Actor } from "../../registry/index.js";

/** What an OCI handler gets: the parsed route, the caller, and the platform to call into. */
export interface OciContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly platform: Platform;
  readonly repository: string;
  /** The path part after the route's keyword (a reference, a digest or an upload id). */
  readonly param: string;
  readonly query: URLSearchParams;
  readonly actor: Actor;
}

/** The request body as a stream of chunks, counted into the bytes-received metric. */
export async function* requestBody(ctx: OciContext, count: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of ctx.request.raw) {
    count((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** Whether the request carries a body at all (Content-Length above zero, or chunked). */
export function hasBody(ctx: OciContext): boolean {
  const headers = ctx.request.headers;
  return Number(headers["content-length"] ?? 0) > 0 || headers["transfer-encoding"] !== undefined;
}

/** Reads a whole body, refusing more than `limit` bytes without reading them all. */
export async function readBody(ctx: OciContext, limit: number): Promise<Buffer | undefined> {
  const declared = Number(ctx.request.headers["content-length"] ?? 0);
  if (declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.request.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** `Link: <...>; rel="next"` for a paginated list (distribution spec, "Listing Tags"). */
export function nextLink(path: string, params: Record<string, string>): string {
  return `<${path}?${new URLSearchParams(params).toString()}>; rel="next"`;
}

export function uploadLocation(repository: string, id: string): string {
  return `/v2/${repository}/blobs/uploads/${id}`;
}

export function rangeHeader(offset: number): string {
  return `0-${Math.max(0, offset - 1)}`;
}
