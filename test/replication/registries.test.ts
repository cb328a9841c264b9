/**
 * Replication between sites over real registries: a signed (cosign tag and Sigstore-bundle referrer),
 * scanned, multi-platform image pushed from a Portcullis to CNCF Distribution (no referrers API: the
 * fallback tag is kept), verified there, then pulled from Distribution into a second Portcullis that
 * scans it on arrival and verifies it too. Reruns copy nothing.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureCli } from "../../src/cli/testing/capture.js";
import { RegistryClient } from "../../src/oci/index.js";
import type { Actor } from "../../src/registry/index.js";
import {
  type ArtifactResult,
  compileFilters,
  localEndpoint,
  remoteEndpoint,
  replicate,
} from "../../src/replication/index.js";
import { JINJA_FILES, jinjaAdvisories, pushFilesImage } from "../../src/server/api/testing-images.js";
import {
  digestOf,
  OCI_INDEX,
  putManifest,
  startTestServer,
  type TestServer,
} from "../../src/server/testing.js";
import {
  type GeneratedKeyPair,
  generateKeyPair,
  loadImage,
  toVerificationKey,
  verifyImageSignatures,
} from "../../src/trust/index.js";
import { unavailable } from "../support/requirements.js";
import { DISTRIBUTION_BIN, hasCommand, type RegistryServer, startDistribution } from "../support/targets.js";

const io = captureCli();
const ACTOR: Actor = { subject: "replication:test", kind: "system" };
const TIMEOUT = 120_000;

function platformConfig(architecture: string) {
  return { architecture, os: "linux", rootfs: { type: "layers", diff_ids: [] } };
}

async function verifiedAt(host: string, repository: string, digest: string, key: GeneratedKeyPair) {
  const client = new RegistryClient({ registry: host });
  const image = await loadImage(client, { registry: host, repository, digest });
  return verifyImageSignatures(image, { anchor: { kind: "key", key: toVerificationKey(key.publicKey) } });
}

describe.skipIf(unavailable(`CNCF Distribution (${DISTRIBUTION_BIN})`, hasCommand(DISTRIBUTION_BIN)))(
  "replication between Portcullis and CNCF Distribution",
  () => {
    let dir: string;
    let siteA: TestServer;
    let siteB: TestServer;
    let distribution: RegistryServer;
    let key: GeneratedKeyPair;
    let index: string;
    let amd: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "pc-replication-"));
      const advisories = await jinjaAdvisories(dir);
      const scanning = { "scan.onPush": true, "scan.advisoryDatabase": advisories };
      siteA = await startTestServer({ database: "sqlite", config: scanning });
      siteB = await startTestServer({ database: "sqlite", config: scanning });
      distribution = await startDistribution();
      key = await generateKeyPair("pw", { strength: "legacy" });
      const amdImage = await pushFilesImage(siteA.url, "team/app", JINJA_FILES, platformConfig("amd64"));
      const armImage = await pushFilesImage(siteA.url, "team/app", JINJA_FILES, platformConfig("arm64"));
      amd = amdImage.digest;
      const indexBytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [
            { ...descriptor(amdImage), platform: { os: "linux", architecture: "amd64" } },
            { ...descriptor(armImage), platform: { os: "linux", architecture: "arm64" } },
          ],
        }),
      );
      expect((await putManifest(siteA.url, "team/app", "1.0", indexBytes, OCI_INDEX)).status).toBe(201);
      index = digestOf(indexBytes);
      // Signed by our own `portcullis sign`: the cosign tag and the Sigstore-bundle referrer.
      await writeFile(join(dir, "release.key"), key.privateKeyPem);
      await writeFile(join(dir, "release.pub"), key.publicKeyPem);
      process.env.PORTCULLIS_PASSWORD = "pw";
      const image = `${new URL(siteA.url).host}/team/app@${index}`;
      const signed = await main(["node", "portcullis", "sign", image, "--key", join(dir, "release.key")]);
      delete process.env.PORTCULLIS_PASSWORD;
      expect(signed).toBe(0);
      // An unsigned image that "signed only" leaves behind.
      await pushFilesImage(
        siteA.url,
        "team/app",
        { "etc/motd": "unsigned" },
        platformConfig("amd64"),
        "unsigned",
      );
      await siteA.platform.scanner!.idle();
    }, TIMEOUT);

    afterAll(async () => {
      await siteA?.close();
      await siteB?.close();
      await distribution?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    const verifyCli = (image: string) =>
      main(["node", "portcullis", "verify", image, "--key", join(dir, "release.pub")]);

    const toDistribution = () => ({
      source: localEndpoint(siteA.platform.registry, ACTOR),
      destination: remoteEndpoint(new RegistryClient({ registry: distribution.host })),
      filters: compileFilters({
        repositories: ["team/*"],
        tags: [],
        signedOnly: true,
        destinationNamespace: "mirror",
      }),
      deletion: false,
      scope: { kind: "all" } as const,
    });

    it(
      "pushes the signed index with both platforms, its signatures and referrers; verify passes there",
      async () => {
        const results: ArtifactResult[] = [];
        const summary = await replicate({ ...toDistribution(), onResult: (r) => void results.push(r) });
        expect(summary.failed, JSON.stringify(results, null, 1)).toBe(0);
        expect(results.find((r) => r.kind === "image" && r.reference === "1.0")?.outcome).toBe("copied");
        expect(results.find((r) => r.reference === "unsigned")).toMatchObject({
          outcome: "skipped",
          detail: "not signed",
        });
        expect(results.some((r) => r.kind === "signature" && r.outcome === "copied")).toBe(true);
        expect(results.some((r) => r.kind === "referrer" && r.outcome === "copied")).toBe(true);
        // Distribution has no referrers API: the fallback index tag now lists the bundle.
        expect(results.find((r) => r.kind === "referrers-index")?.outcome).toBe("copied");
        const far = new RegistryClient({ registry: distribution.host });
        expect((await far.headManifest("mirror/team/app", amd))?.digest).toBe(amd);
        const verified = await verifiedAt(distribution.host, "mirror/team/app", index, key);
        expect(verified.ok, JSON.stringify(verified.checks)).toBe(true);
        // Both schemes verified: the cosign tag and the bundle found through the fallback tag.
        expect(verified.checks.filter((c) => c.ok).length).toBeGreaterThanOrEqual(2);
        expect(await verifyCli(`${distribution.host}/mirror/team/app@${index}`), io.err).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "a rerun copies nothing",
      async () => {
        const summary = await replicate(toDistribution());
        expect(summary).toMatchObject({ copied: 0, failed: 0, bytes: 0 });
        expect(summary.present).toBeGreaterThan(0);
      },
      TIMEOUT,
    );

    it(
      "pulls it back into a second Portcullis, which scans it on arrival; verify passes there",
      async () => {
        const pull = {
          source: remoteEndpoint(new RegistryClient({ registry: distribution.host })),
          destination: localEndpoint(siteB.platform.registry, ACTOR),
          filters: compileFilters({ repositories: ["mirror/**"], tags: ["1.*"], signedOnly: true }),
          deletion: false,
          scope: { kind: "all" } as const,
        };
        const results: ArtifactResult[] = [];
        const summary = await replicate({ ...pull, onResult: (r) => void results.push(r) });
        expect(summary.failed, JSON.stringify(results, null, 1)).toBe(0);
        expect(summary.copied).toBeGreaterThan(0);
        // The fallback tag and cosign tags come with their image, never as images of their own.
        expect(results.filter((r) => r.kind === "image").map((r) => r.reference)).toEqual(["1.0"]);
        const verified = await verifiedAt(new URL(siteB.url).host, "mirror/team/app", index, key);
        expect(verified.ok, JSON.stringify(verified.checks)).toBe(true);
        expect(await verifyCli(`${new URL(siteB.url).host}/mirror/team/app:1.0`), io.err).toBe(0);
        await siteB.platform.scanner!.idle();
        expect((await siteB.platform.scans.get(amd))?.status).toBe("done");
        expect(await replicate(pull)).toMatchObject({ copied: 0, failed: 0 });
      },
      TIMEOUT,
    );
  },
);

function descriptor(image: { digest: string; manifest: Buffer }) {
  return {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: image.digest,
    size: image.manifest.length,
  };
}
