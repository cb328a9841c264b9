import { isPortcullisError, PortcullisError } from "../core/index.js";

/**
 * The one table from domain error codes to wire errors: the HTTP status and the OCI distribution
 * error code (spec.md, "Error Codes"). Nothing else in the code base picks a status for an error.
 *
 * Every error answer of `serve`, under /v2/ and /api/ alike, has one shape, the distribution spec's:
 * `{"errors": [{"code", "message", "detail"?}]}`. The management API's own codes (below the OCI ones)
 * are documented in README's "Management API" part. The Grafeas API (/v1/projects/) re-dresses the same
 * answer as google.rpc.Status (api/grafeas/errors.ts).
 */
const TABLE: Record<string, { status: number; code: string }> = {
  BLOB_UNKNOWN: { status: 404, code: "BLOB_UNKNOWN" },
  BLOB_UPLOAD_INVALID: { status: 400, code: "BLOB_UPLOAD_INVALID" },
  BLOB_UPLOAD_UNKNOWN: { status: 404, code: "BLOB_UPLOAD_UNKNOWN" },
  DIGEST_INVALID: { status: 400, code: "DIGEST_INVALID" },
  DIGEST_UNSUPPORTED: { status: 400, code: "DIGEST_INVALID" },
  MANIFEST_BLOB_UNKNOWN: { status: 400, code: "MANIFEST_BLOB_UNKNOWN" },
  MANIFEST_INVALID: { status: 400, code: "MANIFEST_INVALID" },
  MANIFEST_UNKNOWN: { status: 404, code: "MANIFEST_UNKNOWN" },
  MANIFEST_TOO_LARGE: { status: 413, code: "MANIFEST_INVALID" },
  NAME_INVALID: { status: 400, code: "NAME_INVALID" },
  NAME_UNKNOWN: { status: 404, code: "NAME_UNKNOWN" },
  SIZE_INVALID: { status: 400, code: "SIZE_INVALID" },
  TAG_INVALID: { status: 400, code: "TAG_INVALID" },
  RANGE_INVALID: { status: 416, code: "BLOB_UPLOAD_INVALID" },
  UNSUPPORTED: { status: 405, code: "UNSUPPORTED" },
  UNAUTHORIZED: { status: 401, code: "UNAUTHORIZED" },
  RETENTION_INVALID: { status: 400, code: "INVALID_ARGUMENT" },
  GC_RUNNING: { status: 409, code: "CONFLICT" },
  // The identity domain (auth/).
  UNAUTHENTICATED: { status: 401, code: "UNAUTHORIZED" },
  TOKEN_INVALID: { status: 401, code: "UNAUTHORIZED" },
  THROTTLED: { status: 429, code: "TOOMANYREQUESTS" },
  SCOPE_INVALID: { status: 400, code: "INVALID_ARGUMENT" },
  INVALID: { status: 400, code: "INVALID_ARGUMENT" },
  CONFLICT: { status: 409, code: "CONFLICT" },
  DENIED: { status: 403, code: "DENIED" },
  INVALID_PATH: { status: 400, code: "NAME_INVALID" },
  // Connection caps and body timeouts (limits.ts). UNAVAILABLE is Distribution's code for 503.
  CONNECTION_LIMIT: { status: 503, code: "UNAVAILABLE" },
  ADDRESS_CONNECTION_LIMIT: { status: 429, code: "TOOMANYREQUESTS" },
  BODY_TIMEOUT: { status: 408, code: "BLOB_UPLOAD_INVALID" },
  // A request the HTTP parser refused (raw bytes outside the URL grammar, a malformed header).
  BAD_REQUEST: { status: 400, code: "BAD_REQUEST" },
  // The management API (/api/v1/).
  NOT_FOUND: { status: 404, code: "NOT_FOUND" },
  INVALID_ARGUMENT: { status: 400, code: "INVALID_ARGUMENT" },
  AUDIT_LOG_EMPTY: { status: 404, code: "AUDIT_LOG_EMPTY" },
  NOT_AN_IMAGE: { status: 404, code: "NOT_AN_IMAGE" },
  SCAN_UNKNOWN: { status: 404, code: "SCAN_UNKNOWN" },
  SCANNING_OFF: { status: 409, code: "SCANNING_OFF" },
  // Notifications (app/notifications): a webhook URL the SSRF guard refuses.
  WEBHOOK_URL_REFUSED: { status: 400, code: "INVALID_ARGUMENT" },
  RATE_LIMITED: { status: 429, code: "TOOMANYREQUESTS" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  // The pull-through cache (proxy/): the allowlist's refusal and a pending scan say why; an upstream that
  // cannot answer for content not cached here is Distribution's 503.
  PROXY_DENIED: { status: 403, code: "DENIED" },
  PROXY_SCAN_PENDING: { status: 403, code: "DENIED" },
  PROXY_INVALID: { status: 400, code: "INVALID_ARGUMENT" },
  UPSTREAM_UNAVAILABLE: { status: 503, code: "UNAVAILABLE" },
  // Runtime ingestion (runtime/): a malformed body, or one past a bound; nothing of it is stored.
  RUNTIME_INPUT_INVALID: { status: 400, code: "INVALID_ARGUMENT" },
  RUNTIME_INPUT_TOO_LARGE: { status: 413, code: "SIZE_INVALID" },
};

export type ServerErrorCode =
  | "BAD_REQUEST"
  | "CONFLICT"
  | "NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "AUDIT_LOG_EMPTY"
  | "NOT_AN_IMAGE"
  | "SCAN_UNKNOWN"
  | "SCANNING_OFF"
  | "RATE_LIMITED"
  | "UNSUPPORTED"
  | "UNSUPPORTED_MEDIA_TYPE";

/**
 * 401 with the challenge a client needs to authenticate (`WWW-Authenticate`): built by authorize.ts,
 * written by the error handler through `toWireError(...).headers`.
 */
export class AuthenticationChallenge extends PortcullisError<"UNAUTHORIZED"> {
  constructor(
    message: string,
    readonly challenge: string,
    detail?: unknown,
  ) {
    super("UNAUTHORIZED", message, detail === undefined ? {} : { detail });
  }
}

/** An error the HTTP layer itself raises (an unknown endpoint, a bad query): mapped by the table above. */
export class ServerError extends PortcullisError<ServerErrorCode> {}

export interface WireError {
  readonly status: number;
  readonly body: { errors: Array<{ code: string; message: string; detail?: unknown }> };
  /** Response headers the error needs (a 401's challenge, a 429's Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function toWireError(err: unknown): WireError {
  if (isPortcullisError(err)) {
    const entry = TABLE[err.code];
    if (entry) {
      const retryAfter = (err.detail as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      const headers: Record<string, string> = {
        ...(err instanceof AuthenticationChallenge ? { "www-authenticate": err.challenge } : {}),
        ...(typeof retryAfter === "number" ? { "retry-after": String(retryAfter) } : {}),
      };
      return {
        status: entry.status,
        body: {
          errors: [{ code: entry.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) }],
        },
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      };
    }
  }
  const status = fastifyStatus(err);
  if (status !== undefined && status < 500) {
    const code = status === 413 ? "SIZE_INVALID" : status === 404 ? "NAME_UNKNOWN" : "UNSUPPORTED";
    return { status, body: { errors: [{ code, message: (err as Error).message }] } };
  }
  return { status: 500, body: { errors: [{ code: "UNKNOWN", message: "internal error" }] } };
}

function fastifyStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

export function ociError(status: number, code: string, message: string): WireError {
  return { status, body: { errors: [{ code, message }] } };
}
