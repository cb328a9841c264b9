import type { OccurrenceSource, ScanReportSource } from "../evidence/index.js";
import type { Platform } from "../oci/index.js";
import type { Database } from "../storage/index.js";
import type { TrustedRoot } from "../trust/index.js";
import type { ResolvedConfig } from "./config.js";
import { assembleGates } from "./gates/assemble.js";
import type { DecisionRecorder } from "./gates/audit.js";
import type { PolicyGate } from "./gates/gate.js";
import type { RegistryAccess } from "./gates/registry-access.js";
import type { ReloadablePolicy } from "./gates/reloadable-policy.js";
import { storedOccurrenceSource } from "./grafeas/source.js";
import { OccurrenceStore } from "./grafeas/store.js";
import { gateRecords, openPlatformDatabase } from "./records.js";

export interface WebhookServicesOptions<T> {
  /** The policy file, resolved; loaded now and followed for changes. */
  readonly policyFile: string;
  /**
   * The platform's configuration when the webhook shares `serve`'s database (--data or --config):
   * decisions are recorded in its audit log and scans read from its scan store. Absent: the webhook
   * keeps no state and writes nothing.
   */
  readonly platform?: ResolvedConfig;
  /** How registries are reached (a mounted .dockerconfigjson, insecure). */
  readonly access: RegistryAccess;
  readonly trustedRoot?: TrustedRoot;
  /** A Portcullis server's scan reports (apiScanSourceFor); wins over the database's scan store. */
  readonly scanApi?: ScanReportSource;
  /** The same server's outside occurrences (apiOccurrenceSourceFor); wins over the database's. */
  readonly occurrenceApi?: OccurrenceSource;
  /** The nodes' platforms (an index is judged by what they could run). */
  readonly platforms?: readonly Platform[];
  /** Each evidence lookup's deadline: the whole decision deadline (the webhook answers then regardless). */
  readonly timeoutMs: number;
  /**
   * What the webhook asks, made from each policy version's gate and the recorder (present with a
   * database): server/'s fromPolicyGate, which app/ cannot import.
   */
  readonly serve: (gate: PolicyGate, recorder: DecisionRecorder | undefined) => T;
}

/** The admission webhook's services: its followed policy and, with `platform`, the database. */
export interface WebhookServices<T> {
  readonly policy: ReloadablePolicy<T>;
  /** The platform's database, open until `close`. */
  readonly database?: Database;
  /** Closes the database; call once the server has finished its last review (cli's drain). */
  close(): Promise<void>;
}

/**
 * Wires `admission serve`: the database through the same path as `serve` (openPlatformDatabase,
 * gateRecords), and the policy gate through the same assembly as `verify --policy` (assembleGates),
 * with an evidence cache per policy version. The database is opened only after the caller has read
 * every file it names, and closed again when the policy does not load, so a bad flag leaves nothing open.
 */
export async function createWebhookServices<T>(
  options: WebhookServicesOptions<T>,
): Promise<WebhookServices<T>> {
  const database = options.platform ? await openPlatformDatabase(options.platform) : undefined;
  const records = database ? gateRecords(database) : undefined;
  const scans = options.scanApi ?? records?.scanSource;
  // The `occurrences` requirement reads what was posted to the server: its API, or its database.
  const occurrences =
    options.occurrenceApi ?? (database ? storedOccurrenceSource(new OccurrenceStore(database)) : undefined);
  const gates = assembleGates({
    access: options.access,
    ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
    ...(scans ? { scans } : {}),
    ...(occurrences ? { occurrences } : {}),
    ...(options.platforms ? { platforms: options.platforms } : {}),
    timeoutMs: options.timeoutMs,
    evidenceCache: true,
  });
  let policy: ReloadablePolicy<T>;
  try {
    policy = gates.follow(options.policyFile, (gate) => options.serve(gate, records?.recorder));
  } catch (err) {
    await database?.close();
    throw err;
  }
  return {
    policy,
    ...(database ? { database } : {}),
    close: async () => {
      await database?.close();
    },
  };
}
