import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { StorageError } from "../../driver.js";
import { copySource } from "./keys.js";
import type { S3Driver } from "./s3.js";

/** S3's smallest part (all but the last part of a multipart upload). */
export const MIN_PART = 5 * 1024 * 1024;
/** S3's largest single copy (CopyObject, and one UploadPartCopy). */
export const MAX_COPY = 5 * 1024 * 1024 * 1024;

/**
 * Copies the first `length` bytes of `sourceKey` into parts of the multipart upload `uploadId`,
 * server-side, starting at part 1. Needs `length >= MIN_PART` (or 0): every copied part but the
 * last then holds at least MIN_PART bytes, and the last is followed by whatever the caller uploads.
 */
export async function copyIntoUpload(
  driver: S3Driver,
  targetKey: string,
  uploadId: string,
  sourceKey: string,
  length: number,
): Promise<CompletedPart[]> {
  if (length === 0) return [];
  if (length < MIN_PART) throw new StorageError("IO", `cannot copy ${length} bytes as a part`);
  const count = Math.ceil(length / MAX_COPY);
  const size = Math.ceil(length / count);
  const parts: CompletedPart[] = [];
  for (let i = 0; i < count; i++) {
    const start = i * size;
    const end = Math.min(length, start + size) - 1;
    const out = await driver.client.send(
      new UploadPartCopyCommand({
        Bucket: driver.bucket,
        Key: targetKey,
        UploadId: uploadId,
        PartNumber: i + 1,
        CopySource: copySource(driver.bucket, sourceKey),
        CopySourceRange: `bytes=${start}-${end}`,
      }),
    );
    parts.push({ PartNumber: i + 1, ETag: out.CopyPartResult?.ETag });
  }
  return parts;
}

/** Copies an object too large for CopyObject (over 5 GiB) with a multipart upload of copied parts. */
export async function copyParts(
  driver: S3Driver,
  sourceKey: string,
  targetKey: string,
  size: number,
): Promise<void> {
  const created = await driver.client.send(
    new CreateMultipartUploadCommand({ Bucket: driver.bucket, Key: targetKey }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new StorageError("IO", "S3 CreateMultipartUpload returned no upload id");
  try {
    const parts = await copyIntoUpload(driver, targetKey, uploadId, sourceKey, size);
    await driver.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: driver.bucket,
        Key: targetKey,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (err) {
    await driver.client
      .send(new AbortMultipartUploadCommand({ Bucket: driver.bucket, Key: targetKey, UploadId: uploadId }))
      .catch(() => {});
    throw err;
  }
}
