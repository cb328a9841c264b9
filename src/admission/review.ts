import { AdmissionError } from "./errors.js";
import { userInfoOverLimit } from "./limits.js";
import {
  type ADMISSION_API_VERSIONS,
  type ADMISSION_OPERATIONS,
  admissionReviewSchema,
  describeIssues,
} from "./schema.js";

/**
 * AdmissionReview requests, admission.k8s.io/v1 and v1beta1 (k8s.io/api/admission/v1/types.go). The
 * two versions carry the same request fields; the response must echo the version it was asked in.
 */

export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];
export type AdmissionOperation = (typeof ADMISSION_OPERATIONS)[number];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** authentication.k8s.io/v1 UserInfo: who sent the request to the API server. */
export interface AdmissionUserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: AdmissionUserInfo;
  /** The new object (CREATE, UPDATE, CONNECT options aside); absent on DELETE. */
  object?: Record<string, unknown>;
  /** The existing object (UPDATE, DELETE). */
  oldObject?: Record<string, unknown>;
  /** Dry-run requests must have no side effects; our webhooks declare sideEffects: None. */
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions of the operation. */
  options?: Record<string, unknown>;
}

export interface AdmissionReview {
  apiVersion: AdmissionApiVersion;
  request: AdmissionRequest;
}

/** Bodies above this are refused before parsing: an object is at most ~1.5 MiB in etcd, and a review holds two. */
export const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

function invalid(message: string, options: { cause?: unknown; detail?: unknown } = {}): AdmissionError {
  return new AdmissionError("REVIEW_INVALID", `malformed AdmissionReview: ${message}`, options);
}

/**
 * Validates a decoded JSON body as an AdmissionReview v1 or v1beta1 request. Throws AdmissionError
 * REVIEW_INVALID naming the first offending field; never anything else.
 */
export function parseAdmissionReview(body: unknown): AdmissionReview {
  const over = userInfoOverLimit(body);
  if (over !== undefined) throw invalid(over);
  const result = admissionReviewSchema.safeParse(body);
  if (!result.success) {
    throw invalid(describeIssues(result.error), {
      detail: result.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  const raw = result.data;
  const r = raw.request;
  const request: AdmissionRequest = {
    uid: r.uid,
    kind: r.kind,
    resource: r.resource,
    operation: r.operation,
    userInfo: {
      username: r.userInfo.username ?? "",
      groups: r.userInfo.groups ?? [],
      extra: r.userInfo.extra ?? {},
    },
    dryRun: r.dryRun ?? false,
  };
  if (r.userInfo.uid != null) request.userInfo.uid = r.userInfo.uid;
  if (r.subResource != null && r.subResource !== "") request.subResource = r.subResource;
  if (r.requestKind != null) request.requestKind = r.requestKind;
  if (r.requestResource != null) request.requestResource = r.requestResource;
  if (r.requestSubResource != null && r.requestSubResource !== "") {
    request.requestSubResource = r.requestSubResource;
  }
  if (r.name != null && r.name !== "") request.name = r.name;
  if (r.namespace != null && r.namespace !== "") request.namespace = r.namespace;
  if (r.object != null) request.object = r.object;
  if (r.oldObject != null) request.oldObject = r.oldObject;
  if (r.options != null) request.options = r.options;
  return { apiVersion: raw.apiVersion, request };
}

/**
 * Decodes and validates a raw body (bytes or text). For servers that do not parse JSON themselves;
 * refuses bodies over `maxBytes` and anything that is not JSON with REVIEW_INVALID.
 */
export function parseAdmissionReviewJson(
  body: string | Uint8Array,
  maxBytes: number = MAX_REVIEW_BYTES,
): AdmissionReview {
  const size = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.byteLength;
  if (size > maxBytes) throw invalid(`body is ${size} bytes; the limit is ${maxBytes}`);
  const text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: false }).decode(body);
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (err) {
    throw invalid("body is not JSON", { cause: err });
  }
  return parseAdmissionReview(decoded);
}
