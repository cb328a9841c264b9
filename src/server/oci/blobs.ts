import type { OutgoingHttpHeaders } from "node:http";
import { resolveRange } from "../../registry/index.js";
import { API_VERSION_HEADER } from "../headers.js";
import type { ServerMetrics } from "../metrics.js";
import type { OciContext } from "./context.js";

export async function getBlob(ctx: OciContext, metrics: ServerMetrics, head: boolean): Promise<void> {
  const { registry } = ctx.platform;
  const info = await registry.blobs.stat(ctx.repository, ctx.param);
  ctx.request.logDigest = info.digest;
  // Authorised (the route did) and known in this repository (stat did): the bytes may come straight
  // from the bucket. HEAD answers here, as it costs the store nothing.
  const s3 = ctx.platform.config.storage.s3;
  if (!head && s3?.presignedRedirects) {
    const url = await registry.blobs.presignedUrl(info, Math.max(1, Math.floor(s3.presignExpiryMs / 1000)));
    if (url) {
      return ctx.reply
        .code(307)
        .header("Location", url)
        .header("Docker-Content-Digest", info.digest)
        .header("Content-Length", 0)
        .send();
    }
  }
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

  // The body bypasses Fastify's stream piping: the bytes go from two pooled buffers straight to the
  // socket, each reused only once the socket has taken it, so a GiB-sized pull allocates nothing.
  const res = ctx.reply.raw;
  let started = false;
  const sink = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (!started) {
        started = true;
        ctx.reply.hijack();
        res.writeHead(ctx.reply.statusCode, {
          ...ctx.reply.getHeaders(),
          ...API_VERSION_HEADER,
        } as OutgoingHttpHeaders);
      }
      if (res.destroyed) return reject(new Error("the client went away"));
      res.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  try {
    await registry.blobs.copy(info, range, sink);
  } catch (err) {
    if (!started) throw err;
    // Headers are out: all that is left is to cut the response short, so the client sees it fail.
    ctx.request.log.warn({ err, digest: info.digest }, "blob download interrupted");
    res.destroy();
    return;
  }
  metrics.bytesOut.inc(length);
  if (!started) return ctx.reply.send();
  res.end();
}

export async function deleteBlob(ctx: OciContext): Promise<void> {
  await ctx.platform.registry.blobs.delete(ctx.repository, ctx.param, ctx.actor);
  ctx.request.logDigest = ctx.param;
  return ctx.reply.code(202).header("Content-Length", 0).send();
}
