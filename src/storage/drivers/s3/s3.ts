import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
  StorageError,
} from "../../driver.js";
import { checkDriverPath, checkRange, checkWriterOffset, compareNames } from "../paths.js";
import { ioError, isNotFound, makeClient, type S3Settings, statusOf } from "./client.js";
import { copyParts, MAX_COPY, MIN_PART } from "./copy.js";
import { copySource, Keys } from "./keys.js";
import { emptyStream, openRanged, rangedReader } from "./read.js";
import { S3Writer } from "./writer.js";

export interface S3DriverOptions {
  /** Bytes buffered per multipart part (at least 5 MiB, S3's minimum for all but the last part). */
  readonly partSize?: number;
  /** Bytes one positional-read request fetches at least, so small reads in a row cost one request. */
  readonly readAhead?: number;
}

/** What an object is, from one HEAD. */
export interface Head {
  readonly size: number;
  readonly modifiedAt: Date;
  readonly etag: string | undefined;
}

/**
 * A StorageDriver over an S3-compatible object store (AWS S3, Ceph RGW, MinIO). S3 has no
 * directories: a directory is the set of keys sharing its prefix, so it exists while it holds an
 * object and vanishes with its last one, as the conformance suite asks. Writers keep no state that
 * only this process knows: each `close` or `commit` leaves a complete object at the key, and an
 * append (from this process after a restart, or from another replica) continues from that object
 * (see writer.ts).
 */
export class S3Driver implements StorageDriver {
  readonly name = "s3";
  readonly client: S3Client;
  readonly bucket: string;
  readonly keys: Keys;
  readonly partSize: number;
  private readonly readAhead: number;

  constructor(settings: S3Settings, options: S3DriverOptions = {}) {
    this.client = makeClient(settings);
    this.bucket = settings.bucket;
    this.keys = new Keys(settings.prefix);
    this.partSize = Math.max(MIN_PART, options.partSize ?? 8 * 1024 * 1024);
    this.readAhead = Math.max(64 * 1024, options.readAhead ?? 1024 * 1024);
  }

  async get(path: string): Promise<Buffer> {
    checkDriverPath(path);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keys.key(path) }),
      );
      const bytes = await out.Body?.transformToByteArray();
      return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.alloc(0);
    } catch (err) {
      throw this.failure(`get ${path}`, err);
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    checkDriverPath(path);
    await this.assertWritable(path);
    // The SDK may read the body again on a retry: a copy keeps the caller free to reuse its buffer.
    await this.putObject(path, Buffer.from(data));
  }

  async reader(path: string, range?: { offset?: number; length?: number }): Promise<Readable> {
    checkDriverPath(path);
    const { offset, length } = checkRange(range);
    if (length === 0) {
      await this.head(path);
      return emptyStream();
    }
    return rangedReader(this, path, offset, length === undefined ? undefined : offset + length);
  }

  async open(path: string): Promise<RandomAccessFile> {
    checkDriverPath(path);
    const head = await this.head(path);
    return openRanged(this, path, head, this.readAhead);
  }

  async writer(path: string, options: { append?: boolean; offset?: number } = {}): Promise<FileWriter> {
    checkDriverPath(path);
    checkWriterOffset(options.offset);
    if (options.append) {
      const head = await this.head(path).catch((err: unknown) => {
        if (err instanceof StorageError && err.code === "NOT_FOUND") return undefined;
        throw err;
      });
      if (head) {
        const offset = options.offset ?? head.size;
        if (offset > head.size) {
          throw new StorageError(
            "IO",
            `cannot append to ${path} at ${offset}: it holds only ${head.size} bytes`,
          );
        }
        return S3Writer.resume(this, path, offset, head);
      }
      if ((options.offset ?? 0) > 0) {
        throw new StorageError("NOT_FOUND", `cannot append to ${path} at ${options.offset}: no such object`);
      }
    }
    await this.assertWritable(path);
    return S3Writer.fresh(this, path);
  }

  async stat(path: string): Promise<FileInfo> {
    checkDriverPath(path);
    try {
      const head = await this.head(path);
      return { path, size: head.size, modifiedAt: head.modifiedAt, isDirectory: false };
    } catch (err) {
      if (!(err instanceof StorageError && err.code === "NOT_FOUND")) throw err;
    }
    const first = await this.listPage(this.keys.dir(path), undefined, undefined, 1);
    const object = first.Contents?.[0];
    if (!object) throw new StorageError("NOT_FOUND", `no such object or directory: ${path}`);
    return { path, size: 0, modifiedAt: object.LastModified ?? new Date(), isDirectory: true };
  }

  async list(path: string): Promise<string[]> {
    checkDriverPath(path);
    const children: string[] = [];
    for await (const entry of this.children(path)) children.push(entry.path);
    if (children.length === 0) throw new StorageError("NOT_FOUND", `no such directory: ${path}`);
    return children.sort(compareNames);
  }

  async move(from: string, to: string): Promise<void> {
    checkDriverPath(from);
    checkDriverPath(to);
    const head = await this.head(from);
    if (from === to) return;
    await this.assertWritable(to);
    const source = this.keys.key(from);
    const target = this.keys.key(to);
    try {
      if (head.size <= MAX_COPY) {
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: target,
            CopySource: copySource(this.bucket, source),
          }),
        );
      } else {
        await copyParts(this, source, target, head.size);
      }
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source }));
    } catch (err) {
      throw this.failure(`move ${from} to ${to}`, err);
    }
  }

  async delete(path: string): Promise<void> {
    checkDriverPath(path);
    try {
      await this.head(path);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keys.key(path) }));
      return;
    } catch (err) {
      if (!(err instanceof StorageError && err.code === "NOT_FOUND"))
        throw this.failure(`delete ${path}`, err);
    }
    // A directory: every key under its prefix, in DeleteObjects batches of at most 1000 (one page).
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.listPage(this.keys.dir(path), undefined, token, 1000);
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length > 0) {
        const out = await this.client
          .send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }))
          .catch((err: unknown) => {
            throw this.failure(`delete ${path}`, err);
          });
        const failed = out.Errors?.[0];
        if (failed) throw new StorageError("IO", `S3 delete ${path}: ${failed.Key}: ${failed.Code}`);
        deleted += objects.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (deleted === 0) throw new StorageError("NOT_FOUND", `no such object or directory: ${path}`);
  }

  /** Objects in DeleteObjects batches of 1,000 keys (GC's sweep); keys already gone count as deleted. */
  async deleteMany(paths: readonly string[]): Promise<void> {
    for (const path of paths) checkDriverPath(path);
    for (let i = 0; i < paths.length; i += 1000) {
      const objects = paths.slice(i, i + 1000).map((path) => ({ Key: this.keys.key(path) }));
      const out = await this.client
        .send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }))
        .catch((err: unknown) => {
          throw this.failure(`delete ${objects.length} objects`, err);
        });
      const failed = out.Errors?.find((e) => e.Code !== "NoSuchKey");
      if (failed) throw new StorageError("IO", `S3 delete ${failed.Key}: ${failed.Code}`);
    }
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    checkDriverPath(path);
    // One delimited listing per directory, children sorted, directories entered where they sort:
    // S3 lists keys in byte order, where `b.txt` comes before `b/…`, not in a depth-first walk's order.
    // Memory holds one directory's children per level, never the whole tree.
    const entries: FileInfo[] = [];
    for await (const entry of this.children(path)) entries.push(entry);
    entries.sort((a, b) => compareNames(a.path, b.path));
    for (const entry of entries) {
      if (entry.isDirectory) yield* this.walk(entry.path);
      else yield entry;
    }
  }

  /** Aborts multipart uploads older than `maxAgeMs`: what a process killed mid-write leaves behind. */
  async cleanTemp(maxAgeMs: number): Promise<number> {
    const cutoff = Date.now() - maxAgeMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    for (;;) {
      const page = await this.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: this.keys.root,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadMarker ? { UploadIdMarker: uploadMarker } : {}),
          }),
        )
        .catch((err: unknown) => {
          throw this.failure("list uploads", err);
        });
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || (upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        await this.client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: upload.Key,
              UploadId: upload.UploadId,
            }),
          )
          .then(
            () => aborted++,
            (err: unknown) => {
              if (!isNotFound(err)) throw this.failure("abort upload", err);
            },
          );
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadMarker = page.NextUploadIdMarker;
    }
  }

  /** A URL that lets its holder GET the object for `expiresInSeconds`, without credentials. */
  async presignGet(path: string, expiresInSeconds: number): Promise<string> {
    checkDriverPath(path);
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: this.keys.key(path) }),
      {
        expiresIn: expiresInSeconds,
      },
    );
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  async head(path: string): Promise<Head> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.keys.key(path) }),
      );
      return { size: out.ContentLength ?? 0, modifiedAt: out.LastModified ?? new Date(), etag: out.ETag };
    } catch (err) {
      throw this.failure(`stat ${path}`, err);
    }
  }

  async putObject(path: string, body: Buffer): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keys.key(path),
          Body: body,
          ContentLength: body.length,
        }),
      );
    } catch (err) {
      throw this.failure(`put ${path}`, err);
    }
  }

  /**
   * Refuses to write where the local driver could not: under an object (`a` an object, writing `a/b`)
   * or over a directory. One round trip: the HEADs of the ancestors and the listing run together.
   */
  async assertWritable(path: string): Promise<void> {
    const segments = path.split("/");
    const ancestors = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join("/"));
    const checks = [
      ...ancestors.map(async (ancestor) => {
        const exists = await this.head(ancestor).then(
          () => true,
          (err: unknown) => {
            if (err instanceof StorageError && err.code === "NOT_FOUND") return false;
            throw err;
          },
        );
        if (exists) throw new StorageError("IO", `cannot write ${path}: ${ancestor} is an object`);
      }),
      (async () => {
        const page = await this.listPage(this.keys.dir(path), undefined, undefined, 1);
        if ((page.Contents?.length ?? 0) > 0)
          throw new StorageError("IO", `cannot write ${path}: it is a directory`);
      })(),
    ];
    const outcomes = await Promise.allSettled(checks);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  }

  failure(what: string, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    if (isNotFound(err)) return new StorageError("NOT_FOUND", `S3 ${what}: no such object`);
    return ioError(what, err);
  }

  /** Status of an SDK error (for the readers' 416 handling). */
  static status(err: unknown): number | undefined {
    return statusOf(err);
  }

  /** A directory's immediate children: objects with their sizes, sub-directories as directories. */
  private async *children(path: string): AsyncIterable<FileInfo> {
    const prefix = this.keys.dir(path);
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, "/", token);
      for (const common of page.CommonPrefixes ?? []) {
        const child = common.Prefix ? this.keys.path(common.Prefix.slice(0, -1)) : undefined;
        if (child) yield { path: child, size: 0, modifiedAt: new Date(0), isDirectory: true };
      }
      for (const object of page.Contents ?? []) {
        const child = object.Key ? this.keys.path(object.Key) : undefined;
        if (child) {
          yield {
            path: child,
            size: object.Size ?? 0,
            modifiedAt: object.LastModified ?? new Date(0),
            isDirectory: false,
          };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async listPage(
    prefix: string,
    delimiter: string | undefined,
    token: string | undefined,
    maxKeys = 1000,
  ): Promise<ListObjectsV2CommandOutput> {
    try {
      return await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
    } catch (err) {
      throw ioError(`list ${prefix}`, err);
    }
  }
}

export { MIN_PART };
