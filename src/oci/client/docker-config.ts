import { ImageError } from "../errors.js";
import { isDockerHub } from "./endpoint.js";

/**
 * Credentials from a Docker CLI config file (~/.docker/config.json, docker/cli
 * cli/config/configfile): `auths` maps a registry key to `{auth: base64("user:pass")}` or to
 * `{username, password}`. Docker Hub is stored under the legacy key "https://index.docker.io/v1/";
 * other keys may carry a scheme or a path, which are ignored when matching. Credential helpers
 * (`credsStore`, `credHelpers`) run external programs; Portcullis does not, and says so.
 *
 * Pure: the caller reads the file (nothing below app/ reads configuration files).
 */
export interface Credentials {
  username: string;
  password: string;
}

interface DockerConfigAuth {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, DockerConfigAuth>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** "https://index.docker.io/v1/" → "index.docker.io"; "http://host:5000/x" → "host:5000". */
function keyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .split("/")[0]!
    .toLowerCase();
}

function sameRegistry(key: string, registry: string): boolean {
  const host = keyHost(key);
  const wanted = registry.toLowerCase();
  return host === wanted || (isDockerHub(host) && isDockerHub(wanted));
}

/**
 * The credentials stored for `registry` (as written in references: "docker.io", "ghcr.io",
 * "localhost:5000"), or undefined when the config has none. Throws CREDENTIALS_UNSUPPORTED when the
 * host is configured only through a credential helper, and IMAGE_UNREADABLE for a malformed file.
 */
export function credentialsFromDockerConfig(text: string, registry: string): Credentials | undefined {
  let config: DockerConfigFile;
  try {
    config = JSON.parse(text) as DockerConfigFile;
    if (config === null || typeof config !== "object") throw new Error("not an object");
  } catch (err) {
    throw new ImageError("IMAGE_UNREADABLE", "docker config file is not valid JSON", { cause: err });
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!sameRegistry(key, registry) || entry === null || typeof entry !== "object") continue;
    if (typeof entry.auth === "string" && entry.auth !== "") {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon <= 0) {
        throw new ImageError(
          "IMAGE_UNREADABLE",
          `docker config: the auth entry for ${registry} is not base64 "user:password"`,
        );
      }
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof entry.username === "string" && typeof entry.password === "string") {
      return { username: entry.username, password: entry.password };
    }
  }
  // `docker login` with a credential store leaves an empty `auths` entry for the host.
  const listed = Object.keys(config.auths ?? {}).some((key) => sameRegistry(key, registry));
  const helper =
    Object.entries(config.credHelpers ?? {}).find(([key]) => sameRegistry(key, registry))?.[1] ??
    (listed ? config.credsStore : undefined);
  if (helper !== undefined) {
    throw new ImageError(
      "CREDENTIALS_UNSUPPORTED",
      `credentials for ${registry} are kept by the docker-credential-${helper} helper, which Portcullis does not run; pass --username/--password instead`,
    );
  }
  return undefined;
}
