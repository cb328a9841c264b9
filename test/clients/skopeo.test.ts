/**
 * End-to-end: push and pull with skopeo (containers/image) against a running registry.
 * Targets come from PORTCULLIS_E2E_TARGETS (comma list of portcullis, distribution; default portcullis).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildTar,
  listLayoutBlobs,
  readLayoutBlob,
  resolveLayoutTag,
  sha256,
  type WrittenImage,
  type WrittenIndex,
  writeImageLayout,
  writeIndexLayout,
} from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  CommandError,
  e2eTargets,
  hasCommand,
  type RegistryServer,
  type RunResult,
  run,
  startTarget,
  tempDir,
} from "../support/targets.js";

const TEST_TIMEOUT = 120_000;
const HAS_SKOPEO = hasCommand("skopeo");
const HAS_UMOCI = hasCommand("umoci");

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

interface InspectOutput {
  Name: string;
  Digest: string;
  Architecture: string;
  Os: string;
  Layers: string[];
}

interface ListTagsOutput {
  Repository: string;
  Tags: string[];
}

describe.skipIf(unavailable("skopeo", HAS_SKOPEO))("skopeo", () => {
  describe.each(e2eTargets())("against %s", (targetName) => {
    const temps: string[] = [];
    let server: RegistryServer;
    let work: string;
    let srcLayout: string;
    let image: WrittenImage;
    let image2: WrittenImage;
    let multi: WrittenIndex;
    let env: Record<string, string>;
    let globalFlags: string[];
    let outCounter = 0;

    beforeAll(async () => {
      work = await tempDir("e2e-skopeo-", temps);
      srcLayout = join(work, "src");
      image = await writeImageLayout(srcLayout, { tag: "v1" });
      image2 = await writeImageLayout(srcLayout, {
        tag: "v2",
        seed: "portcullis-e2e-second",
        layerSizes: [8 * 1024, 24 * 1024],
        cmd: ["/bin/hello", "--second"],
      });
      multi = await writeIndexLayout(srcLayout, undefined, { tag: "multi" });

      // Isolate skopeo from host configuration: no registries.conf search, no credentials, own policy.
      const home = join(work, "home");
      await mkdir(home, { recursive: true });
      const registriesConf = join(work, "registries.conf");
      await writeFile(registriesConf, "unqualified-search-registries = []\n");
      const policy = join(work, "policy.json");
      await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
      const registriesD = join(work, "registries.d");
      await mkdir(registriesD, { recursive: true });
      const tmp = join(work, "tmp");
      await mkdir(tmp, { recursive: true });
      const authFile = join(work, "auth.json");
      await writeFile(authFile, JSON.stringify({ auths: {} }));
      env = {
        HOME: home,
        CONTAINERS_REGISTRIES_CONF: registriesConf,
        REGISTRY_AUTH_FILE: authFile,
      };
      globalFlags = ["--policy", policy, "--registries.d", registriesD, "--tmpdir", tmp];

      server = await startTarget(targetName);
    }, TEST_TIMEOUT);

    afterAll(async () => {
      await server?.dispose();
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    function skopeo(args: string[]): Promise<RunResult> {
      return run("skopeo", [...globalFlags, ...args], { env, timeoutMs: TEST_TIMEOUT - 10_000 });
    }

    /** skopeo copy with TLS verification off on both sides, no retries, digests preserved. */
    function copy(src: string, dest: string, extra: string[] = []): Promise<RunResult> {
      return skopeo([
        "copy",
        "--retry-times",
        "0",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "--preserve-digests",
        ...extra,
        src,
        dest,
      ]);
    }

    async function inspect(ref: string, extra: string[] = []): Promise<RunResult> {
      return skopeo(["inspect", "--retry-times", "0", "--tls-verify=false", ...extra, ref]);
    }

    function docker(path: string): string {
      return `docker://${server.host}/${path}`;
    }

    function freshOutDir(): string {
      outCounter += 1;
      return join(work, `out-${outCounter}`);
    }

    /** Checks every blob in `digests` is byte-identical in the two layouts and `out` holds exactly those. */
    async function expectSameBlobs(out: string, digests: string[]): Promise<void> {
      expect(await listLayoutBlobs(out)).toEqual([...new Set(digests)].sort());
      for (const digest of digests) {
        const pulled = await readLayoutBlob(out, digest);
        expect(sha256(pulled), `blob ${digest}`).toBe(digest);
        expect(pulled.equals(await readLayoutBlob(srcLayout, digest)), `blob ${digest} bytes`).toBe(true);
      }
    }

    /** GET the manifest over plain HTTP and check Docker-Content-Digest and the body digest. */
    async function expectManifestOverHttp(repo: string, reference: string, digest: string): Promise<Buffer> {
      const res = await fetch(`${server.url}/v2/${repo}/manifests/${reference}`, {
        headers: { Accept: MANIFEST_ACCEPT },
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(res.headers.get("docker-content-digest")).toBe(digest);
      expect(sha256(body)).toBe(digest);
      return body;
    }

    async function expectMissing(ref: string): Promise<void> {
      const err = await inspect(ref, ["--raw"]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${ref} should no longer resolve`).toBeInstanceOf(CommandError);
      expect((err as CommandError).result.stderr).toMatch(/manifest unknown/i);
    }

    it(
      "pushes a multi-layer OCI image and pulls it back with identical digest and blobs",
      async () => {
        await copy(`oci:${srcLayout}:v1`, docker("e2e/app:v1"));
        const body = await expectManifestOverHttp("e2e/app", "v1", image.digest);
        expect(body.equals(image.manifestBytes)).toBe(true);

        const out = freshOutDir();
        await copy(docker("e2e/app:v1"), `oci:${out}:v1`);
        expect((await resolveLayoutTag(out, "v1")).digest).toBe(image.digest);
        await expectSameBlobs(out, image.blobDigests);
      },
      TEST_TIMEOUT,
    );

    it(
      "inspect --raw returns the exact manifest and config; inspect reports Digest and Layers",
      async () => {
        await copy(`oci:${srcLayout}:v1`, docker("e2e/inspect:v1"));

        const raw = await inspect(docker("e2e/inspect:v1"), ["--raw"]);
        expect(raw.stdout).toBe(image.manifestBytes.toString("utf8"));

        const rawConfig = await inspect(docker("e2e/inspect:v1"), ["--raw", "--config"]);
        expect(sha256(rawConfig.stdout)).toBe(image.configDigest);

        const info = JSON.parse((await inspect(docker("e2e/inspect:v1"))).stdout) as InspectOutput;
        expect(info.Name).toBe(`${server.host}/e2e/inspect`);
        expect(info.Digest).toBe(image.digest);
        expect(info.Layers).toEqual(image.layerDigests);
        expect(info.Architecture).toBe("amd64");
        expect(info.Os).toBe("linux");
      },
      TEST_TIMEOUT,
    );

    it(
      "list-tags returns every pushed tag in lexical order",
      async () => {
        const tags = ["v1", "v10", "v2", "latest", "1.0.0", "a-b_c.d", "stable"];
        for (const tag of tags) await copy(`oci:${srcLayout}:v1`, docker(`e2e/tags:${tag}`));
        const listed = JSON.parse(
          (await skopeo(["list-tags", "--retry-times", "0", "--tls-verify=false", docker("e2e/tags")]))
            .stdout,
        ) as ListTagsOutput;
        expect(listed.Repository).toBe(`${server.host}/e2e/tags`);
        expect(new Set(listed.Tags)).toEqual(new Set(tags));
        expect(listed.Tags).toHaveLength(tags.length);
        // OCI distribution-spec 1.1: tags MUST be in lexical order. All tags here are lower-case ASCII, so
        // byte order and case-insensitive order agree. Distribution 2.8 returns them in storage (directory)
        // order when no `n` is given: a known deviation of the reference implementation, not checked there.
        if (targetName !== "distribution") expect(listed.Tags).toEqual([...tags].sort());
      },
      TEST_TIMEOUT,
    );

    it(
      "copies a multi-platform index with --all and back with identical index digest and children",
      async () => {
        await copy(`oci:${srcLayout}:multi`, docker("e2e/multi:v1"), ["--all"]);

        const raw = await inspect(docker("e2e/multi:v1"), ["--raw"]);
        expect(raw.stdout).toBe(multi.indexBytes.toString("utf8"));
        await expectManifestOverHttp("e2e/multi", "v1", multi.digest);
        for (const child of multi.images) {
          const childRaw = await inspect(docker(`e2e/multi@${child.digest}`), ["--raw"]);
          expect(childRaw.stdout).toBe(child.manifestBytes.toString("utf8"));
        }

        // Platform resolution through the index.
        const arm = JSON.parse(
          (
            await skopeo([
              "--override-arch",
              "arm64",
              "--override-os",
              "linux",
              "--override-variant",
              "v8",
              "inspect",
              "--retry-times",
              "0",
              "--tls-verify=false",
              docker("e2e/multi:v1"),
            ])
          ).stdout,
        ) as InspectOutput;
        const armImage = multi.images.find((i) => i.platform.architecture === "arm64")!;
        expect(arm.Architecture).toBe("arm64");
        expect(arm.Layers).toEqual(armImage.layerDigests);

        const out = freshOutDir();
        await copy(docker("e2e/multi:v1"), `oci:${out}:multi`, ["--all"]);
        expect((await resolveLayoutTag(out, "multi")).digest).toBe(multi.digest);
        await expectSameBlobs(out, multi.blobDigests);
      },
      TEST_TIMEOUT,
    );

    it(
      "copies by digest (repo@sha256:...)",
      async () => {
        await copy(`oci:${srcLayout}:v2`, docker("e2e/bydigest:v2"));
        const out = freshOutDir();
        await copy(docker(`e2e/bydigest@${image2.digest}`), `oci:${out}:pulled`);
        expect((await resolveLayoutTag(out, "pulled")).digest).toBe(image2.digest);
        await expectSameBlobs(out, image2.blobDigests);

        // Registry to registry, source by digest, destination by tag.
        await copy(docker(`e2e/bydigest@${image2.digest}`), docker("e2e/bydigest-copy:v2"));
        const info = JSON.parse((await inspect(docker("e2e/bydigest-copy:v2"))).stdout) as InspectOutput;
        expect(info.Digest).toBe(image2.digest);
        await expectManifestOverHttp("e2e/bydigest-copy", image2.digest, image2.digest);
      },
      TEST_TIMEOUT,
    );

    it(
      "delete removes a manifest by tag and by digest; inspect then fails",
      async () => {
        await copy(`oci:${srcLayout}:v1`, docker("e2e/delete:a"));
        await copy(`oci:${srcLayout}:v2`, docker("e2e/delete:b"));

        // By tag: skopeo resolves the tag and deletes the manifest it points to.
        await skopeo(["delete", "--retry-times", "0", "--tls-verify=false", docker("e2e/delete:a")]);
        await expectMissing(docker("e2e/delete:a"));
        await expectMissing(docker(`e2e/delete@${image.digest}`));
        const tags = JSON.parse(
          (await skopeo(["list-tags", "--retry-times", "0", "--tls-verify=false", docker("e2e/delete")]))
            .stdout,
        ) as ListTagsOutput;
        expect(tags.Tags).toEqual(["b"]);
        // The other manifest in the repository is untouched.
        const kept = JSON.parse((await inspect(docker("e2e/delete:b"))).stdout) as InspectOutput;
        expect(kept.Digest).toBe(image2.digest);

        // By digest.
        await skopeo([
          "delete",
          "--retry-times",
          "0",
          "--tls-verify=false",
          docker(`e2e/delete@${image2.digest}`),
        ]);
        await expectMissing(docker(`e2e/delete@${image2.digest}`));
        await expectMissing(docker("e2e/delete:b"));
      },
      TEST_TIMEOUT,
    );

    it(
      "copies between two repositories of the same registry via cross-repository blob mount",
      async () => {
        await copy(`oci:${srcLayout}:v1`, docker("e2e/mount-src:v1"));
        const result = await skopeo([
          "--debug",
          "copy",
          "--retry-times",
          "0",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          "--preserve-digests",
          docker("e2e/mount-src:v1"),
          docker("e2e/mount-dst:v1"),
        ]);
        // containers/image only tries a mount for blobs it has seen in another repository of the same
        // registry (its blob-info cache); every layer was just pushed to e2e/mount-src.
        const log = result.stderr;
        for (const layer of image.layerDigests) {
          expect(log).toContain(
            `/v2/e2e/mount-dst/blobs/uploads/?from=e2e%2Fmount-src&mount=${encodeURIComponent(layer)}`,
          );
        }
        expect(log, "the registry should accept the mount (201)").toContain("mount OK");

        const info = JSON.parse((await inspect(docker("e2e/mount-dst:v1"))).stdout) as InspectOutput;
        expect(info.Digest).toBe(image.digest);
        const out = freshOutDir();
        await copy(docker("e2e/mount-dst:v1"), `oci:${out}:v1`);
        expect((await resolveLayoutTag(out, "v1")).digest).toBe(image.digest);
        await expectSameBlobs(out, image.blobDigests);
        for (const layer of image.layerDigests) {
          const res = await fetch(`${server.url}/v2/e2e/mount-dst/blobs/${layer}`, { method: "HEAD" });
          expect(res.status, `HEAD mounted blob ${layer}`).toBe(200);
        }
      },
      TEST_TIMEOUT,
    );

    it.skipIf(unavailable("umoci", HAS_UMOCI))(
      "copies a umoci-built image (manifest without mediaType)",
      async () => {
        const layout = join(work, "umoci");
        await run("umoci", ["init", "--layout", layout]);
        await run("umoci", ["new", "--image", `${layout}:base`]);
        const layerTar = join(work, "umoci-layer.tar");
        await writeFile(
          layerTar,
          await buildTar([
            { name: "bin/", type: "directory", mode: 0o755 },
            { name: "bin/hello", type: "file", mode: 0o755, content: Buffer.from("#!/bin/sh\necho umoci\n") },
          ]),
        );
        await run("umoci", ["raw", "add-layer", "--image", `${layout}:base`, "--tag", "v1", layerTar]);

        for (const tag of ["base", "v1"]) {
          const descriptor = await resolveLayoutTag(layout, tag);
          const manifestBytes = await readFile(join(layout, "blobs", "sha256", descriptor.digest.slice(7)));
          const manifest = JSON.parse(manifestBytes.toString("utf8")) as {
            mediaType?: string;
            layers: unknown[];
          };
          if (tag === "base") expect(manifest.layers).toEqual([]);
          // umoci 0.4.x leaves `mediaType` out of the manifest; the registry must then go by the
          // Content-Type of the PUT (skopeo sends the OCI manifest type) and serve it back with it.
          const expectedType = manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json";

          await copy(`oci:${layout}:${tag}`, docker(`e2e/umoci:${tag}`));
          const raw = await inspect(docker(`e2e/umoci:${tag}`), ["--raw"]);
          expect(sha256(raw.stdout)).toBe(descriptor.digest);
          expect(Buffer.from(raw.stdout).equals(manifestBytes)).toBe(true);
          const res = await fetch(`${server.url}/v2/e2e/umoci/manifests/${tag}`, {
            headers: { Accept: MANIFEST_ACCEPT },
          });
          await res.arrayBuffer();
          expect(res.status).toBe(200);
          expect(res.headers.get("content-type")).toBe(expectedType);
          expect(res.headers.get("docker-content-digest")).toBe(descriptor.digest);

          const out = freshOutDir();
          await copy(docker(`e2e/umoci:${tag}`), `oci:${out}:${tag}`);
          expect((await resolveLayoutTag(out, tag)).digest).toBe(descriptor.digest);
        }
      },
      TEST_TIMEOUT,
    );
  });
});
