/**
 * skopeo isolated from the host: no registries.conf search, its own policy, a temporary auth file
 * (REGISTRY_AUTH_FILE, so `skopeo login` never writes to ~) and a HOME of its own. For tests that log in
 * and copy images against registries on 127.0.0.1 over plain HTTP (`--tls-verify=false` everywhere:
 * containers/image treats only localhost-named registries as insecure without the flag).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { registryLogin, type ToolRun, toolRunner, writeContainersFiles } from "./containers-tool.js";
import type { RunResult } from "./targets.js";

export interface Skopeo {
  /** The auth file `login` writes to and `copy` reads from. */
  readonly authFile: string;
  readonly env: Readonly<Record<string, string>>;
  /** Runs skopeo with the isolating flags; rejects on a non-zero exit unless `allowFailure`. */
  run: ToolRun;
  /** `skopeo login` with the password on stdin (a robot's `$` never passes through a shell). */
  login(host: string, username: string, password: string): Promise<RunResult>;
  logout(host: string): Promise<RunResult>;
  /** `skopeo copy` without retries, TLS verification off on both sides. */
  copy(source: string, destination: string, options?: { allowFailure?: boolean }): Promise<RunResult>;
}

export async function isolatedSkopeo(work: string, timeoutMs = 110_000): Promise<Skopeo> {
  const home = join(work, "home");
  const tmp = join(work, "tmp");
  const registriesD = join(work, "registries.d");
  for (const dir of [home, tmp, registriesD]) await mkdir(dir, { recursive: true });
  const { registriesConf, policy, authFile } = await writeContainersFiles(work);
  const env = { HOME: home, CONTAINERS_REGISTRIES_CONF: registriesConf, REGISTRY_AUTH_FILE: authFile };
  const globalFlags = ["--policy", policy, "--registries.d", registriesD, "--tmpdir", tmp];
  const skopeo = toolRunner("skopeo", globalFlags, env, timeoutMs);
  return {
    authFile,
    env,
    run: skopeo,
    ...registryLogin(skopeo, authFile),
    copy: (source, destination, options = {}) =>
      skopeo(
        [
          "copy",
          "--retry-times",
          "0",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          "--authfile",
          authFile,
          "--preserve-digests",
          source,
          destination,
        ],
        options.allowFailure ? { allowFailure: true } : {},
      ),
  };
}
