import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type FileWriter, StorageError } from "../../driver.js";
import { copyIntoUpload, MIN_PART } from "./copy.js";
import type { Head, S3Driver } from "./s3.js";

/** S3 allows 10,000 parts: the part size doubles every 1,000 parts, so a writer never runs out. */
const PARTS_PER_STEP = 1000;

/**
 * A writer over S3. The only state that outlives a request is the object at the key: `close` and
 * `commit` both finish by leaving the bytes so far there as one complete object. An append, from
 * this process or any other replica, rebuilds from it: a prefix under 5 MiB is read back into the
 * buffer; a longer one becomes the first parts of a new multipart upload by server-side copy
 * (UploadPartCopy of bytes [0, offset), which also drops whatever lay past `offset`). New bytes
 * are buffered into parts of `partSize` (one uploading while the next fills: two parts of memory at
 * most); the last, shorter part needs no minimum. A process killed mid-write leaves the object as
 * its last close made it, plus a multipart upload that `cleanTemp` aborts.
 *
 * The price of keeping no side state: each resumed append copies the object so far inside the
 * store (no bytes cross the network), so an upload in N chunks copies O(N * size) there.
 */
export class S3Writer implements FileWriter {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private uploadId: string | undefined;
  private parts: CompletedPart[] = [];
  private inFlight: Promise<void> | undefined;
  private failed: unknown;
  private finished = false;
  private written = false;
  private currentSize: number;

  private constructor(
    private readonly driver: S3Driver,
    private readonly path: string,
    /** Bytes of the existing object to keep by server-side copy (0, or at least MIN_PART). */
    private readonly copyLength: number,
    /** Whether finishing with nothing written must still rewrite the object (new, or cut short). */
    private readonly changed: boolean,
    prefix: Buffer | undefined,
  ) {
    this.currentSize = copyLength + (prefix?.length ?? 0);
    if (prefix && prefix.length > 0) this.take(prefix);
  }

  static fresh(driver: S3Driver, path: string): S3Writer {
    return new S3Writer(driver, path, 0, true, undefined);
  }

  static async resume(driver: S3Driver, path: string, offset: number, head: Head): Promise<S3Writer> {
    const changed = offset < head.size;
    if (offset >= MIN_PART) return new S3Writer(driver, path, offset, changed, undefined);
    const prefix = offset === 0 ? Buffer.alloc(0) : await readPrefix(driver, path, offset, head.etag);
    return new S3Writer(driver, path, 0, changed, prefix);
  }

  get size(): number {
    return this.currentSize;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    if (chunk.length === 0) return;
    this.written = true;
    this.take(Buffer.from(chunk));
    this.currentSize += chunk.length;
    if (this.bufferedBytes >= this.partSize()) await this.flush();
  }

  async commit(): Promise<void> {
    await this.finish();
  }

  async close(): Promise<void> {
    await this.finish();
  }

  async cancel(): Promise<void> {
    this.assertOpen();
    this.finished = true;
    await this.inFlight?.catch(() => {});
    await this.abort();
    await this.driver.client
      .send(new DeleteObjectCommand({ Bucket: this.driver.bucket, Key: this.driver.keys.key(this.path) }))
      .catch((err: unknown) => {
        throw this.driver.failure(`cancel ${this.path}`, err);
      });
  }

  private assertOpen(): void {
    if (this.finished) throw new StorageError("IO", `writer for ${this.path} is already finished`);
    if (this.failed) throw this.driver.failure(`write ${this.path}`, this.failed);
  }

  private take(buffer: Buffer): void {
    this.buffered.push(buffer);
    this.bufferedBytes += buffer.length;
  }

  private partSize(): number {
    return this.driver.partSize * 2 ** Math.floor(this.parts.length / PARTS_PER_STEP);
  }

  /** Sends the buffer as the next part; waits for the previous part first, bounding memory. */
  private async flush(): Promise<void> {
    await this.inFlight;
    if (this.failed) throw this.driver.failure(`write ${this.path}`, this.failed);
    await this.startUpload();
    const body = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    const number = this.parts.length + 1;
    const part: CompletedPart = { PartNumber: number };
    this.parts.push(part);
    this.inFlight = this.uploadPart(number, body).then(
      (etag) => {
        part.ETag = etag;
      },
      (err: unknown) => {
        this.failed = err;
      },
    );
  }

  private async uploadPart(number: number, body: Buffer): Promise<string | undefined> {
    const out = await this.driver.client.send(
      new UploadPartCommand({
        Bucket: this.driver.bucket,
        Key: this.driver.keys.key(this.path),
        UploadId: this.uploadId,
        PartNumber: number,
        Body: body,
        ContentLength: body.length,
      }),
    );
    return out.ETag;
  }

  private async startUpload(): Promise<void> {
    if (this.uploadId) return;
    const key = this.driver.keys.key(this.path);
    const created = await this.driver.client
      .send(new CreateMultipartUploadCommand({ Bucket: this.driver.bucket, Key: key }))
      .catch((err: unknown) => {
        throw this.driver.failure(`write ${this.path}`, err);
      });
    if (!created.UploadId) throw new StorageError("IO", "S3 CreateMultipartUpload returned no upload id");
    this.uploadId = created.UploadId;
    try {
      this.parts = await copyIntoUpload(this.driver, key, created.UploadId, key, this.copyLength);
    } catch (err) {
      throw this.driver.failure(`write ${this.path}`, err);
    }
  }

  private async finish(): Promise<void> {
    this.assertOpen();
    this.finished = true;
    try {
      if (!this.written && !this.changed) return; // the object already holds exactly these bytes
      if (!this.uploadId && this.copyLength === 0) {
        await this.driver.putObject(this.path, Buffer.concat(this.buffered, this.bufferedBytes));
        return;
      }
      await this.startUpload();
      if (this.bufferedBytes > 0) await this.flush();
      await this.inFlight;
      if (this.failed) throw this.failed;
      await this.driver.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.driver.bucket,
          Key: this.driver.keys.key(this.path),
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
      this.uploadId = undefined;
    } catch (err) {
      await this.abort();
      throw this.driver.failure(`write ${this.path}`, err);
    } finally {
      this.buffered = [];
      this.bufferedBytes = 0;
    }
  }

  private async abort(): Promise<void> {
    if (!this.uploadId) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.driver.client
      .send(
        new AbortMultipartUploadCommand({
          Bucket: this.driver.bucket,
          Key: this.driver.keys.key(this.path),
          UploadId: uploadId,
        }),
      )
      .catch(() => {}); // left for cleanTemp
  }
}

/** The first `length` (< MIN_PART) bytes of an object, pinned to the version that was measured. */
async function readPrefix(
  driver: S3Driver,
  path: string,
  length: number,
  etag: string | undefined,
): Promise<Buffer> {
  try {
    const out = await driver.client.send(
      new GetObjectCommand({
        Bucket: driver.bucket,
        Key: driver.keys.key(path),
        Range: `bytes=0-${length - 1}`,
        ...(etag ? { IfMatch: etag } : {}),
      }),
    );
    const bytes = await out.Body?.transformToByteArray();
    const data = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.alloc(0);
    if (data.length !== length) throw new StorageError("IO", `S3 read ${path}: short prefix`);
    return data;
  } catch (err) {
    throw driver.failure(`read ${path}`, err);
  }
}
