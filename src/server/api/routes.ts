import type { FastifyInstance } from "fastify";
import { notRunnableReason, type Platform } from "../../app/index.js";
import { type AuditFilter, formatCheckpoint } from "../../audit/index.js";
import { parseManifest } from "../../oci/index.js";
import { requireDigest, requireRepositoryName, SYSTEM_ACTOR } from "../../registry/index.js";
import { authorize } from "../authorize.js";
import { ServerError } from "../errors.js";
import { auditScope } from "./audit-scope.js";
import { listDecisions } from "./console/decisions.js";

/**
 * The management API under /api/v1/. Repository names hold slashes, so, as under /v2/, one wildcard
 * route splits the path on its final keywords.
 *
 *   GET /api/v1/repositories/{name}/manifests/{digest}/vulnerabilities  the latest scan report
 *   GET /api/v1/repositories/{name}/manifests/{digest}/sbom             the stored CycloneDX SBOM
 *   GET /api/v1/audit/decisions?gate=&effect=&actor=&...&page=          the gate decision log
 *   GET /api/v1/audit/checkpoint                                        the log's head, one checkpoint line
 */
const VULNERABILITIES = /^(.+)\/manifests\/([^/]+)\/(vulnerabilities|sbom)$/;

export function registerApiRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/audit/decisions", async (request, reply) => {
    request.routeName = "api.listDecisions";
    // The whole log with system.audit; a project's part of it with that project's audit.read
    // (audit-scope.ts). Filters and paging: console/decisions.ts (its schema is in the OpenAPI document).
    const within = await auditScope(platform, request);
    const narrow = (filter: AuditFilter): AuditFilter => (within ? { ...filter, within } : filter);
    return reply.type("application/json").send(await listDecisions(platform, request.query, narrow));
  });

  app.get("/api/v1/audit/checkpoint", async (request, reply) => {
    request.routeName = "api.audit.checkpoint";
    await authorize(platform, request, undefined, "system.audit", false);
    const checkpoint = await platform.audit.checkpoint();
    if (!checkpoint) {
      throw new ServerError("AUDIT_LOG_EMPTY", "the audit log is empty: no checkpoint to take yet");
    }
    // The same line as the file format (newline included), so `curl -fsS URL >> audit.jsonl` keeps a file.
    return reply.type("application/json").send(`${formatCheckpoint(checkpoint)}\n`);
  });

  app.get("/api/v1/repositories/*", async (request, reply) => {
    const at = request.url.indexOf("?");
    const path = (at === -1 ? request.url : request.url.slice(0, at)).slice("/api/v1/repositories/".length);
    const match = path.match(VULNERABILITIES);
    if (!match) throw new ServerError("NOT_FOUND", `no such endpoint ${request.url.slice(0, 200)}`);
    request.routeName = `api.${match[3]}`;
    const repository = requireRepositoryName(decodeURIComponent(match[1]!));
    const digest = requireDigest(decodeURIComponent(match[2]!)).value;
    request.logRepository = repository;
    request.logDigest = digest;
    await authorize(platform, request, repository, "scan.read", false);
    // 404 MANIFEST_UNKNOWN unless this repository holds the manifest: a report is never served
    // through a repository the caller may read for an image it does not hold.
    const manifest = await platform.registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
    const scan = await platform.scans.get(digest);
    const notAnImage = scan
      ? undefined
      : notRunnableReason(parseManifest(manifest.content, manifest.mediaType));
    if (notAnImage !== undefined) {
      // Scan on push skips these (registry-image.ts); say so rather than "not scanned yet" forever.
      throw new ServerError("NOT_AN_IMAGE", `${repository}@${digest} is not scanned: it is ${notAnImage}`);
    }
    if (!scan) {
      throw new ServerError(
        "SCAN_UNKNOWN",
        `${repository}@${digest} has not been scanned${platform.config.scan.onPush ? "" : " (scan.onPush is off)"}`,
      );
    }
    if (match[3] === "sbom") {
      const sbom = await platform.scans.sbom(digest);
      if (!sbom) throw new ServerError("SCAN_UNKNOWN", `no SBOM yet (scan ${scan.status})`);
      return reply.type("application/vnd.cyclonedx+json").send(sbom);
    }
    return reply.type("application/json").send({
      digest: scan.digest,
      status: scan.status,
      requestedAt: scan.requestedAt.toISOString(),
      ...(scan.scannedAt ? { scannedAt: scan.scannedAt.toISOString() } : {}),
      ...(scan.error ? { error: scan.error } : {}),
      ...(scan.sbomDigest ? { sbomReferrer: scan.sbomDigest } : {}),
      ...(scan.advisoryRevision ? { advisoryRevision: scan.advisoryRevision } : {}),
      ...(scan.report ? { report: scan.report } : {}),
    });
  });
}
