import { apiOccurrenceSourceFor, apiScanSourceFor, GateError, type RegistryAccess } from "../app/index.js";
import type { OccurrenceSource, ScanReportSource } from "../evidence/index.js";
import { scanApiCredentials } from "./scan-api-credentials.js";

/**
 * `--scan-api URL` of `admission serve` and `verify --policy`: a Portcullis server's scan reports
 * (apiScanSourceFor) and the occurrences posted to it (apiOccurrenceSourceFor), checked before anything is opened; PORTCULLIS_SCAN_API_USERNAME and _PASSWORD
 * (a robot of an accounts-mode server) win over the docker config's credentials for its host. A URL the gate refuses is the user's mistake,
 * named with the flag, and with `--insecure` when that is what would allow it.
 */
export function scanApiFromFlag(
  url: string,
  access: RegistryAccess,
  toError: (message: string) => Error,
  imageRegistry?: string,
): ScanReportSource & OccurrenceSource {
  // The environment's credentials for the scan API, checked first (one without the other is a usage error).
  const explicit = scanApiCredentials(() => undefined, toError);
  try {
    // Occurrences posted to the same server (a CI system's "tests passed") come from it too.
    const scans = apiScanSourceFor(url, access, imageRegistry, explicit);
    const occurrences = apiOccurrenceSourceFor(url, access, imageRegistry, explicit);
    return {
      latestScan: (subject, signal) => scans.latestScan(subject, signal),
      occurrences: (subject, signal) => occurrences.occurrences(subject, signal),
    };
  } catch (err) {
    if (!(err instanceof GateError) || err.code !== "INVALID_ARGUMENT") throw err;
    const hint = access.insecure !== true && url.startsWith("http:") ? " with --insecure" : "";
    throw toError(`--scan-api: ${err.message}${hint}`);
  }
}
