import type { Logger } from "pino";
import { RegistryClient } from "../oci/index.js";
import { type ProxySettings, PullThroughCache, proxySettingsOf, type ScanWaiter } from "../proxy/index.js";
import type { Registry } from "../registry/index.js";
import type { ResolvedConfig } from "./config.js";
import type { IdentityServices } from "./identity/services.js";
import type { ScanStore } from "./scanning/index.js";

/**
 * The pull-through cache over the projects' `settings.proxy` (accounts mode: projects exist only
 * there), read through the accounts snapshot as the storage rules are, so a pull costs a map read.
 */
export function pullThroughCache(options: {
  readonly config: ResolvedConfig;
  readonly identity: IdentityServices;
  readonly registry: Registry;
  readonly scans?: ScanStore;
  readonly logger: Logger;
}): PullThroughCache {
  const { identity, config, logger } = options;
  const clients = new Map<string, RegistryClient>();
  return new PullThroughCache({
    registry: options.registry,
    settings: async (project) => proxySettingsOf((await identity.access.projectSettings(project))?.proxy),
    projectExists: async (project) => (await identity.access.projectSettings(project)) !== undefined,
    proxyProjects: async () =>
      (await identity.store.listProjects()).flatMap((p) => {
        const settings = proxySettingsOf(p.settings.proxy);
        return settings ? [{ name: p.name, settings }] : [];
      }),
    client: (project, settings) => {
      // One client per project and setting: its token cache survives between pulls.
      const key = `${project}\n${JSON.stringify(settings)}`;
      let client = clients.get(key);
      if (!client) {
        if (clients.size >= 256) clients.clear();
        client = new RegistryClient({
          registry: settings.upstream,
          insecure: settings.insecure === true,
          userAgent: "portcullis-proxy",
        });
        clients.set(key, client);
      }
      return client;
    },
    ...(options.scans ? { scans: scanWaiter(options.scans) } : {}),
    scanWaitMs: config.proxy.scanWaitMs,
    recheckMs: config.proxy.recheckIntervalMs,
    ...(config.proxy.defaultProject ? { defaultProject: config.proxy.defaultProject } : {}),
    warn: (message, detail) => logger.warn(detail, message),
  });
}

/** Waits on the scan store's own change notices (this process scans what it copied in), re-reading each row. */
export function scanWaiter(scans: ScanStore): ScanWaiter {
  const unfinished = async (digests: readonly string[], fresh: boolean): Promise<string[]> => {
    const out: string[] = [];
    for (const digest of digests) {
      const row = await scans.get(digest);
      if (row ? row.status === "queued" || row.status === "running" : fresh) out.push(digest);
    }
    return out;
  };
  return {
    async unfinished(digests, { timeoutMs, fresh }) {
      // Listen before the first read: a scan finishing between a read and the wait still wakes it.
      let changed = false;
      let wake: (() => void) | undefined;
      const stop = scans.onChange((digest) => {
        if (!digests.includes(digest)) return;
        changed = true;
        wake?.();
      });
      try {
        let pending = await unfinished(digests, fresh);
        const deadline = Date.now() + timeoutMs;
        while (pending.length > 0 && Date.now() < deadline) {
          if (!changed) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              // The deadline, not a poll: a change notice wakes the wait as soon as a scan moves.
              setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
            });
          }
          changed = false;
          pending = await unfinished(pending, fresh);
        }
        return pending;
      } finally {
        stop();
      }
    },
  };
}

export type { ProxySettings };
