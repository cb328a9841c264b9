import { randomUUID } from "node:crypto";
import { type DigestAlgorithm, Digester, type ParsedDigest } from "../core/index.js";
import type { FileWriter } from "../storage/index.js";
import type { BlobInfo } from "./blobs.js";
import { BUFFER_SIZE, releaseBuffer, tryTakeBuffer } from "./buffers.js";
import type { RegistryContext } from "./context.js";
import { requireDigest } from "./digests.js";
import { RegistryError } from "./errors.js";
import { linkBlob } from "./links.js";
import { blobPath, uploadPath } from "./paths.js";
import { projectOfRepository } from "./rules.js";
import { refuseWhenFull } from "./usage.js";

export interface UploadStatus {
  readonly id: string;
  readonly repository: string;
  /** Bytes received so far; the next chunk starts here. */
  readonly offset: number;
}

export type Body = AsyncIterable<Uint8Array>;

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Chunks are coalesced to this size before each write: fewer syscalls for multi-GiB streams. */
const WRITE_BATCH = BUFFER_SIZE;
const MAX_CACHED_DIGESTERS = 10_000;
const EMPTY_BODY: Body = { async *[Symbol.asyncIterator]() {} };

/**
 * Blob uploads (OCI distribution spec, "Pushing blobs"): monolithic, streamed and chunked.
 * Bytes land in `uploads/<id>` and are hashed as they stream in; only when the digest verifies
 * is the file moved to its content address, in the same transaction that records the blob.
 * The running hash of each upload is kept in memory between requests and rebuilt from the stored
 * bytes when missing (after a restart, or on another replica), so an upload survives a crash.
 */
export class UploadService {
  private readonly digesters = new Map<string, Digester>();
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly ctx: RegistryContext) {}

  async start(repository: string): Promise<UploadStatus> {
    const project = projectOfRepository(repository);
    const { quotaBytes } = await this.ctx.rules.forRepository(repository);
    await refuseWhenFull(this.ctx.db, project, quotaBytes);
    const now = this.ctx.now();
    const repositoryId = await this.ctx.repositories.ensure(repository, now);
    const id = randomUUID();
    // The bytes file is created by the first append (an append at offset 0 creates it).
    await this.ctx.db
      .insertInto("uploads")
      .values({ id, repository_id: repositoryId, size: 0, created_at: now, updated_at: now })
      .execute();
    return { id, repository, offset: 0 };
  }

  async status(repository: string, id: string): Promise<UploadStatus> {
    const row = await this.find(repository, id);
    return { id, repository, offset: row.size };
  }

  /** Appends a chunk. With `start`, it must equal the current offset (else RANGE_INVALID, 416). */
  append(
    repository: string,
    id: string,
    body: Body,
    range?: { start: number; end?: number },
  ): Promise<UploadStatus> {
    return this.exclusive(id, async () => {
      const row = await this.find(repository, id);
      if (range && range.start !== row.size) {
        throw new RegistryError(
          "RANGE_INVALID",
          `chunk starts at ${range.start}, but ${row.size} bytes were received`,
          {
            detail: { offset: row.size },
          },
        );
      }
      const expected = range?.end === undefined ? undefined : range.end - range.start + 1;
      const size = await this.receive(id, row.size, body, expected);
      const updated = await this.ctx.db
        .updateTable("uploads")
        .set({ size, updated_at: this.ctx.now() })
        .where("id", "=", id)
        .where("size", "=", row.size)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) {
        this.digesters.delete(id);
        throw new RegistryError("RANGE_INVALID", "the upload was changed by another request");
      }
      return { id, repository, offset: size };
    });
  }

  /**
   * Closes an upload, with an optional last chunk, once its content matches `digest`. A last chunk
   * with a `range` is held to append's rule (RANGE_INVALID, 416, before anything is written, so the
   * upload can resume); a mismatch between range and body is BLOB_UPLOAD_INVALID.
   */
  complete(
    repository: string,
    id: string,
    digest: string,
    body?: Body,
    range?: { start: number; end: number },
  ): Promise<BlobInfo> {
    const parsed = requireDigest(digest);
    return this.exclusive(id, async () => {
      const row = await this.find(repository, id);
      if (range && range.start !== row.size) {
        throw new RegistryError(
          "RANGE_INVALID",
          `chunk starts at ${range.start}, but ${row.size} bytes were received`,
          { detail: { offset: row.size } },
        );
      }
      const expected = range ? range.end - range.start + 1 : undefined;
      // Always a final append, even an empty one: it creates the bytes file of an empty upload, cuts
      // off whatever a failed or killed chunk left past the acknowledged offset (those bytes would
      // otherwise be moved into the blob, after the digest was checked on the rest) and syncs.
      const size = await this.receive(id, row.size, body ?? EMPTY_BODY, expected, true);
      let digester = this.digesters.get(id);
      if (!digester || digester.size !== size) digester = await this.rehash(id, size, parsed.algorithm);
      if (digester.algorithm !== parsed.algorithm) digester = await this.rehash(id, size, parsed.algorithm);
      const actual = digester.digest();
      if (actual !== parsed.value) {
        await this.discard(id);
        throw new RegistryError("DIGEST_INVALID", `content digest ${actual} does not match ${parsed.value}`, {
          detail: { digest: parsed.value },
        });
      }
      await this.commit(repository, row.repository_id, parsed, size, uploadPath(id), id);
      this.digesters.delete(id);
      return { digest: parsed.value, size };
    });
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.find(repository, id);
    await this.exclusive(id, () => this.discard(id));
  }

  /** A whole blob in one request (`POST ?digest=`): no upload row, just a temporary file. */
  async putMonolithic(repository: string, digest: string, body: Body): Promise<BlobInfo> {
    const parsed = requireDigest(digest);
    const now = this.ctx.now();
    const repositoryId = await this.ctx.repositories.ensure(repository, now);
    const temp = uploadPath(randomUUID());
    const digester = new Digester(parsed.algorithm);
    const writer = await this.ctx.store.writer(temp);
    try {
      await pump(body, writer, digester);
      await writer.commit();
    } catch (err) {
      await writer.cancel().catch(() => {});
      throw err;
    }
    if (digester.digest() !== parsed.value) {
      await this.ctx.store.delete(temp).catch(() => {});
      throw new RegistryError(
        "DIGEST_INVALID",
        `content digest ${digester.digest()} does not match ${parsed.value}`,
        {
          detail: { digest: parsed.value },
        },
      );
    }
    await this.commit(repository, repositoryId, parsed, digester.size, temp);
    return { digest: parsed.value, size: digester.size };
  }

  private async find(repository: string, id: string) {
    const unknown = () => new RegistryError("BLOB_UPLOAD_UNKNOWN", `upload ${id.slice(0, 64)} is not known`);
    if (!UPLOAD_ID.test(id)) throw unknown();
    const repositoryId = await this.ctx.repositories.find(repository);
    const row = await this.ctx.db.selectFrom("uploads").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row || row.repository_id !== repositoryId) throw unknown();
    if (row.size > 0) {
      // A process killed between moving the bytes to their blob path and committing leaves the row
      // without its bytes: the offset it reports cannot be resumed from, so the upload is gone.
      const info = await this.ctx.store.stat(uploadPath(id)).catch(() => undefined);
      if (!info || info.size < row.size) {
        await this.discard(id);
        throw unknown();
      }
    }
    return row;
  }

  /** Streams a chunk onto the stored bytes at `offset`; returns the new size. */
  private async receive(
    id: string,
    offset: number,
    body: Body,
    expected?: number,
    final = false,
  ): Promise<number> {
    let digester = this.digesters.get(id);
    if (!digester || digester.size !== offset) digester = await this.rehash(id, offset, "sha256");
    this.digesters.delete(id);
    // At offset 0 there is nothing to keep: a plain writer creates (or empties) the file in one open.
    const writer = await this.ctx.store.writer(uploadPath(id), offset === 0 ? {} : { append: true, offset });
    try {
      await pump(body, writer, digester);
      if (expected !== undefined && digester.size - offset !== expected) {
        throw new RegistryError(
          "BLOB_UPLOAD_INVALID",
          `chunk carried ${digester.size - offset} bytes, Content-Range announced ${expected}`,
        );
      }
      if (final) await writer.commit();
      else await writer.close();
    } catch (err) {
      // Whatever reached the file past `offset` is ignored: the next append truncates it.
      await writer.close().catch(() => {});
      throw err;
    }
    this.remember(id, digester);
    return digester.size;
  }

  private async rehash(id: string, size: number, algorithm: DigestAlgorithm): Promise<Digester> {
    const digester = new Digester(algorithm);
    if (size > 0) {
      const stream = await this.ctx.store.reader(uploadPath(id), { offset: 0, length: size });
      for await (const chunk of stream) digester.update(chunk as Uint8Array);
    }
    if (digester.size !== size) throw new RegistryError("BLOB_UPLOAD_INVALID", `upload ${id} lost bytes`);
    return digester;
  }

  private remember(id: string, digester: Digester): void {
    if (this.digesters.size >= MAX_CACHED_DIGESTERS) {
      const oldest = this.digesters.keys().next().value;
      if (oldest !== undefined) this.digesters.delete(oldest);
    }
    this.digesters.set(id, digester);
  }

  private async discard(id: string): Promise<void> {
    this.digesters.delete(id);
    await this.ctx.db.deleteFrom("uploads").where("id", "=", id).execute();
    await this.ctx.store.delete(uploadPath(id)).catch(() => {});
  }

  /**
   * Records a verified blob and moves its bytes to their content address in one transaction.
   * Upserting the blob row first takes its row lock, so a concurrent collection of the same
   * digest either finishes before (and we put the bytes back) or sees it freshly linked. A new link
   * counts the blob in its project's usage before the move, so a push over the quota is refused with
   * nothing moved (the upload is discarded: a retry would be refused the same way).
   */
  private async commit(
    repository: string,
    repositoryId: number,
    digest: ParsedDigest,
    size: number,
    temp: string,
    uploadId?: string,
  ) {
    const now = this.ctx.now();
    const target = blobPath(digest);
    const { quotaBytes } = await this.ctx.rules.forRepository(repository);
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("blobs")
          .values({ digest: digest.value, size, created_at: now, linked_at: now })
          .onConflict((oc) => oc.column("digest").doUpdateSet({ linked_at: now }))
          .execute();
        await linkBlob(trx, { repository, repositoryId, digest: digest.value, size, now }, quotaBytes);
        // Always moved, even when the bytes are already there: content-addressed, so replacing the file
        // changes nothing for readers (an open file keeps its old inode), and it repairs a file that a
        // crash removed under a surviving row. One rename is cheaper than a stat and a delete.
        await this.ctx.store.move(temp, target);
        if (uploadId) await trx.deleteFrom("uploads").where("id", "=", uploadId).execute();
      });
    } catch (err) {
      if (err instanceof RegistryError && err.code === "DENIED") {
        if (uploadId) await this.discard(uploadId);
        else await this.ctx.store.delete(temp).catch(() => {});
      }
      throw err;
    }
    this.ctx.blobSizes.set(digest.value, size);
  }

  /** Serialises requests on one upload inside this process. */
  private async exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.busy.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.busy.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.busy.get(id) === settled) this.busy.delete(id);
    }
  }
}

/**
 * How long a client may pause before the bytes gathered so far are written and their buffer given back:
 * far longer than the gap between socket chunks of a live stream, so a fast push still writes whole
 * MiBs, and short enough that a stalled client holds no pooled buffer (issue 11, item 6).
 */
const STALL_FLUSH_MS = 200;

/**
 * Copies a body into a writer through a digester. Socket chunks (often 16-64 KiB) are gathered
 * into reused 1 MiB buffers, and one write stays in flight while the next buffer fills, so the
 * disk and the socket work at the same time and a multi-GiB blob makes no per-chunk garbage.
 * When the pool lends no buffer (MAX_LENT out), chunks are written as they come instead; and when
 * the client pauses, what was gathered is written and the buffer returned: memory does not grow
 * with the number of clients, whatever they do.
 */
async function pump(body: Body, writer: FileWriter, digester: Digester): Promise<void> {
  let current: Buffer | undefined;
  let filled = 0;
  let inFlight: Promise<void> | undefined;
  let inFlightBuffer: Buffer | undefined;
  const settle = async () => {
    if (!inFlight) return;
    await inFlight;
    releaseBuffer(inFlightBuffer);
    inFlight = undefined;
    inFlightBuffer = undefined;
  };
  const flush = async (data: Uint8Array, owned: Buffer | undefined) => {
    await settle();
    inFlight = writer.write(data);
    // Awaited later; marked handled now so a failure while the next buffer fills is not "unhandled".
    inFlight.catch(() => {});
    inFlightBuffer = owned;
  };
  // When the client pauses with bytes gathered, the timer writes them and returns the buffer. It acts only
  // while the loop waits for the next chunk (`waiting`), and the loop awaits that write before going on.
  let waiting = false;
  let pausedWrite: Promise<void> | undefined;
  const pause = setTimeout(() => {
    if (!waiting || !current || filled === 0) return;
    const buffer = current;
    const length = filled;
    current = undefined;
    filled = 0;
    pausedWrite = flush(buffer.subarray(0, length), buffer).then(settle);
    pausedWrite.catch(() => {});
  }, STALL_FLUSH_MS);
  pause.unref();
  const chunks = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (current) pause.refresh();
      let result: IteratorResult<Uint8Array>;
      waiting = true;
      try {
        result = await chunks.next();
      } finally {
        waiting = false;
      }
      if (pausedWrite) {
        await pausedWrite;
        pausedWrite = undefined;
      }
      if (result.done) break;
      const chunk = result.value;
      digester.update(chunk);
      let at = 0;
      while (at < chunk.length) {
        if (!current && chunk.length - at >= WRITE_BATCH) {
          // A large chunk goes straight through without a copy (Node never reuses it).
          await flush(at === 0 ? chunk : chunk.subarray(at), undefined);
          break;
        }
        current ??= tryTakeBuffer();
        if (!current) {
          // The pool is lent out: this chunk goes as it is, which costs a write but no memory.
          await flush(at === 0 ? chunk : chunk.subarray(at), undefined);
          break;
        }
        const n = Math.min(chunk.length - at, WRITE_BATCH - filled);
        current.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === WRITE_BATCH) {
          await flush(current, current);
          current = undefined;
          filled = 0;
        }
      }
    }
    if (current && filled > 0) {
      await flush(current.subarray(0, filled), current);
      current = undefined;
    }
    if (inFlight) await inFlight;
  } finally {
    clearTimeout(pause);
    if (pausedWrite) await pausedWrite.catch(() => {});
    // Only once the driver has settled the last write may its buffer be reused.
    if (inFlight) await inFlight.catch(() => {});
    releaseBuffer(inFlightBuffer);
    releaseBuffer(current);
  }
}
