import type { Readable } from "node:stream";
import type { RandomAccessFile } from "../storage/index.js";
import { releaseBuffer, SMALL_BUFFER_SIZE, tryTakeBuffer } from "./buffers.js";
import type { RegistryContext } from "./context.js";
import { requireDigest } from "./digests.js";
import { RegistryError } from "./errors.js";
import type { Actor } from "./events.js";
import { linkBlob, unlinkedBlob } from "./links.js";
import { blobPath } from "./paths.js";

/** Buffers in a download's ring (1 MiB each while the pool lends them). */
const SEND_DEPTH = 2;

export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

/** An inclusive byte range, as HTTP Range expresses it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Reading, mounting and deleting blobs that a repository holds. Uploads are in `uploads.ts`. */
export class BlobService {
  constructor(private readonly ctx: RegistryContext) {}

  async stat(repository: string, digest: string): Promise<BlobInfo> {
    const parsed = requireDigest(digest);
    const repositoryId = await this.ctx.repositories.find(repository);
    const row =
      repositoryId === undefined
        ? undefined
        : await this.ctx.db
            .selectFrom("repository_blobs as rb")
            .innerJoin("blobs as b", "b.digest", "rb.digest")
            .select("b.size")
            .where("rb.repository_id", "=", repositoryId)
            .where("rb.digest", "=", parsed.value)
            .executeTakeFirst();
    if (!row)
      throw new RegistryError("BLOB_UNKNOWN", `blob ${parsed.value} is not in ${repository}`, {
        detail: { digest },
      });
    return { digest: parsed.value, size: row.size };
  }

  /**
   * A presigned URL the blob's bytes can be fetched from directly, or undefined when the store cannot
   * presign. The caller must have authorised the pull of `info` (from `stat`) first: the URL is a
   * bearer credential for these bytes until it expires.
   */
  async presignedUrl(info: BlobInfo, expiresInSeconds: number): Promise<string | undefined> {
    const store = this.ctx.store;
    if (!store.presignGet) return undefined;
    return store.presignGet(blobPath(requireDigest(info.digest)), expiresInSeconds);
  }

  /**
   * Streams a blob (or a range of it) into `sink`, reading into a small ring of pooled buffers: the
   * next chunk is read from storage while the sink still sends the previous ones. `sink` must be done with a chunk when
   * its promise settles (for a socket: when the write callback fired). Resolves to bytes copied.
   */
  async copy(
    info: BlobInfo,
    range: ByteRange | undefined,
    sink: (chunk: Buffer) => Promise<void>,
  ): Promise<number> {
    let file: RandomAccessFile;
    try {
      file = await this.ctx.store.open(blobPath(requireDigest(info.digest)));
    } catch (err) {
      throw new RegistryError("BLOB_UNKNOWN", `blob ${info.digest} is not available`, { cause: err });
    }
    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : info.size;
    // A ring of buffers: up to SEND_DEPTH - 1 chunks wait in the socket while the next one is read.
    // Pooled buffers while the pool lends them; past its cap (many slow readers at once), small ones.
    const ring = Array.from(
      { length: SEND_DEPTH },
      () => tryTakeBuffer() ?? Buffer.allocUnsafe(SMALL_BUFFER_SIZE),
    );
    const sends: Array<Promise<void> | undefined> = [];
    let at = start;
    try {
      for (let turn = 0; at < end; turn++) {
        const slot = turn % SEND_DEPTH;
        // The buffer is free once the chunk it last carried has been sent.
        await sends[slot];
        const buffer = ring[slot]!;
        const n = await file.read(buffer, Math.min(buffer.length, end - at), at);
        if (n === 0)
          throw new RegistryError("BLOB_UNKNOWN", `blob ${info.digest} ends before ${info.size} bytes`);
        const send = sink(buffer.subarray(0, n));
        // Awaited when the buffer comes round again; marked handled now so a failure meanwhile is not "unhandled".
        send.catch(() => {});
        sends[slot] = send;
        at += n;
      }
      await Promise.all(sends);
      return at - start;
    } finally {
      await Promise.allSettled(sends);
      await file.close().catch(() => {});
      for (const buffer of ring) releaseBuffer(buffer);
    }
  }

  /**
   * A blob of `repository` as a stream, for in-process readers (scan on push) rather than sockets:
   * the registry verified the digest when the blob was stored.
   */
  async stream(repository: string, digest: string): Promise<Readable> {
    const info = await this.stat(repository, digest);
    try {
      return await this.ctx.store.reader(blobPath(requireDigest(info.digest)));
    } catch (err) {
      throw new RegistryError("BLOB_UNKNOWN", `blob ${info.digest} is not available`, { cause: err });
    }
  }

  /** Links a blob that `from` holds into `repository`; undefined when `from` does not hold it. */
  async mount(repository: string, digest: string, from: string, actor: Actor): Promise<BlobInfo | undefined> {
    const parsed = requireDigest(digest);
    let info: BlobInfo;
    try {
      info = await this.stat(from, parsed.value);
    } catch (err) {
      if (err instanceof RegistryError && (err.code === "BLOB_UNKNOWN" || err.code === "NAME_UNKNOWN"))
        return undefined;
      throw err;
    }
    const now = this.ctx.now();
    const repositoryId = await this.ctx.repositories.ensure(repository, now);
    const { quotaBytes } = await this.ctx.rules.forRepository(repository);
    await this.ctx.db.transaction().execute(async (trx) => {
      // Refreshing linked_at first takes the blob's row lock, so a collection cannot remove it under us.
      const touched = await trx
        .updateTable("blobs")
        .set({ linked_at: now })
        .where("digest", "=", parsed.value)
        .returning(["digest", "size"])
        .executeTakeFirst();
      if (!touched) throw new RegistryError("BLOB_UNKNOWN", `blob ${parsed.value} is not available`);
      // A mount into another project adds the blob to that project's usage (and quota).
      await linkBlob(
        trx,
        { repository, repositoryId, digest: parsed.value, size: Number(touched.size), now },
        quotaBytes,
      );
    });
    this.ctx.events.emit({ type: "blob.mounted", repository, from, digest: parsed.value, actor });
    return info;
  }

  /** Unlinks a blob from a repository; the bytes go when garbage collection finds them unreferenced. */
  async delete(repository: string, digest: string, actor: Actor): Promise<void> {
    if (!this.ctx.options.deletion)
      throw new RegistryError("UNSUPPORTED", "deletion is disabled on this registry");
    const parsed = requireDigest(digest);
    const repositoryId = await this.ctx.repositories.require(repository);
    const deleted = await this.ctx.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom("repository_blobs")
        .where("repository_id", "=", repositoryId)
        .where("digest", "=", parsed.value)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await unlinkedBlob(trx, repository, parsed.value);
      return true;
    });
    if (!deleted) {
      throw new RegistryError("BLOB_UNKNOWN", `blob ${parsed.value} is not in ${repository}`, {
        detail: { digest },
      });
    }
    this.ctx.events.emit({ type: "blob.deleted", repository, digest: parsed.value, actor });
  }
}

/**
 * Resolves an HTTP Range header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a size. Returns
 * undefined for no header, throws RANGE_INVALID (416) when unsatisfiable or malformed.
 * Several ranges are not supported; the whole header is then refused the same way.
 */
export function resolveRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === ""))
    throw new RegistryError("RANGE_INVALID", `unsupported range ${header}`);
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new RegistryError("RANGE_INVALID", `unsatisfiable range ${header}`);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start)
      throw new RegistryError("RANGE_INVALID", `invalid range ${header}`);
  }
  if (start >= size || size === 0)
    throw new RegistryError("RANGE_INVALID", `range ${header} is outside ${size} bytes`);
  return { start, end };
}
