import { resolveRange } from "../../registry/index.js";
import type { ServerMetrics } from "../metrics.js";
import type { OciContext } from "./context.js";

export async function getBlob(ctx: OciContext, metrics: ServerMetrics, head: boolean): Promise<void> {
  const { registry } = ctx.platform;
  const info = await registry.blobs.stat(ctx.repository, ctx.param);
  ctx.request.logDigest = info.digest;
  let range: { start: number; end: number } | undefined;
  try {
    range = resolveRange(ctx.request.headers.range, info.size);
  } catch (err) {
    ctx.reply.header("Content-Range", `bytes */${info.size}`);
    throw err;
  }
  ctx.reply
    .header("Content-Type", "application/octet-stream")
    .header("Docker-Content-Digest", info.digest)
    .header("Accept-Ranges", "bytes")
    .header("ETag", `"${info.digest}"`);
  const length = range ? range.end - range.start + 1 : info.size;
  ctx.reply.header("Content-Length", length);
  if (range) ctx.reply.code(206).header("Content-Range", `bytes ${range.start}-${range.end}/${info.size}`);
  if (head) return ctx.reply.send();
  const { stream } = await registry.blobs.open(ctx.repository, info.digest, range);
  metrics.bytesOut.inc(length);
  return ctx.reply.send(stream);
}

export async function deleteBlob(ctx: OciContext): Promise<void> {
  await ctx.platform.registry.blobs.delete(ctx.repository, ctx.param, ctx.actor);
  ctx.request.logDigest = ctx.param;
  return ctx.reply.code(202).header("Content-Length", 0).send();
}
