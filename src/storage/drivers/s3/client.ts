import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { StorageError } from "../../driver.js";

/** Where an S3 driver keeps its objects and how it reaches them. */
export interface S3Settings {
  /** `http(s)://host:port` of an S3-compatible server; unset means AWS itself. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** Key prefix every driver path is put under (no leading or trailing `/`); "" for the bucket's root. */
  readonly prefix: string;
  /** Unset: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** `bucket` in the path rather than the host name: what Ceph RGW and MinIO need. */
  readonly forcePathStyle: boolean;
  /** Requests in flight at most (sockets per driver): bounds the load one process puts on the store. */
  readonly maxConnections?: number;
  /** Attempts per request for 5xx, throttling and network errors (the SDK's adaptive retry). */
  readonly maxAttempts?: number;
}

export function makeClient(settings: S3Settings): S3Client {
  const maxSockets = settings.maxConnections ?? 32;
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    forcePathStyle: settings.forcePathStyle,
    // Only checksums the operation requires: newer SDKs stream bodies as aws-chunked with a trailing
    // CRC32 by default, which Ceph RGW (and other S3-compatible servers) refuse.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    retryMode: "adaptive",
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: 10_000,
      requestTimeout: 120_000,
    },
  });
}

/** HTTP status of an SDK error, if it came from the server. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const status = statusOf(err);
  const name = (err as { name?: string } | undefined)?.name;
  return status === 404 || name === "NoSuchKey" || name === "NotFound" || name === "NoSuchUpload";
}

/** Wraps an SDK failure as a StorageError IO naming the operation (never the credentials). */
export function ioError(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as { name?: string } | undefined)?.name ?? "Error";
  const message = (err as { message?: string } | undefined)?.message ?? String(err);
  return new StorageError("IO", `S3 ${what}: ${name}: ${message}`, { cause: err });
}

/** Whether a failed stream read is worth retrying: network resets and server-side trouble. */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429;
  return true;
}

/** Exponential backoff with full jitter, for the retries the SDK cannot do (a stream cut mid-body). */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(5_000, 100 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
