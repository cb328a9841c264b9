import { randomBytes } from "node:crypto";
import { CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { makeClient, type S3Settings } from "./client.js";
import { S3Driver, type S3DriverOptions } from "./s3.js";

/**
 * The S3 server tests run against, from PORTCULLIS_TEST_S3:
 * `s3://ACCESS_KEY:SECRET_KEY@HOST:PORT/BUCKET` (plain HTTP, path-style, region us-east-1; use
 * `s3+https://` for TLS). CI starts Ceph RGW with `.ci/ceph-s3.sh` and sets it. Undefined when unset.
 */
export function s3TestSettings(env: NodeJS.ProcessEnv = process.env): S3Settings | undefined {
  const raw = env.PORTCULLIS_TEST_S3;
  if (!raw) return undefined;
  return parseS3Url(raw);
}

export function parseS3Url(raw: string): S3Settings {
  const url = new URL(raw);
  if (url.protocol !== "s3:" && url.protocol !== "s3+https:") {
    throw new Error("PORTCULLIS_TEST_S3 must look like s3://ACCESS:SECRET@HOST:PORT/BUCKET");
  }
  const bucket = url.pathname.replace(/^\/+|\/+$/g, "");
  if (!bucket || !url.username || !url.password) {
    throw new Error("PORTCULLIS_TEST_S3 needs an access key, a secret key and a bucket");
  }
  return {
    endpoint: `${url.protocol === "s3:" ? "http" : "https"}://${url.host}`,
    region: url.searchParams.get("region") ?? "us-east-1",
    bucket,
    prefix: "",
    credentials: {
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
    },
    forcePathStyle: true,
  };
}

const ensured = new Set<string>();

/** Creates the test bucket unless it exists (once per process). */
export async function ensureBucket(settings: S3Settings): Promise<void> {
  if (ensured.has(settings.bucket)) return;
  const client = makeClient(settings);
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucket })).catch(async () => {
      await client.send(new CreateBucketCommand({ Bucket: settings.bucket })).catch((err: unknown) => {
        if ((err as { name?: string }).name !== "BucketAlreadyOwnedByYou") throw err;
      });
    });
    ensured.add(settings.bucket);
  } finally {
    client.destroy();
  }
}

/**
 * A driver on a prefix of its own in the test bucket, so tests and parallel test files never see each
 * other's objects; `cleanup` deletes the prefix. `prefix` reuses an existing one (a "restarted" driver).
 */
export async function s3TestDriver(
  settings: S3Settings,
  options: S3DriverOptions & { prefix?: string } = {},
): Promise<{ driver: S3Driver; prefix: string; cleanup: () => Promise<void> }> {
  await ensureBucket(settings);
  const prefix = options.prefix ?? `test-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const driver = new S3Driver({ ...settings, prefix }, options);
  return {
    driver,
    prefix,
    cleanup: async () => {
      const root = new S3Driver({ ...settings, prefix: "" });
      try {
        await driver.cleanTemp(0);
        await root.delete(prefix).catch(() => {});
      } finally {
        root.destroy();
        driver.destroy();
      }
    },
  };
}
