/**
 * What the skopeo and podman helpers share, both being containers/image clients: the files that keep
 * them off the host's configuration (an empty registries.conf, a policy that accepts anything, a
 * temporary auth file, so `login` never writes to ~), a runner bound to their isolating flags, and
 * `login`/`logout` over plain HTTP with the password on stdin (a robot's `$` never meets a shell).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type RunResult, run } from "./targets.js";

/** Runs the tool with its isolating flags; rejects on a non-zero exit unless `allowFailure`. */
export type ToolRun = (
  args: string[],
  options?: { allowFailure?: boolean; input?: string },
) => Promise<RunResult>;

export interface ContainersFiles {
  readonly registriesConf: string;
  readonly policy: string;
  /** The auth file `login` writes to and pushes and pulls read from. */
  readonly authFile: string;
}

/** Writes registries.conf, policy.json and auth.json into `dir` (which exists). */
export async function writeContainersFiles(dir: string): Promise<ContainersFiles> {
  const registriesConf = join(dir, "registries.conf");
  await writeFile(registriesConf, "unqualified-search-registries = []\n");
  const policy = join(dir, "policy.json");
  await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  // podman insists that REGISTRY_AUTH_FILE exists.
  const authFile = join(dir, "auth.json");
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  return { registriesConf, policy, authFile };
}

/** `command` with `globalFlags` before every call's arguments, in `env`. */
export function toolRunner(
  command: string,
  globalFlags: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): ToolRun {
  return (args, options = {}) =>
    run(command, [...globalFlags, ...args], {
      env: { ...env },
      timeoutMs,
      ...(options.allowFailure ? { allowFailure: true } : {}),
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
}

/** `login` (TLS verification off, password on stdin) and `logout` against `authFile`; both may fail. */
export function registryLogin(
  tool: ToolRun,
  authFile: string,
): {
  login(host: string, username: string, password: string): Promise<RunResult>;
  logout(host: string): Promise<RunResult>;
} {
  return {
    login: (host, username, password) =>
      tool(
        [
          "login",
          "--tls-verify=false",
          "--authfile",
          authFile,
          "--username",
          username,
          "--password-stdin",
          host,
        ],
        { input: password, allowFailure: true },
      ),
    logout: (host) => tool(["logout", "--authfile", authFile, host], { allowFailure: true }),
  };
}
