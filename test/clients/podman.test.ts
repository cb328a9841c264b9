/**
 * End-to-end: push and pull with podman against a running registry. Podman runs isolated from the host
 * (test/support/podman.ts). Targets come from PORTCULLIS_E2E_TARGETS (comma list of portcullis, distribution).
 *
 * If podman cannot work in this environment at all (probe: `podman info` and a pull from a local OCI
 * layout, neither of which touches the registry), the tests skip with the reason printed.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { isolatedPodman, type Podman } from "../support/podman.js";
import { unavailable } from "../support/requirements.js";
import {
  e2eTargets,
  hasCommand,
  type RegistryServer,
  type RunResult,
  startTarget,
} from "../support/targets.js";

const TEST_TIMEOUT = 120_000;
const HAS_PODMAN = hasCommand("podman");

interface PodmanImage {
  Id: string;
  Digest: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Architecture: string;
  Os: string;
  RootFS: { Type: string; Layers: string[] };
  Config: { Cmd?: string[]; User?: string };
}

describe.skipIf(unavailable("podman", HAS_PODMAN))("podman", () => {
  describe.each(e2eTargets())("against %s", (targetName) => {
    const temps: string[] = [];
    let server: RegistryServer | undefined;
    let work: string;
    let layout: string;
    let image: WrittenImage;
    let sandbox: Podman;
    /** Why podman cannot run here; undefined when it can. */
    let unusable: string | undefined;

    function podman(args: string[]): Promise<RunResult> {
      return sandbox.run(args);
    }

    beforeAll(async () => {
      // podman names an image pulled from `oci:<path>` after the path, and image names must be lower-case;
      // mkdtemp suffixes are mixed-case, so use a lower-case hex name.
      work = join(tmpdir(), `e2e-podman-${randomBytes(8).toString("hex")}`);
      temps.push(work);
      await mkdir(work, { mode: 0o700 });
      layout = join(work, "layout");
      image = await writeImageLayout(layout, { tag: "v1" });
      sandbox = await isolatedPodman(work, TEST_TIMEOUT - 10_000);
      unusable = await sandbox.probe(layout, "v1");
      // With CI set a podman that cannot run fails the run, naming why (CI machines can run it).
      if (unusable !== undefined && unavailable(`a podman that can run here (${unusable})`, false)) return;
      server = await startTarget(targetName);
    }, TEST_TIMEOUT);

    afterAll(async () => {
      await server?.dispose();
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    it(
      "pushes an image from local storage and pulls it back with the same layer diff IDs",
      async (ctx) => {
        if (unusable !== undefined) ctx.skip(unusable);
        const registry = server!;
        const ref = `${registry.host}/podman/app:v1`;

        // The local image from the probe's `podman pull oci:<layout>:v1`: its ID is the config digest.
        const local = JSON.parse(
          (await podman(["image", "inspect", image.configDigest.slice(7)])).stdout,
        ) as PodmanImage[];
        expect(local).toHaveLength(1);
        expect(`sha256:${local[0]!.Id}`).toBe(image.configDigest);
        expect(local[0]!.RootFS.Layers).toEqual(image.diffIds);

        await podman(["push", "--tls-verify=false", local[0]!.Id, `docker://${ref}`]);

        // The registry has the image: manifest by tag, config blob unchanged.
        const res = await fetch(`${registry.url}/v2/podman/app/manifests/v1`, {
          headers: {
            Accept:
              "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
          },
        });
        const manifestBytes = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        const pushedDigest = res.headers.get("docker-content-digest");
        expect(pushedDigest).toBe(sha256(manifestBytes));
        const pushed = JSON.parse(manifestBytes.toString("utf8")) as {
          config: { digest: string };
          layers: Array<{ digest: string }>;
        };
        expect(pushed.config.digest).toBe(image.configDigest);
        expect(pushed.layers).toHaveLength(image.diffIds.length);

        // Remove every local image, then pull from the registry.
        await podman(["rmi", "--all", "--force"]);
        expect((await podman(["images", "--quiet"])).stdout.trim()).toBe("");

        await podman(["pull", "--tls-verify=false", ref]);
        const pulled = JSON.parse((await podman(["image", "inspect", ref])).stdout) as PodmanImage[];
        expect(pulled).toHaveLength(1);
        const info = pulled[0]!;
        expect(info.RootFS.Layers).toEqual(image.config.rootfs.diff_ids);
        expect(`sha256:${info.Id}`).toBe(image.configDigest);
        expect(info.Digest).toBe(pushedDigest);
        expect(info.RepoTags).toContain(ref);
        expect(info.RepoDigests).toContain(`${registry.host}/podman/app@${pushedDigest}`);
        expect(info.Architecture).toBe("amd64");
        expect(info.Os).toBe("linux");
        expect(info.Config.Cmd).toEqual(image.config.config.Cmd);
        expect(info.Config.User).toBe(image.config.config.User);
      },
      TEST_TIMEOUT,
    );
  });
});
