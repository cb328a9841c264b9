/**
 * End-to-end: push and pull with podman against a running registry. Podman runs with vfs storage in a temp
 * root, no cgroup manager, no events, no systemd, and an empty registries.conf so nothing is looked up on
 * the network. Targets come from PORTCULLIS_E2E_TARGETS (comma list of portcullis, distribution).
 *
 * If podman cannot work in this environment at all (probe: `podman info` and a pull from a local OCI
 * layout, neither of which touches the registry), the tests skip with the reason printed.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  CommandError,
  e2eTargets,
  hasCommand,
  type RegistryServer,
  type RunResult,
  run,
  startTarget,
} from "../support/targets.js";

const TEST_TIMEOUT = 120_000;
const HAS_PODMAN = hasCommand("podman");
/** Errors that mean the environment (not podman's use of the registry) forbids what podman needs. */
const SANDBOX_REFUSAL =
  /operation not permitted|permission denied|insufficient uids|newuidmap|newgidmap|cannot set up namespace|user namespaces|mknod|lchown|EPERM|read-only file system/i;

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

function errorText(err: unknown): string {
  if (err instanceof CommandError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

describe.skipIf(unavailable("podman", HAS_PODMAN))("podman", () => {
  describe.each(e2eTargets())("against %s", (targetName) => {
    const temps: string[] = [];
    let server: RegistryServer | undefined;
    let work: string;
    let layout: string;
    let image: WrittenImage;
    let env: Record<string, string>;
    let globalFlags: string[];
    /** Why podman cannot run here; undefined when it can. */
    let unusable: string | undefined;

    function podman(args: string[]): Promise<RunResult> {
      return run("podman", [...globalFlags, ...args], { env, timeoutMs: TEST_TIMEOUT - 10_000 });
    }

    beforeAll(async () => {
      // podman names an image pulled from `oci:<path>` after the path, and image names must be lower-case;
      // mkdtemp suffixes are mixed-case, so use a lower-case hex name.
      work = join(tmpdir(), `e2e-podman-${randomBytes(8).toString("hex")}`);
      temps.push(work);
      await mkdir(work, { mode: 0o700 });
      layout = join(work, "layout");
      image = await writeImageLayout(layout, { tag: "v1" });

      const dirs = {
        root: join(work, "storage", "root"),
        runroot: join(work, "storage", "run"),
        tmp: join(work, "tmp"),
        xdg: join(work, "xdg-runtime"),
        home: join(work, "home"),
        config: join(work, "config"),
      };
      for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true, mode: 0o700 });
      const registriesConf = join(dirs.config, "registries.conf");
      await writeFile(registriesConf, "unqualified-search-registries = []\n");
      const storageConf = join(dirs.config, "storage.conf");
      await writeFile(
        storageConf,
        `[storage]\ndriver = "vfs"\nrunroot = ${JSON.stringify(dirs.runroot)}\ngraphroot = ${JSON.stringify(dirs.root)}\n`,
      );
      const containersConf = join(dirs.config, "containers.conf");
      await writeFile(containersConf, '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n');
      const policy = join(dirs.config, "policy.json");
      await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
      // podman insists that REGISTRY_AUTH_FILE exists.
      const authFile = join(dirs.config, "auth.json");
      await writeFile(authFile, JSON.stringify({ auths: {} }));
      env = {
        HOME: dirs.home,
        XDG_RUNTIME_DIR: dirs.xdg,
        XDG_CONFIG_HOME: join(dirs.home, ".config"),
        XDG_DATA_HOME: join(dirs.home, ".local", "share"),
        CONTAINERS_REGISTRIES_CONF: registriesConf,
        CONTAINERS_STORAGE_CONF: storageConf,
        CONTAINERS_CONF: containersConf,
        REGISTRY_AUTH_FILE: authFile,
      };
      globalFlags = [
        "--root",
        dirs.root,
        "--runroot",
        dirs.runroot,
        "--tmpdir",
        dirs.tmp,
        "--storage-driver",
        "vfs",
        "--cgroup-manager",
        "cgroupfs",
        "--events-backend",
        "none",
      ];

      // Probe podman without involving the registry: `podman info` initialises storage and runtime dirs;
      // the pull from the local layout unpacks layers (chown, device nodes, namespaces). Only failures that
      // look like the sandbox refusing an operation make the test skip; anything else is a failure.
      try {
        await podman(["info", "--format", "{{.Store.GraphDriverName}}"]);
      } catch (err) {
        unusable = `podman cannot run in this environment: ${errorText(err)}`;
      }
      if (unusable === undefined) {
        try {
          await podman(["pull", "--signature-policy", policy, `oci:${layout}:v1`]);
        } catch (err) {
          const text = errorText(err);
          if (!SANDBOX_REFUSAL.test(text)) throw err;
          unusable = `podman cannot unpack images in this environment: ${text}`;
        }
      }
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
