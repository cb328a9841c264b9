import type { OccurrenceSource, ScanReportSource } from "../../evidence/index.js";
import {
  type Credentials,
  credentialsFromDockerConfig,
  type OpenImageOptions,
  RegistryClient,
} from "../../oci/index.js";
import { type ClientFor, cachedClients } from "./clients.js";
import { apiOccurrenceSource } from "./occurrence-api-source.js";
import { apiScanSource, scanApiUrl } from "./scan-api-source.js";

/**
 * How registries are reached, as the CLI gathered it from its flags: --username/--password, the text of
 * a docker config (~/.docker/config.json, or a webhook's mounted .dockerconfigjson), --insecure, and a
 * timeout. The same object openImage takes, so a command reads its registry flags once.
 */
export type RegistryAccess = NonNullable<OpenImageOptions["registry"]>;

/** The credentials for one host: those given explicitly, else the docker config's entry for it. */
export function credentialsFor(host: string, access: RegistryAccess): Credentials | undefined {
  return (
    access.credentials ??
    (access.dockerConfig === undefined ? undefined : credentialsFromDockerConfig(access.dockerConfig, host))
  );
}

/**
 * The one place a RegistryClient is built from what the user gave (every CLI command and every gate
 * that reads a remote registry): plain HTTP beyond loopback only with `insecure`.
 */
export function registryClient(registry: string, access: RegistryAccess): RegistryClient {
  const credentials = credentialsFor(registry, access);
  return new RegistryClient({
    registry,
    ...(credentials ? { credentials } : {}),
    insecure: access.insecure === true,
    ...(access.timeoutMs !== undefined ? { timeoutMs: access.timeoutMs } : {}),
  });
}

/** One client per registry host, kept, so a gate's lookups share each registry's token cache. */
export function registryClients(access: RegistryAccess): ClientFor {
  return cachedClients((registry) => registryClient(registry, access));
}

/**
 * A Portcullis server's scan reports (apiScanSource) with the docker config's credentials for the
 * server's host, sent as Basic. Explicit credentials are sent only when the server is `imageRegistry`,
 * the host they were given for. Throws GateError INVALID_ARGUMENT for a URL scanApiUrl refuses (plain
 * HTTP beyond loopback without `insecure`), before anything is contacted.
 */
export function apiScanSourceFor(
  url: string,
  access: RegistryAccess,
  imageRegistry?: string,
  /** Credentials given for the scan API itself (PORTCULLIS_SCAN_API_USERNAME/_PASSWORD): they win. */
  explicit?: Credentials,
): ScanReportSource {
  const { insecure, credentials } = apiCredentials(url, access, imageRegistry, explicit);
  return apiScanSource({ baseUrl: url, insecure, ...(credentials ? { credentials } : {}) });
}

/** The same server's outside occurrences (the `occurrences` requirement), with the same credentials. */
export function apiOccurrenceSourceFor(
  url: string,
  access: RegistryAccess,
  imageRegistry?: string,
  explicit?: Credentials,
): OccurrenceSource {
  const { insecure, credentials } = apiCredentials(url, access, imageRegistry, explicit);
  return apiOccurrenceSource({ baseUrl: url, insecure, ...(credentials ? { credentials } : {}) });
}

function apiCredentials(url: string, access: RegistryAccess, imageRegistry?: string, explicit?: Credentials) {
  const insecure = access.insecure === true;
  const host = scanApiUrl(url, insecure).host;
  const credentials =
    explicit ??
    (imageRegistry !== undefined && host === imageRegistry ? access.credentials : undefined) ??
    (access.dockerConfig === undefined ? undefined : credentialsFromDockerConfig(access.dockerConfig, host));
  return { insecure, credentials };
}
