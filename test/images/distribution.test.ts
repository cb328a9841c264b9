/**
 * The registry client against CNCF Distribution 2.8 (Debian's docker-registry, started as
 * test/support/targets.ts does), a registry without the referrers API: push, pull, tags, and the
 * referrers tag-schema fallback. Skipped when the binary is absent. (Basic auth with htpasswd is
 * not tested here: Distribution wants bcrypt entries and the machine has no bcrypt tool; Basic
 * auth is covered against the fake registry in token-auth.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/core/index.js";
import { type OpenedManifestImage, openImage, RegistryClient, walkImage } from "../../src/oci/index.js";
import { buildImage } from "../../src/oci/sources/testing/build.js";
import { pushBuiltImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import { DISTRIBUTION_BIN, hasCommand, type RegistryServer, startDistribution } from "../support/targets.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

describe.skipIf(unavailable(`CNCF Distribution (${DISTRIBUTION_BIN})`, hasCommand(DISTRIBUTION_BIN)))(
  "RegistryClient against CNCF Distribution",
  () => {
    let server: RegistryServer;
    let client: RegistryClient;

    beforeAll(async () => {
      server = await startDistribution();
      client = new RegistryClient({ registry: server.host });
    }, 60_000);

    afterAll(async () => {
      await server?.dispose();
    });

    it("round-trips an image, lists tags and opens it with openImage", async () => {
      const image = await buildImage([[{ name: "etc/os-release", content: "ID=distribution\n" }]]);
      expect(await pushBuiltImage(client, "dist/app", "v1", image)).toBe(image.digest);
      await client.putManifest("dist/app", "v2", image.manifest, OCI_MANIFEST);
      expect(await client.listTags("dist/app", 1)).toEqual(["v1", "v2"]);
      const opened = (await openImage(`${server.host}/dist/app:v1`)) as OpenedManifestImage;
      expect(opened.digest).toBe(image.digest);
      const fs = await walkImage(opened, { consumers: [{ select: (f) => f.path === "/etc/os-release" }] });
      expect(fs.content("/etc/os-release", 0)?.toString()).toBe("ID=distribution\n");
    });

    it("falls back to the sha256-<hex> tag for referrers", async () => {
      const image = await buildImage([[{ name: "a", content: "subject" }]]);
      await pushBuiltImage(client, "dist/refs", "v1", image);
      expect(await client.getReferrers("dist/refs", image.digest)).toEqual([]);
      const empty = Buffer.from("{}");
      await client.pushBlob("dist/refs", { data: empty });
      const artifact = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: "application/vnd.example.sig", digest: digestOf(empty), size: 2 },
          layers: [{ mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 }],
        }),
      );
      const digest = await client.putManifest("dist/refs", digestOf(artifact), artifact, OCI_MANIFEST);
      const descriptor = {
        mediaType: OCI_MANIFEST,
        digest,
        size: artifact.length,
        artifactType: "application/vnd.example.sig",
      };
      const index = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptor] }),
      );
      await client.putManifest("dist/refs", image.digest.replace(":", "-"), index, OCI_INDEX);
      expect(await client.getReferrers("dist/refs", image.digest)).toEqual([descriptor]);
      expect(await client.getReferrers("dist/refs", image.digest, "application/other")).toEqual([]);
    });
  },
);
