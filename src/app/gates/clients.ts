import type { RegistryClient } from "../../oci/index.js";

/**
 * A registry client for a registry host (`ghcr.io`, `localhost:5000`). The CLI builds one from its
 * flags and ~/.docker/config.json; the server one for its own address. Gates ask, never build.
 */
export type ClientFor = (registry: string) => Promise<RegistryClient> | RegistryClient;

/** Remembers one client per registry, so token caches are shared across lookups. */
export function cachedClients(
  make: (registry: string) => Promise<RegistryClient> | RegistryClient,
): ClientFor {
  const clients = new Map<string, Promise<RegistryClient>>();
  return (registry) => {
    let client = clients.get(registry);
    if (!client) {
      client = Promise.resolve(make(registry));
      clients.set(registry, client);
      client.catch(() => clients.delete(registry));
    }
    return client;
  };
}
