/**
 * podman isolated from the host: vfs storage in a temporary root, no cgroup manager, no events, no
 * systemd, an empty registries.conf (nothing is looked up on the network), its own signature policy and
 * a temporary auth file (REGISTRY_AUTH_FILE, so `podman login` never writes to ~).
 *
 * `probe()` checks podman can work here at all without involving a registry (`podman info`, and a pull
 * from a local OCI layout, which unpacks layers: chown, device nodes, namespaces). Only failures that look
 * like the sandbox refusing an operation make it return a reason; anything else throws.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { registryLogin, type ToolRun, toolRunner, writeContainersFiles } from "./containers-tool.js";
import { CommandError, type RunResult } from "./targets.js";

/** Errors that mean the environment (not podman's use of the registry) forbids what podman needs. */
const SANDBOX_REFUSAL =
  /operation not permitted|permission denied|insufficient uids|newuidmap|newgidmap|cannot set up namespace|user namespaces|mknod|lchown|EPERM|read-only file system/i;

export interface Podman {
  readonly policy: string;
  readonly authFile: string;
  run: ToolRun;
  /**
   * Why podman cannot run here (undefined when it can); pulls `oci:<layout>:<tag>` into local storage
   * as the probe.
   */
  probe(layout: string, tag: string): Promise<string | undefined>;
  /** `podman login` over plain HTTP with the password on stdin (a robot's `$` never meets a shell). */
  login(host: string, username: string, password: string): Promise<RunResult>;
  logout(host: string): Promise<RunResult>;
}

export function errorText(err: unknown): string {
  if (err instanceof CommandError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The folders, configuration files, environment and global flags that keep podman inside `work`. */
export async function podmanIsolation(
  work: string,
): Promise<{ env: Record<string, string>; globalFlags: string[]; policy: string; authFile: string }> {
  const dirs = {
    root: join(work, "storage", "root"),
    runroot: join(work, "storage", "run"),
    tmp: join(work, "tmp"),
    xdg: join(work, "xdg-runtime"),
    home: join(work, "home"),
    config: join(work, "config"),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true, mode: 0o700 });
  const { registriesConf, policy, authFile } = await writeContainersFiles(dirs.config);
  const storageConf = join(dirs.config, "storage.conf");
  await writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\nrunroot = ${JSON.stringify(dirs.runroot)}\ngraphroot = ${JSON.stringify(dirs.root)}\n`,
  );
  const containersConf = join(dirs.config, "containers.conf");
  await writeFile(containersConf, '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\n');
  const env = {
    HOME: dirs.home,
    XDG_RUNTIME_DIR: dirs.xdg,
    XDG_CONFIG_HOME: join(dirs.home, ".config"),
    XDG_DATA_HOME: join(dirs.home, ".local", "share"),
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_CONF: containersConf,
    REGISTRY_AUTH_FILE: authFile,
  };
  const globalFlags = [
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
  return { env, globalFlags, policy, authFile };
}

/** `work` must be a lower-case path: podman names an image pulled from `oci:<path>` after the path. */
export async function isolatedPodman(work: string, timeoutMs = 110_000): Promise<Podman> {
  const { env, globalFlags, policy, authFile } = await podmanIsolation(work);
  const podman = toolRunner("podman", globalFlags, env, timeoutMs);
  return {
    policy,
    authFile,
    run: podman,
    async probe(layout, tag) {
      try {
        await podman(["info", "--format", "{{.Store.GraphDriverName}}"]);
      } catch (err) {
        return `podman cannot run in this environment: ${errorText(err)}`;
      }
      try {
        await podman(["pull", "--signature-policy", policy, `oci:${layout}:${tag}`]);
      } catch (err) {
        const text = errorText(err);
        if (!SANDBOX_REFUSAL.test(text)) throw err;
        return `podman cannot unpack images in this environment: ${text}`;
      }
      return undefined;
    },
    ...registryLogin(podman, authFile),
  };
}
