import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { tinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import { type RegistryServer, startPortcullis } from "../support/targets.js";

/**
 * Scale-out: two `serve` replicas over one PostgreSQL database and one shared data folder. Nothing
 * one replica needs may live only in the other's memory: an upload started on one continues and
 * closes on the other (which rebuilds the running hash from the stored bytes), and what one
 * stores the other serves.
 */
const postgres = process.env.PORTCULLIS_TEST_POSTGRES;

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "two replicas on PostgreSQL",
  () => {
    const database = `t_replicas_${randomBytes(4).toString("hex")}`;
    let admin: pg.Client;
    let dataDir: string;
    let a: RegistryServer;
    let b: RegistryServer;

    beforeAll(async () => {
      admin = new pg.Client({ connectionString: postgres });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(postgres!);
      url.pathname = `/${database}`;
      dataDir = await mkdtemp(join(tmpdir(), "portcullis-replicas-"));
      const env = { PORTCULLIS_DATABASE_URL: url.toString(), PORTCULLIS_REGISTRY_GC_INTERVAL: "0s" };
      // Both start together: the migration lock makes one wait for the other.
      [a, b] = await Promise.all([startPortcullis({ dataDir, env }), startPortcullis({ dataDir, env })]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await rm(dataDir, { recursive: true, force: true });
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });

    it("continues an upload on the other replica and serves it from both", async () => {
      const first = randomBytes(300_000);
      const second = randomBytes(200_000);
      const whole = Buffer.concat([first, second]);
      const start = await fetch(`${a.url}/v2/scale/app/blobs/uploads/`, { method: "POST" });
      expect(start.status).toBe(202);
      const location = start.headers.get("location")!;
      const chunk1 = await fetch(`${a.url}${location}`, {
        method: "PATCH",
        body: first,
        headers: { "Content-Type": "application/octet-stream", "Content-Range": `0-${first.length - 1}` },
      });
      expect(chunk1.status).toBe(202);
      // Replica B has never seen this upload: it knows the offset from the database...
      const status = await fetch(`${b.url}${location}`);
      expect(status.status).toBe(204);
      expect(status.headers.get("range")).toBe(`0-${first.length - 1}`);
      // ...and closes it with the last chunk, verifying the digest over bytes A received.
      const done = await fetch(`${b.url}${location}?digest=${sha256(whole)}`, {
        method: "PUT",
        body: second,
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Range": `${first.length}-${whole.length - 1}`,
        },
      });
      expect(done.status).toBe(201);
      for (const replica of [a, b]) {
        const got = await fetch(`${replica.url}/v2/scale/app/blobs/${sha256(whole)}`);
        expect(got.status).toBe(200);
        expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(whole));
      }
    });

    it("serves a manifest and tags pushed to one replica from the other", async () => {
      // The blobs go to one replica, the manifest to the other, which must find them in the database.
      const image = tinyImage("scale/img");
      const toA = new RegistryClient({ registry: a.host });
      const toB = new RegistryClient({ registry: b.host });
      await toA.pushBlob("scale/img", { data: image.config });
      await toA.pushBlob("scale/img", { data: image.layer });
      const media = "application/vnd.oci.image.manifest.v1+json";
      expect(await toB.putManifest("scale/img", "v1", image.manifest, media)).toBe(image.digest);
      const pulled = await fetch(`${a.url}/v2/scale/img/manifests/v1`);
      expect(pulled.status).toBe(200);
      expect(pulled.headers.get("docker-content-digest")).toBe(image.digest);
      expect(Buffer.from(await pulled.arrayBuffer()).equals(image.manifest)).toBe(true);
      const tags = await (await fetch(`${a.url}/v2/scale/img/tags/list`)).json();
      expect(tags).toEqual({ name: "scale/img", tags: ["v1"] });
    });
  },
);
