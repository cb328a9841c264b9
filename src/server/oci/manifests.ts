import { ProxyError } from "../../proxy/index.js";
import { RegistryError, type StoredManifest } from "../../registry/index.js";
import type { ServerMetrics } from "../metrics.js";
import { manifestAcceptance } from "./accept.js";
import { type OciContext, readBody } from "./context.js";

export async function getManifest(ctx: OciContext, metrics: ServerMetrics, head: boolean): Promise<void> {
  // A proxy project's manifest is fetched, re-checked or refused by its allowlist first (proxy/).
  const prepared = await ctx.platform.proxy?.prepareManifest(ctx.repository, ctx.param);
  let manifest: StoredManifest;
  try {
    manifest = await ctx.platform.registry.manifests.get(
      ctx.repository,
      ctx.param,
      ctx.actor,
      !head,
      manifestAcceptance(ctx.request.headers.accept),
    );
  } catch (err) {
    // Fail closed while the scan of what was just copied in runs: the pull gate refused it, and the
    // client is told why and that a retry will do.
    if (
      prepared &&
      prepared.scanPending.length > 0 &&
      err instanceof RegistryError &&
      err.code === "DENIED"
    ) {
      throw new ProxyError(
        "PROXY_SCAN_PENDING",
        `scan pending for ${prepared.scanPending.join(", ")}: retry shortly (${err.message})`,
        { detail: { retryAfterSeconds: 10 } },
      );
    }
    throw err;
  }
  ctx.request.logDigest = manifest.digest;
  ctx.reply
    .header("Content-Type", manifest.mediaType)
    .header("Content-Length", manifest.size)
    .header("Docker-Content-Digest", manifest.digest)
    .header("ETag", `"${manifest.digest}"`);
  if (head) return ctx.reply.send();
  metrics.bytesOut.inc(manifest.size);
  return ctx.reply.send(manifest.content);
}

/** PUT /v2/<name>/manifests/<reference>[?tag=a&tag=b] (distribution spec 1.1). */
export async function putManifest(ctx: OciContext, metrics: ServerMetrics): Promise<void> {
  const limit = ctx.platform.registry.options.maxManifestBytes;
  const content = await readBody(ctx, limit);
  if (content === undefined) {
    throw new RegistryError("MANIFEST_TOO_LARGE", `manifest exceeds the limit of ${limit} bytes`);
  }
  metrics.bytesIn.inc(content.length);
  const contentType = ctx.request.headers["content-type"];
  const result = await ctx.platform.registry.manifests.put(
    ctx.repository,
    ctx.param,
    content,
    contentType,
    ctx.query.getAll("tag"),
    ctx.actor,
  );
  ctx.request.logDigest = result.digest;
  ctx.reply
    .code(201)
    .header("Location", `/v2/${ctx.repository}/manifests/${result.digest}`)
    .header("Docker-Content-Digest", result.digest)
    .header("Content-Length", 0);
  if (result.subject) ctx.reply.header("OCI-Subject", result.subject);
  if (result.tags.length > 0) ctx.reply.header("OCI-Tag", result.tags);
  return ctx.reply.send();
}

export async function deleteManifest(ctx: OciContext): Promise<void> {
  await ctx.platform.registry.manifests.delete(ctx.repository, ctx.param, ctx.actor);
  return ctx.reply.code(202).header("Content-Length", 0).send();
}
