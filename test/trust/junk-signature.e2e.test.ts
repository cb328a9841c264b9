/**
 * The attack of issue 11, item 5, against the CLI: a cosign `.sig` tag of 12,000 junk layers (one
 * junk blob; push accepts the ~3 MB manifest), then `portcullis sign` appends a valid signature and
 * `portcullis verify --key` must find it with a bounded number of requests. Requests are counted by
 * the server itself (its `portcullis_http_requests_total` metric), not timed. Before the fix verify
 * sent a GET per layer (12,001) and took some 35 s.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import {
  buildCosignImage,
  cosignTag,
  type GeneratedKeyPair,
  generateKeyPair,
  signatureLayer,
} from "../../src/trust/index.js";
import { pushTinyImage } from "../support/push-image.js";
import { PORTCULLIS_BIN, run, tempDir } from "../support/targets.js";

const PASSWORD = "junk test";

describe("verify --key against a junk-stuffed .sig tag", () => {
  const temps: string[] = [];
  let server: TestServer;
  let host: string;
  let work: string;
  let key: GeneratedKeyPair;
  let digest: string;

  const portcullis = (args: string[]) =>
    run(process.execPath, [PORTCULLIS_BIN, ...args], {
      allowFailure: true,
      env: { PORTCULLIS_PASSWORD: PASSWORD },
      timeoutMs: 60_000,
    });

  /** GETs of blobs the server has answered so far. */
  async function blobGets(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    let total = 0;
    for (const line of text.split("\n")) {
      if (
        line.startsWith("portcullis_http_requests_total{") &&
        /method="GET"/.test(line) &&
        /route="blobs"/.test(line)
      )
        total += Number(line.split(" ").pop());
    }
    return total;
  }

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", storage: "memory" });
    host = new URL(server.url).host;
    work = await tempDir("portcullis-junk-sig-", temps);
    key = await generateKeyPair(PASSWORD, { strength: "legacy" });
    await writeFile(join(work, "release.key"), key.privateKeyPem);
    await writeFile(join(work, "release.pub"), key.publicKeyPem);
    const client = new RegistryClient({ registry: host });
    digest = await pushTinyImage(client, "team/app", "v1", { seed: "junk" });
    const junk = signatureLayer(Buffer.from('{"critical":"junk"}'), Buffer.from("junk"));
    await client.pushBlob("team/app", { data: junk.data });
    const image = buildCosignImage(Array.from({ length: 12_000 }, () => junk.descriptor));
    await client.pushBlob("team/app", { data: image.config });
    // Push accepts it: a registry must take big manifests (bounded by registry.maxManifestSize).
    await client.putManifest(
      "team/app",
      cosignTag(digest, "sig"),
      image.manifest,
      "application/vnd.oci.image.manifest.v1+json",
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    const { rm } = await import("node:fs/promises");
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  it("finds the signature appended after the junk with a bounded number of blob GETs", async () => {
    const before = await blobGets();
    const unsigned = await portcullis([
      "verify",
      `${host}/team/app@${digest}`,
      "--key",
      join(work, "release.pub"),
    ]);
    expect(unsigned.code, unsigned.stderr).not.toBe(0);
    // One junk blob, however many layers name it.
    expect((await blobGets()) - before).toBe(1);

    const signed = await portcullis(["sign", `${host}/team/app:v1`, "--key", join(work, "release.key")]);
    expect(signed.code, signed.stderr).toBe(0);

    const start = await blobGets();
    const verified = await portcullis([
      "verify",
      `${host}/team/app@${digest}`,
      "--key",
      join(work, "release.pub"),
    ]);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    // The junk blob and the valid payload (the bundle referrer `sign` also stored is a third).
    expect((await blobGets()) - start).toBeLessThanOrEqual(3);
  }, 120_000);
});
