import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Platform } from "../../../app/index.js";
import { rateLimit } from "../../../auth/index.js";
import { parseJsonInTurns } from "../../../core/index.js";
import { authorize } from "../../authorize.js";
import { ServerError } from "../../errors.js";

/**
 * Runtime ingestion under /api/v1/runtime/ (issue 15):
 *
 *   POST /api/v1/runtime/falco       one Falco alert or a list (Falco http_output, falcosidekick webhook)
 *   POST /api/v1/runtime/k8s-audit   an audit.k8s.io/v1 EventList (the API server's audit webhook)
 *
 * Both need `runtime.write` (admins, or a system robot granted it; anyone on loopback in anonymous
 * mode, as every write there). The caller is authenticated, authorised and rate-limited before the
 * body is read; the body is bounded (runtime.falcoMaxBody, runtime.auditMaxBody), parsed as JSON a slice
 * per turn, validated whole and appended in one batch: a bad body stores nothing.
 */
export function registerRuntimeRoutes(app: FastifyInstance, platform: Platform): void {
  const limits = platform.config.runtime;
  // Shared by every replica on PostgreSQL (auth/rate-limit.ts), this process's on SQLite.
  const rate = rateLimit(platform.database, "runtime", limits.ratePerMinute);

  app.register(async (scope) => {
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    // Before the body is read: an unauthenticated or throttled caller never makes us read 10 MiB.
    scope.addHook("onRequest", async (request) => {
      await authorize(platform, request, undefined, "runtime.write", false);
      const identity = request.identity;
      const caller =
        identity.kind === "anonymous" ? `address ${request.ip}` : `${identity.kind} ${identity.subject}`;
      const retryAfterSeconds = await rate.take(caller);
      if (retryAfterSeconds !== undefined) {
        throw new ServerError(
          "RATE_LIMITED",
          `${caller} sent more than ${limits.ratePerMinute} runtime requests in a minute: retry after ${retryAfterSeconds}s`,
          { detail: { retryAfterSeconds } },
        );
      }
    });

    scope.post("/api/v1/runtime/falco", { bodyLimit: limits.falcoMaxBodyBytes }, async (request, reply) => {
      request.routeName = "api.runtime.falco";
      const result = await platform.runtime.ingestFalco(await jsonBody(request));
      return reply.code(201).type("application/json").send(result);
    });

    scope.post(
      "/api/v1/runtime/k8s-audit",
      { bodyLimit: limits.auditMaxBodyBytes },
      async (request, reply) => {
        request.routeName = "api.runtime.k8sAudit";
        const result = await platform.runtime.ingestAudit(await jsonBody(request));
        return reply.code(201).type("application/json").send(result);
      },
    );
  });
}

async function jsonBody(request: FastifyRequest): Promise<unknown> {
  if (typeof request.body !== "string") {
    throw new ServerError("UNSUPPORTED_MEDIA_TYPE", "the body must be JSON (Content-Type: application/json)");
  }
  let document: Awaited<ReturnType<typeof parseJsonInTurns>>;
  try {
    document = await parseJsonInTurns(request.body);
  } catch {
    // Never the parser's message: it quotes the text, which is the caller's data.
    throw new ServerError("INVALID_ARGUMENT", "the request body is not valid JSON");
  }
  if (document.overflow !== undefined)
    throw new ServerError("INVALID_ARGUMENT", `the request body is too large: ${document.overflow}`);
  return document.value;
}
