import { toWireError, type WireError } from "../../errors.js";

/** google.rpc.Code numbers, and the HTTP status each maps to (google/rpc/code.proto). */
export const RPC_CODES = {
  INVALID_ARGUMENT: { code: 3, status: 400 },
  DEADLINE_EXCEEDED: { code: 4, status: 504 },
  NOT_FOUND: { code: 5, status: 404 },
  ALREADY_EXISTS: { code: 6, status: 409 },
  PERMISSION_DENIED: { code: 7, status: 403 },
  RESOURCE_EXHAUSTED: { code: 8, status: 429 },
  OUT_OF_RANGE: { code: 11, status: 400 },
  UNIMPLEMENTED: { code: 12, status: 501 },
  INTERNAL: { code: 13, status: 500 },
  UNAVAILABLE: { code: 14, status: 503 },
  UNAUTHENTICATED: { code: 16, status: 401 },
} as const;

type RpcName = keyof typeof RPC_CODES;

/** Our wire statuses as google.rpc codes; a status not listed is INVALID_ARGUMENT below 500, else INTERNAL. */
const BY_STATUS: Record<number, RpcName> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "UNIMPLEMENTED",
  408: "DEADLINE_EXCEEDED",
  409: "ALREADY_EXISTS",
  413: "INVALID_ARGUMENT",
  415: "INVALID_ARGUMENT",
  416: "OUT_OF_RANGE",
  429: "RESOURCE_EXHAUSTED",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
};

/** google.rpc.Status as grafeas.swagger.json's `googlerpcStatus` defines it. */
export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly { readonly "@type": string; readonly [key: string]: unknown }[];
}

/**
 * An error of the Grafeas API in Google's shape, not ours: Grafeas clients (grafeas-go, gcloud-style
 * tools) decode `{code, message, details}` with a gRPC code and expect the HTTP status that code maps
 * to. The one error table (server/errors.ts) still decides what an error is; this only re-dresses it,
 * keeping our code as the ErrorInfo `reason` and the challenge and Retry-After headers.
 */
export function toRpcStatus(err: unknown): {
  status: number;
  body: RpcStatus;
  headers?: WireError["headers"];
} {
  const wire = toWireError(err);
  const name = BY_STATUS[wire.status] ?? (wire.status < 500 ? "INVALID_ARGUMENT" : "INTERNAL");
  const rpc = RPC_CODES[name];
  const first = wire.body.errors[0] ?? { code: "UNKNOWN", message: "internal error" };
  const metadata = stringValues(first.detail);
  return {
    status: rpc.status,
    body: {
      code: rpc.code,
      message: first.message,
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: first.code,
          domain: "portcullis",
          ...(metadata ? { metadata } : {}),
        },
      ],
    },
    ...(wire.headers ? { headers: wire.headers } : {}),
  };
}

/** ErrorInfo.metadata is a map of strings: a detail object's scalar fields, as text. */
function stringValues(detail: unknown): Record<string, string> | undefined {
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[key] = String(value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
