/**
 * Where a registry named in an image reference is reached. Docker Hub's name (docker.io) is not
 * its API host: the Distribution API lives at registry-1.docker.io. Like the docker daemon, plain
 * HTTP is used for loopback registries (localhost, 127.0.0.1, [::1], any port) and HTTPS for every
 * other host unless the caller says `insecure`.
 */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";

const DOCKER_HUB_NAMES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export function apiHost(registry: string): string {
  return DOCKER_HUB_NAMES.has(registry) ? DOCKER_HUB_API_HOST : registry;
}

export function isLoopback(registry: string): boolean {
  const host = registry.startsWith("[")
    ? registry.slice(0, registry.indexOf("]") + 1)
    : registry.split(":")[0];
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/** `https://host[:port]` (or http, see above), without a trailing slash. */
export function baseUrl(registry: string, insecure = false): string {
  const host = apiHost(registry);
  return `${insecure || isLoopback(host) ? "http" : "https"}://${host}`;
}

export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_NAMES.has(registry);
}
