import { RegistryError, requireRepositoryName } from "../../registry/index.js";
import type { ServerMetrics } from "../metrics.js";
import { hasBody, type OciContext, rangeHeader, requestBody, uploadLocation } from "./context.js";

/** POST /v2/<name>/blobs/uploads/: start an upload, push monolithically (`?digest=`), or mount (`?mount=&from=`). */
export async function startUpload(ctx: OciContext, metrics: ServerMetrics): Promise<void> {
  const { registry } = ctx.platform;
  const mount = ctx.query.get("mount");
  const from = ctx.query.get("from");
  if (mount && from) {
    requireRepositoryName(from);
    const allowed = await ctx.platform.authorizer.authorize(ctx.request.identity, {
      action: "pull",
      repository: from,
    });
    const mounted = allowed ? await registry.blobs.mount(ctx.repository, mount, from, ctx.actor) : undefined;
    if (mounted) return created(ctx, mounted.digest);
    // Unknown in `from` (or not readable there): fall back to an ordinary upload, as the spec says.
  }
  const digest = ctx.query.get("digest");
  // An explicit `Content-Length: 0` is a monolithic push of the empty blob, not a request for a session.
  if (digest && (hasBody(ctx) || ctx.request.headers["content-length"] !== undefined)) {
    const blob = await registry.uploads.putMonolithic(
      ctx.repository,
      digest,
      requestBody(ctx, (n) => metrics.bytesIn.inc(n)),
    );
    ctx.platform.events.emit({
      type: "blob.uploaded",
      repository: ctx.repository,
      ...blob,
      actor: ctx.actor,
    });
    return created(ctx, blob.digest);
  }
  const upload = await registry.uploads.start(ctx.repository);
  return accepted(ctx, upload.id, 0);
}

/** PATCH: a streamed chunk (no Content-Range) or an ordered chunk (`Content-Range: start-end`). */
export async function patchUpload(ctx: OciContext, metrics: ServerMetrics): Promise<void> {
  const status = await ctx.platform.registry.uploads.append(
    ctx.repository,
    ctx.param,
    requestBody(ctx, (n) => metrics.bytesIn.inc(n)),
    chunkRange(ctx),
  );
  return accepted(ctx, status.id, status.offset);
}

/** The `Content-Range: start-end` of a chunk (PATCH, or the closing PUT), if the request has one. */
function chunkRange(ctx: OciContext): { start: number; end: number } | undefined {
  const header = ctx.request.headers["content-range"];
  if (header === undefined) return undefined;
  const m = header.match(/^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/);
  if (!m || Number(m[2]) < Number(m[1])) {
    throw new RegistryError("RANGE_INVALID", `invalid Content-Range ${JSON.stringify(header.slice(0, 100))}`);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

/**
 * PUT ?digest=: close the upload, with an optional last chunk in the body. A last chunk may carry a
 * Content-Range, held to the same order as a PATCH's: distribution spec 1.1, "Pushing a blob in
 * chunks" ("If a chunk is uploaded out of order, the registry MUST respond with a 416"; the final
 * chunk "MAY be uploaded in the closing PUT request").
 */
export async function completeUpload(ctx: OciContext, metrics: ServerMetrics): Promise<void> {
  const digest = ctx.query.get("digest");
  if (!digest)
    throw new RegistryError("DIGEST_INVALID", "the digest query parameter is required to close an upload");
  const blob = await ctx.platform.registry.uploads.complete(
    ctx.repository,
    ctx.param,
    digest,
    hasBody(ctx) ? requestBody(ctx, (n) => metrics.bytesIn.inc(n)) : undefined,
    chunkRange(ctx),
  );
  ctx.platform.events.emit({ type: "blob.uploaded", repository: ctx.repository, ...blob, actor: ctx.actor });
  return created(ctx, blob.digest);
}

export async function uploadStatus(ctx: OciContext): Promise<void> {
  const status = await ctx.platform.registry.uploads.status(ctx.repository, ctx.param);
  return ctx.reply
    .code(204)
    .header("Location", uploadLocation(ctx.repository, status.id))
    .header("Range", rangeHeader(status.offset))
    .header("Docker-Upload-UUID", status.id)
    .send();
}

export async function cancelUpload(ctx: OciContext): Promise<void> {
  await ctx.platform.registry.uploads.cancel(ctx.repository, ctx.param);
  return ctx.reply.code(204).send();
}

function accepted(ctx: OciContext, id: string, offset: number): void {
  ctx.reply
    .code(202)
    .header("Location", uploadLocation(ctx.repository, id))
    .header("Range", rangeHeader(offset))
    .header("Docker-Upload-UUID", id)
    .header("Content-Length", 0)
    .send();
}

function created(ctx: OciContext, digest: string): void {
  ctx.request.logDigest = digest;
  ctx.reply
    .code(201)
    .header("Location", `/v2/${ctx.repository}/blobs/${digest}`)
    .header("Docker-Content-Digest", digest)
    .header("Content-Length", 0)
    .send();
}
