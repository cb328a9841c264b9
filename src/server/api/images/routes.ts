import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Platform } from "../../../app/index.js";
import type { Identity } from "../../../auth/index.js";
import { requireDigest, requireRepositoryName } from "../../../registry/index.js";
import { authenticate, authorize } from "../../authorize.js";
import { ServerError } from "../../errors.js";
import type { Access, Method } from "../identity/route.js";
import { IMAGE_HANDLERS } from "./handlers.js";

/** What a handler gets: the caller (already authorised), the path's repository and digest, the query. */
export interface ImageContext {
  readonly platform: Platform;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly caller: Identity;
  readonly repository: string;
  readonly digest: string;
  readonly query: unknown;
}

/**
 * A route of the repository and image API. Repository names hold slashes, so the routes are matched
 * by `pattern` on the path after `/api/v1/repositories/` (as /v2/ does), not by Fastify's router;
 * `path` is the OpenAPI spelling with `{name}` (slashes allowed) and `{digest}`.
 */
export interface ImageRoute {
  readonly id: string;
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  /** Against the path after /api/v1/repositories/ (undefined: the list itself); groups name, digest. */
  readonly pattern?: RegExp;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly response?: z.ZodType;
  readonly status?: 200 | 202 | 204;
  /** A non-JSON answer (an SBOM document): its media types, for the OpenAPI document. */
  readonly produces?: readonly string[];
  handle(context: ImageContext): Promise<unknown>;
}

function describeIssues(error: z.ZodError): string {
  return `query: ${error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ")}`;
}

async function run(
  route: ImageRoute,
  platform: Platform,
  request: FastifyRequest,
  reply: FastifyReply,
  repository: string,
  digest: string,
): Promise<unknown> {
  request.routeName = `api.${route.id}`;
  if (repository) request.logRepository = repository;
  if (digest) request.logDigest = digest;
  if (route.access.kind === "repository") {
    await authorize(platform, request, repository, route.access.permission, false);
  } else {
    request.identity = await authenticate(platform, request);
  }
  let query: unknown = {};
  if (route.query) {
    const parsed = route.query.safeParse(request.query ?? {});
    if (!parsed.success) throw new ServerError("INVALID_ARGUMENT", describeIssues(parsed.error));
    query = parsed.data;
  }
  const result = await route.handle({
    platform,
    request,
    reply,
    caller: request.identity,
    repository,
    digest,
    query,
  });
  if (reply.sent) return reply;
  if (route.produces) return result;
  if (route.status === 204 || !route.response) return reply.code(204).send();
  // The response schema drops whatever it does not name.
  return reply
    .code(route.status ?? 200)
    .type("application/json")
    .send(route.response.parse(result));
}

export const IMAGE_ROUTES: readonly ImageRoute[] = IMAGE_HANDLERS;

/**
 * Registers GET /api/v1/repositories and the wildcard under it (every method a route here uses). A
 * path no route matches is 404 NOT_FOUND; a repository name or digest that cannot be one is 400.
 */
export function registerImageRoutes(app: FastifyInstance, platform: Platform): void {
  const list = IMAGE_ROUTES.find((r) => r.pattern === undefined)!;
  app.get("/api/v1/repositories", (request, reply) => run(list, platform, request, reply, "", ""));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const at = request.url.indexOf("?");
    const rest = (at === -1 ? request.url : request.url.slice(0, at)).slice("/api/v1/repositories/".length);
    for (const route of IMAGE_ROUTES) {
      if (!route.pattern) continue;
      const m = route.pattern.exec(rest);
      if (!m) continue;
      if (route.method !== request.method) continue;
      const repository = requireRepositoryName(decode(m[1]!));
      const digest = m[2] === undefined ? "" : requireDigest(decode(m[2])).value;
      return run(route, platform, request, reply, repository, digest);
    }
    request.routeName = "unknown";
    throw new ServerError("NOT_FOUND", `no such endpoint ${request.method} ${request.url.slice(0, 200)}`);
  };
  app.route({ method: ["GET", "POST", "DELETE"], url: "/api/v1/repositories/*", handler });
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ServerError("INVALID_ARGUMENT", "the path is not valid percent-encoding");
  }
}
