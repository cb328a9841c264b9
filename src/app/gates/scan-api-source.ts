import type { EvidenceSubject, ScanEvidence, ScanReportSource } from "../../evidence/index.js";
import { type Credentials, isLoopback } from "../../oci/index.js";
import { GateError } from "./errors.js";

/**
 * The remote scan source: the latest report a running Portcullis server holds for the digest, read
 * from its management API (GET /api/v1/repositories/{name}/manifests/{digest}/vulnerabilities, see
 * server/api/routes.ts), so an admission webhook or a CI job needs neither the server's database nor a
 * local scan. It maps the answer as storedScanSource maps the store: a report is the evidence; a scan
 * still queued or running, or none at all there (404 SCAN_UNKNOWN, or the server does not hold the
 * digest), is "never scanned"; a failed scan and anything unexpected throw, and the rule's
 * failurePolicy decides.
 */
export interface ApiScanSourceOptions {
  /** A Portcullis server: `https://registry.example.com:5000`, `http://127.0.0.1:5000`, a path prefix allowed. */
  readonly baseUrl: string;
  /** Sent as Basic authorization; never part of a message. */
  readonly credentials?: Credentials;
  /** Plain HTTP to a host other than localhost, 127.0.0.1 and [::1] (as RegistryClient's `insecure`). */
  readonly insecure?: boolean;
  readonly fetch?: typeof fetch;
  /** The largest response body read; 32 MiB by default (a report lists every finding). */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const SEVERITIES = new Set(["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]);
/** 404 codes that mean "no report here": no scan yet, or the server does not hold the image. */
const NOT_SCANNED = new Set(["SCAN_UNKNOWN", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"]);

/**
 * The scan API's base URL, checked: http or https, no credentials, query or fragment in it, and plain
 * HTTP only to a loopback host (as RegistryClient: oci isLoopback) unless `insecure`. Throws GateError INVALID_ARGUMENT. The CLI uses the
 * result's `host` to find credentials in a docker config.
 */
export function scanApiUrl(baseUrl: string, insecure = false): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new GateError(
      "INVALID_ARGUMENT",
      "the scan API must be an http(s) URL, e.g. https://registry.example.com",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new GateError("INVALID_ARGUMENT", `the scan API must be http or https, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    // Never echo the URL: it holds a secret. Credentials come from a docker config.
    throw new GateError("INVALID_ARGUMENT", "the scan API URL must not hold credentials");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new GateError("INVALID_ARGUMENT", `the scan API URL must have no query or fragment: ${url.origin}`);
  }
  if (url.protocol === "http:" && !insecure && !isLoopback(url.host)) {
    throw new GateError(
      "INVALID_ARGUMENT",
      `plain HTTP to ${url.host} is refused (scan reports decide admission): use https, or allow insecure HTTP`,
    );
  }
  return url;
}

export function apiScanSource(options: ApiScanSourceOptions): ScanReportSource {
  const get = manifestGetter(options, DEFAULT_MAX_BYTES, unavailable);
  return {
    async latestScan(subject: EvidenceSubject, signal: AbortSignal): Promise<ScanEvidence | undefined> {
      const { url, res, text } = await get(subject, "vulnerabilities", signal);
      if (res.status === 200) return fromReport(parseJson(text, url, res.status), url);
      if (res.status === 404) {
        const code = errorCode(text);
        if (code !== undefined && NOT_SCANNED.has(code)) return undefined;
      }
      throw unavailable(`GET ${url} answered ${res.status}${summary(text)}`);
    },
  };
}

/** The URL asked, the answer's head and its body (read within the byte limit). */
export interface ManifestAnswer {
  readonly url: string;
  readonly res: Response;
  readonly text: string;
}

/**
 * GETs one of a manifest's answers (`leaf`: "vulnerabilities", "occurrences") from the server named in
 * `options`, the one way both API sources ask: the base URL checked once, up front; Basic credentials;
 * no redirect followed. A failed request throws `fail`'s error (each source names its own code); an
 * abort stays an abort.
 */
export function manifestGetter(
  options: ApiScanSourceOptions,
  defaultMaxBytes: number,
  fail: (message: string, cause: unknown) => GateError,
): (subject: EvidenceSubject, leaf: string, signal: AbortSignal) => Promise<ManifestAnswer> {
  const checked = scanApiUrl(options.baseUrl, options.insecure === true);
  const base = `${checked.origin}${checked.pathname.replace(/\/+$/, "")}`;
  const doFetch = options.fetch ?? fetch;
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.credentials) {
    const { username, password } = options.credentials;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }
  return async (subject, leaf, signal) => {
    // Each repository segment is encoded on its own: its slashes stay path separators.
    const repository = subject.repository.split("/").map(encodeURIComponent).join("/");
    const url = `${base}/api/v1/repositories/${repository}/manifests/${encodeURIComponent(subject.digest)}/${leaf}`;
    let res: Response;
    try {
      // A redirect is not followed: it could carry the authorization header to another host.
      res = await doFetch(url, { headers, signal, redirect: "manual" });
    } catch (err) {
      if (signal.aborted) throw err;
      throw fail(`GET ${url} failed: ${causeOf(err)}`, err);
    }
    return { url, res, text: await readBody(res, url, maxBytes, signal) };
  };
}

export function unavailable(message: string, cause?: unknown): GateError {
  return new GateError("SCAN_UNAVAILABLE", message, cause === undefined ? {} : { cause });
}

/** undici says "fetch failed" and keeps the reason (ECONNREFUSED, a TLS error) in `cause`. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  return cause === undefined ? message(err) : `${message(err)}: ${message(cause)}`;
}

/** The body as text, refusing more than `max` bytes (announced or streamed) before holding it all. */
export async function readBody(
  res: Response,
  url: string,
  max: number,
  signal: AbortSignal,
): Promise<string> {
  const tooBig = () =>
    unavailable(`GET ${url} answered ${res.status} with a body over the ${max}-byte limit`);
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > max) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (res.body === null) return "";
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > max) {
        await res.body.cancel().catch(() => {});
        throw tooBig();
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof GateError || signal.aborted) throw err;
    throw unavailable(`GET ${url}: reading the answer failed: ${causeOf(err)}`, err);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseJson(text: string, url: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unavailable(`GET ${url} answered ${status} with a body that is not JSON`);
  }
}

/** The first error code of an `{"errors":[{"code","message"}]}` body, when it is one. */
export function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { errors?: Array<{ code?: unknown }> }).errors?.[0]?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `: CODE: message` of an error body, bounded, for the thrown message. */
export function summary(text: string): string {
  try {
    const first = (JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }).errors?.[0];
    if (typeof first?.code === "string") {
      const message = typeof first.message === "string" ? `: ${first.message.slice(0, 300)}` : "";
      return ` ${first.code}${message}`;
    }
  } catch {
    // not an API error body
  }
  return "";
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The 200 answer `{ digest, status, requestedAt, scannedAt?, error?, report? }`. */
function fromReport(body: unknown, url: string): ScanEvidence | undefined {
  const wrong = (what: string) => unavailable(`GET ${url} answered 200 but ${what}`);
  if (!isObject(body) || typeof body.status !== "string") throw wrong("without a scan status");
  if (body.report !== undefined) return scanEvidence(body.report, wrong);
  switch (body.status) {
    case "queued":
    case "running":
      // No report yet: like storedScanSource, not scanned (the policy says so).
      return undefined;
    case "failed": {
      const why = typeof body.error === "string" ? `: ${body.error.slice(0, 1000)}` : "";
      throw new GateError("SCAN_FAILED", `the scan of ${String(body.digest ?? "the image")} failed${why}`);
    }
    default:
      throw wrong(`with status ${JSON.stringify(body.status).slice(0, 40)} and no report`);
  }
}

/**
 * The fields the scan requirement reads, checked rather than trusted, and only those: the evidence
 * cache then holds a small object, and a field the policy never reads cannot fail it.
 */
function scanEvidence(report: unknown, wrong: (what: string) => GateError): ScanEvidence {
  if (!isObject(report)) throw wrong("its report is not an object");
  if (typeof report.scannedAt !== "string") throw wrong("its report has no scannedAt");
  if (!Array.isArray(report.findings)) throw wrong("its report has no findings list");
  const findings = report.findings.map((raw: unknown, i): ScanEvidence["findings"][number] => {
    const bad = (what: string) => wrong(`finding ${i} ${what}`);
    if (!isObject(raw) || typeof raw.id !== "string") throw bad("has no id");
    if (typeof raw.severity !== "string" || !SEVERITIES.has(raw.severity)) throw bad("has no known severity");
    const aliases = raw.aliases;
    if (aliases !== undefined && !(Array.isArray(aliases) && aliases.every((a) => typeof a === "string")))
      throw bad("has aliases that are not strings");
    if (raw.fixedVersion !== undefined && typeof raw.fixedVersion !== "string")
      throw bad("has a fixedVersion that is not a string");
    if (raw.suppressed !== undefined && typeof raw.suppressed !== "boolean")
      throw bad("has a suppressed flag that is not a boolean");
    const pkg = raw.package;
    if (pkg !== undefined && !(isObject(pkg) && typeof pkg.name === "string"))
      throw bad("has a package without a name");
    return {
      id: raw.id,
      severity: raw.severity as ScanEvidence["findings"][number]["severity"],
      ...(aliases !== undefined ? { aliases: aliases as string[] } : {}),
      ...(raw.fixedVersion !== undefined ? { fixedVersion: raw.fixedVersion } : {}),
      ...(raw.suppressed !== undefined ? { suppressed: raw.suppressed } : {}),
      ...(isObject(pkg) ? { package: { name: pkg.name as string } } : {}),
    };
  });
  return { scannedAt: report.scannedAt, findings, ...incompleteOf(report, wrong) };
}

/**
 * `complete` and `incomplete` of a report, checked: a report that says it is incomplete, or lists any
 * reason, is incomplete (the policy fails it unless allowIncomplete). A report from a server before
 * these fields existed has neither and reads as complete, as it did then.
 */
function incompleteOf(
  report: Record<string, unknown>,
  wrong: (what: string) => GateError,
): Pick<ScanEvidence, "incomplete"> {
  const { complete, incomplete } = report;
  if (complete !== undefined && typeof complete !== "boolean")
    throw wrong("has a complete flag that is not a boolean");
  if (incomplete !== undefined && !Array.isArray(incomplete))
    throw wrong("has an incomplete list that is not a list");
  const reasons = (incomplete ?? []).slice(0, 50).map((raw: unknown, i) => {
    if (!isObject(raw) || typeof raw.code !== "string" || typeof raw.message !== "string")
      throw wrong(`incomplete reason ${i} has no code and message`);
    return { code: raw.code.slice(0, 100), message: raw.message.slice(0, 1000) };
  });
  if (complete === false && reasons.length === 0)
    reasons.push({ code: "INCOMPLETE", message: "the server reports the scan as incomplete" });
  return reasons.length > 0 ? { incomplete: reasons } : {};
}
