import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { hasCommand, run } from "../../../test/support/targets.js";
import { S3Driver } from "../../storage/index.js";
import { ensureBucket, s3TestSettings } from "../../storage/testing.js";
import {
  digestOf,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  pushBlob,
  putManifest,
  startTestServer,
  type TestServer,
  withQuery,
} from "../testing.js";

const settings = s3TestSettings();
const MiB = 1024 * 1024;

/**
 * The registry on the S3 driver, end to end over HTTP against a real S3 server: a chunked upload
 * started on one server continues on another built afresh on the same database and bucket (what a
 * restart or another replica sees), and blob GETs can be redirected to presigned bucket URLs.
 */
describe.skipIf(unavailable("an S3 server (PORTCULLIS_TEST_S3)", settings !== undefined))(
  "registry on S3 storage",
  () => {
    if (!settings) return;
    const prefix = `server-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    let dir: string;

    const start = (
      extra: Record<string, string | number | boolean> = {},
      captureLogs = false,
    ): Promise<TestServer> =>
      startTestServer({
        database: "sqlite",
        captureLogs,
        config: {
          // One metadata file (and its key) that outlives each server, as the bucket does.
          "database.url": join(dir, "portcullis.db"),
          "auth.keyFile": join(dir, "auth.key"),
          "storage.driver": "s3",
          "storage.s3.endpoint": settings.endpoint ?? "",
          "storage.s3.region": settings.region,
          "storage.s3.bucket": settings.bucket,
          "storage.s3.prefix": prefix,
          "storage.s3.accessKeyId": settings.credentials?.accessKeyId ?? "",
          "storage.s3.secretAccessKey": settings.credentials?.secretAccessKey ?? "",
          "storage.s3.forcePathStyle": true,
          ...extra,
        },
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "portcullis-s3-server-"));
      await ensureBucket(settings);
    });

    afterAll(async () => {
      const root = new S3Driver({ ...settings, prefix: "" });
      await root.delete(prefix).catch(() => {});
      root.destroy();
      await rm(dir, { recursive: true, force: true });
    });

    function patch(location: string, base: string, data: Buffer, startAt: number): Promise<Response> {
      return fetch(new URL(location, base), {
        method: "PATCH",
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Range": `${startAt}-${startAt + data.length - 1}`,
        },
        body: data,
      });
    }

    it("resumes a chunked upload on a new server, then pushes and pulls the image", async () => {
      const layer = seededBytes(13 * MiB + 12345, 16);
      const digest = digestOf(layer);
      const cuts = [0, 6 * MiB, 9 * MiB + 7, 13 * MiB, layer.length];

      const first = await start();
      let location: string;
      try {
        const res = await fetch(`${first.url}/v2/s3/app/blobs/uploads/`, { method: "POST" });
        expect(res.status).toBe(202);
        location = res.headers.get("location")!;
        for (let i = 0; i < 2; i++) {
          const sent = await patch(location, first.url, layer.subarray(cuts[i], cuts[i + 1]), cuts[i]!);
          expect(sent.status).toBe(202);
          expect(sent.headers.get("range")).toBe(`0-${cuts[i + 1]! - 1}`);
          location = sent.headers.get("location")!;
        }
      } finally {
        await first.close();
      }

      // A new platform, driver and S3 client: nothing of the first server's memory survives.
      const second = await start({}, true);
      try {
        const status = await fetch(new URL(location, second.url));
        expect(status.status).toBe(204);
        expect(status.headers.get("range")).toBe(`0-${cuts[2]! - 1}`);
        const third = await patch(location, second.url, layer.subarray(cuts[2], cuts[3]), cuts[2]!);
        expect(third.status).toBe(202);
        const done = await fetch(withQuery(second.url, third.headers.get("location")!, { digest }), {
          method: "PUT",
          headers: { "Content-Type": "application/octet-stream" },
          body: layer.subarray(cuts[3]),
        });
        expect(done.status).toBe(201);

        const configData = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux" }));
        const config = await pushBlob(second.url, "s3/app", configData);
        const manifest = JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: config, size: configData.length },
          layers: [{ mediaType: OCI_LAYER, digest, size: layer.length }],
        });
        expect((await putManifest(second.url, "s3/app", "v1", manifest, OCI_MANIFEST)).status).toBe(201);

        const pulled = await fetch(`${second.url}/v2/s3/app/manifests/v1`, {
          headers: { Accept: OCI_MANIFEST },
        });
        expect(await pulled.text()).toBe(manifest);
        const blob = await fetch(`${second.url}/v2/s3/app/blobs/${digest}`);
        expect(blob.status).toBe(200);
        expect(sha256(Buffer.from(await blob.arrayBuffer()))).toBe(digest);
        const ranged = await fetch(`${second.url}/v2/s3/app/blobs/${digest}`, {
          headers: { Range: `bytes=${7 * MiB}-${7 * MiB + 99}` },
        });
        expect(ranged.status).toBe(206);
        expect(Buffer.from(await ranged.arrayBuffer())).toEqual(layer.subarray(7 * MiB, 7 * MiB + 100));
        // Garbage collection walks the bucket and keeps what the image references.
        const report = await second.platform.registry.collectGarbage();
        expect(report.blobsDeleted).toBe(0);
        const again = await fetch(`${second.url}/v2/s3/app/blobs/${digest}`);
        expect(sha256(Buffer.from(await again.arrayBuffer()))).toBe(digest);
        // Requests were logged; the secret key never was.
        expect(second.logs.length).toBeGreaterThan(0);
        expect(JSON.stringify(second.logs)).not.toContain(settings.credentials!.secretAccessKey);
        // The upload's bytes moved to the blob: no multipart upload or stray upload object remains.
        expect(await second.platform.store.list("uploads").catch(() => [])).toEqual([]);
      } finally {
        await second.close();
      }
    });

    it.skipIf(unavailable("skopeo", hasCommand("skopeo")))(
      "lets skopeo pull an image whose blobs are redirected to presigned URLs",
      async () => {
        const server = await start({ "storage.s3.presignedRedirects": true }, true);
        try {
          // Gzip, as the media type says: skopeo recompresses a layer it finds uncompressed.
          const layer = gzipSync(seededBytes(2 * MiB + 3, 7), { level: 1 });
          const layerDigest = await pushBlob(server.url, "s3/skopeo", layer);
          const configData = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: {} }));
          const config = await pushBlob(server.url, "s3/skopeo", configData);
          const manifest = JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: OCI_CONFIG, digest: config, size: configData.length },
            layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: layer.length }],
          });
          expect((await putManifest(server.url, "s3/skopeo", "v1", manifest, OCI_MANIFEST)).status).toBe(201);
          const out = join(dir, "skopeo-out");
          const source = `docker://${new URL(server.url).host}/s3/skopeo:v1`;
          await run("skopeo", ["copy", "--src-tls-verify=false", source, `oci:${out}:v1`]);
          const blobs = join(out, "blobs", "sha256");
          const names = await readdir(blobs);
          expect(names).toContain(layerDigest.slice("sha256:".length));
          for (const name of names) expect(sha256(await readFile(join(blobs, name)))).toBe(`sha256:${name}`);
          // The blobs came from the bucket: the registry answered their GETs with redirects.
          const blobGets = server.logs.filter(
            (line) => line.method === "GET" && String(line.path).includes("/blobs/sha256:"),
          );
          expect(blobGets.map((line) => line.status)).toEqual([307, 307]);
        } finally {
          await server.close();
        }
      },
    );

    it("redirects an authorised blob GET to a presigned URL the client follows", async () => {
      const server = await start({ "storage.s3.presignedRedirects": true, "storage.s3.presignExpiry": "1m" });
      try {
        const data = seededBytes(300_000, 99);
        const digest = await pushBlob(server.url, "s3/redirect", data);
        const manual = await fetch(`${server.url}/v2/s3/redirect/blobs/${digest}`, { redirect: "manual" });
        expect(manual.status).toBe(307);
        const target = new URL(manual.headers.get("location")!);
        expect(target.origin).toBe(settings.endpoint);
        expect(target.searchParams.get("X-Amz-Expires")).toBe("60");
        expect(manual.headers.get("docker-content-digest")).toBe(digest);

        const followed = await fetch(`${server.url}/v2/s3/redirect/blobs/${digest}`);
        expect(followed.status).toBe(200);
        expect(sha256(Buffer.from(await followed.arrayBuffer()))).toBe(digest);
        const ranged = await fetch(`${server.url}/v2/s3/redirect/blobs/${digest}`, {
          headers: { Range: "bytes=1000-1999" },
        });
        expect(ranged.status).toBe(206);
        expect(Buffer.from(await ranged.arrayBuffer())).toEqual(data.subarray(1000, 2000));

        // HEAD is answered here; a blob the repository does not hold is refused before any URL is made.
        const head = await fetch(`${server.url}/v2/s3/redirect/blobs/${digest}`, { method: "HEAD" });
        expect(head.status).toBe(200);
        const other = await fetch(`${server.url}/v2/s3/other/blobs/${digest}`, { redirect: "manual" });
        expect(other.status).toBe(404);
        expect(other.headers.get("location")).toBeNull();
      } finally {
        await server.close();
      }
    });
  },
);

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** Deterministic bytes from a seed (SHA-256 in counter mode), so a failure can be replayed. */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, block = 0; at < length; block++) {
    at += createHash("sha256").update(`${seed}:${block}`).digest().copy(out, at);
  }
  return out;
}
