import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Platform } from "../../app/index.js";
import type { Action } from "../../auth/index.js";
import { isValidRepositoryName } from "../../oci/index.js";
import { requireRepositoryName } from "../../registry/index.js";
import { authorize } from "../authorize.js";
import type { ServerMetrics } from "../metrics.js";
import { deleteBlob, getBlob } from "./blobs.js";
import type { OciContext } from "./context.js";
import { listCatalog, listReferrers, listTags } from "./discovery.js";
import { deleteManifest, getManifest, putManifest } from "./manifests.js";
import { cancelUpload, completeUpload, patchUpload, startUpload, uploadStatus } from "./uploads.js";

type Handler = (ctx: OciContext) => Promise<void>;

interface Route {
  readonly name: string;
  readonly pattern: RegExp;
  readonly methods: Partial<Record<string, { action: Action; handle: Handler }>>;
}

/**
 * The OCI distribution surface under /v2/. Repository names hold slashes, so Fastify's router
 * cannot split them; one wildcard route hands the path to this table, matched in order. The
 * name is everything before the last keyword (`/manifests/`, `/blobs/`, ...), which the
 * name grammar cannot contain as a final component pair, so the split is unambiguous.
 */
function routes(metrics: ServerMetrics): Route[] {
  return [
    {
      name: "catalog",
      pattern: /^_catalog$/,
      methods: { GET: { action: "catalog", handle: listCatalog } },
    },
    {
      name: "tags",
      pattern: /^(.+)\/tags\/list$/,
      methods: { GET: { action: "pull", handle: listTags } },
    },
    {
      name: "manifests",
      pattern: /^(.+)\/manifests\/([^/]+)$/,
      methods: {
        GET: { action: "pull", handle: (ctx) => getManifest(ctx, metrics, false) },
        HEAD: { action: "pull", handle: (ctx) => getManifest(ctx, metrics, true) },
        PUT: { action: "push", handle: (ctx) => putManifest(ctx, metrics) },
        DELETE: { action: "delete", handle: deleteManifest },
      },
    },
    {
      name: "uploads",
      pattern: /^(.+)\/blobs\/uploads\/?()$/,
      methods: { POST: { action: "push", handle: (ctx) => startUpload(ctx, metrics) } },
    },
    {
      name: "upload",
      pattern: /^(.+)\/blobs\/uploads\/([^/]+)$/,
      methods: {
        GET: { action: "push", handle: uploadStatus },
        PATCH: { action: "push", handle: (ctx) => patchUpload(ctx, metrics) },
        PUT: { action: "push", handle: (ctx) => completeUpload(ctx, metrics) },
        DELETE: { action: "push", handle: cancelUpload },
      },
    },
    {
      name: "blobs",
      pattern: /^(.+)\/blobs\/([^/]+)$/,
      methods: {
        GET: { action: "pull", handle: (ctx) => getBlob(ctx, metrics, false) },
        HEAD: { action: "pull", handle: (ctx) => getBlob(ctx, metrics, true) },
        DELETE: { action: "delete", handle: deleteBlob },
      },
    },
    {
      name: "referrers",
      pattern: /^(.+)\/referrers\/([^/]+)$/,
      methods: { GET: { action: "pull", handle: listReferrers } },
    },
  ];
}

export function registerOciRoutes(app: FastifyInstance, platform: Platform, metrics: ServerMetrics): void {
  const table = routes(metrics);

  app.route({
    method: ["GET", "HEAD"],
    url: "/v2/",
    handler: async (request, reply) => {
      request.routeName = "base";
      await authorize(platform, request, undefined, "pull", true);
      return reply.type("application/json").send("{}");
    },
  });

  app.route({
    method: ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"],
    url: "/v2/*",
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      // The raw path, never `new URL(...).pathname`: URL resolution turns `a/../b` into `b`, and the
      // request would act on another repository. Routes match the still-encoded path and each part is
      // decoded on its own, so an encoded "/" inside a part (`..%2F..%2Fx` as an upload id) cannot
      // change which route matches; every part is then checked by its own grammar.
      const at = request.url.indexOf("?");
      const path = (at === -1 ? request.url : request.url.slice(0, at)).slice("/v2/".length);
      const query = new URLSearchParams(at === -1 ? "" : request.url.slice(at + 1));
      for (const route of table) {
        const m = path.match(route.pattern);
        if (!m) continue;
        request.routeName = route.name;
        const method = route.methods[request.method];
        if (!method) {
          throw Object.assign(new Error(`${request.method} is not allowed on ${route.name}`), {
            statusCode: 405,
          });
        }
        let repository = route.name === "catalog" ? "" : requireRepositoryName(decodePart(m[1]!));
        // A transparent mirror sends upstream names (`library/alpine`, containerd adding `?ns=docker.io`):
        // reads map to the proxy project before anyone is authorised for the name.
        if (platform.proxy && repository && method.action === "pull") {
          repository = requireRepositoryName(await platform.proxy.route(repository, query.get("ns")));
        }
        if (platform.proxy && repository && method.action !== "pull")
          await platform.proxy.refuseWrite(repository);
        request.logRepository = repository || undefined;
        // A cross-repository mount also reads its `from` repository: the challenge names both.
        const from = route.name === "uploads" ? query.get("from") : null;
        const alsoReads = from && query.get("mount") && isValidRepositoryName(from) ? [from] : [];
        await authorize(platform, request, repository || undefined, method.action, false, { alsoReads });
        const ctx: OciContext = {
          request,
          reply,
          platform,
          repository,
          param: decodePart(m[2] ?? ""),
          query,
          actor: {
            subject: request.identity.subject,
            kind: request.identity.kind,
            remoteAddress: request.ip,
          },
        };
        return method.handle(ctx);
      }
      throw Object.assign(new Error(`no such endpoint /v2/${path.slice(0, 200)}`), { statusCode: 404 });
    },
  });
}

/** Percent-decodes one path part; a malformed escape stays as it is, for the part's grammar to refuse. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
