import type { Logger } from "pino";
import { RegistryClient } from "../oci/index.js";
import { type ProxySettings, PullThroughCache, proxySettingsOf, type ScanWaiter } from "../proxy/index.js";
import type { Registry } from "../registry/index.js";
import type { Database } from "../storage/index.js";
import type { ResolvedConfig } from "./config.js";
import type { IdentityServices } from "./identity/services.js";
import type { SecretBox } from "./notifications/sealed.js";
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
  readonly credentials: ProxyCredentials;
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
    client: async (project, settings) => {
      const password = settings.username ? await options.credentials.get(project) : undefined;
      // One client per project, setting and password: its token cache survives between pulls.
      const key = JSON.stringify([project, settings, password ?? null]);
      let client = clients.get(key);
      if (!client) {
        if (clients.size >= 256) clients.clear();
        client = new RegistryClient({
          registry: settings.upstream,
          insecure: settings.insecure === true,
          userAgent: "portcullis-proxy",
          // A pull waits on the upstream: a shorter bound than the CLI's 30 s before a cached copy is served.
          timeoutMs: 15_000,
          ...(settings.username && password !== undefined
            ? { credentials: { username: settings.username, password } }
            : {}),
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

/**
 * Proxy projects' upstream passwords, sealed with AES-256-GCM under a key derived from auth.keyFile
 * (the key-encryption key of the token signing keys and webhook secrets) and bound to the project's
 * name, in their own table: the project's settings, which the API returns, never hold one.
 */
export class ProxyCredentials {
  constructor(
    private readonly database: Database,
    private readonly box: SecretBox,
  ) {}

  /** Sets (a string) or removes (null) a project's upstream password. */
  async set(project: string, password: string | null): Promise<void> {
    const db = this.database.db;
    if (password === null) {
      await db.deleteFrom("proxy_credentials").where("project", "=", project).execute();
      return;
    }
    const row = {
      project,
      sealed_password: this.box.seal(`proxy:${project}`, password),
      updated_at: Date.now(),
    };
    await db
      .insertInto("proxy_credentials")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("project")
          .doUpdateSet({ sealed_password: row.sealed_password, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** The project's upstream password, or undefined (none, or sealed under another key). */
  async get(project: string): Promise<string | undefined> {
    const row = await this.database.db
      .selectFrom("proxy_credentials")
      .select("sealed_password")
      .where("project", "=", project)
      .executeTakeFirst();
    return row ? this.box.open(`proxy:${project}`, row.sealed_password) : undefined;
  }
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
