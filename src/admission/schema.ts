import { z } from "zod";

/**
 * zod schemas for what the admission webhook reads. The AdmissionReview shape follows
 * k8s.io/api/admission/v1 (types.go); v1beta1 has the same fields. Only the fields we use are
 * checked; unknown fields are dropped (the API server adds fields across releases). A field we read
 * must have the right type: a wrong one is a malformed body, never a guess.
 *
 * Go's omitempty drops empty fields, but hand-written clients and older servers send `null`, so every
 * optional field accepts null as "absent".
 */

type IssueInput = { input?: unknown };

function expected(kind: string): (issue: IssueInput) => string {
  return (issue) => (issue.input === undefined ? "is required" : `must be ${kind}`);
}

const str = () => z.string({ error: expected("a string") });
const bool = () => z.boolean({ error: expected("a boolean") });
/** Kubernetes int64 fields (runAsUser) arrive as JSON numbers; only safe integers are meaningful. */
const int = () =>
  z.number({ error: expected("a number") }).refine(Number.isSafeInteger, { message: "must be an integer" });
const stringList = () => z.array(str(), { error: expected("a list of strings") });
/** The first key of `value` whose value is not a string, or undefined. */
function nonStringKey(value: Record<string, unknown>): string | undefined {
  for (const key in value) if (typeof value[key] !== "string") return key;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Labels and annotations: checked in one pass and passed on as they are, not copied entry by entry as
 * z.record would, at about 1 µs an entry (limits.ts bounds how many there are, and the JSON reader
 * has refused `__proto__` keys).
 */
const stringMap = () =>
  z.custom<Record<string, string>>(isObject, { error: expected("a map of strings") }).check((ctx) => {
    const key = nonStringKey(ctx.value);
    if (key === undefined) return;
    ctx.issues.push({ code: "custom", message: "must be a string", input: ctx.value[key], path: [key] });
  });
/**
 * An object passed on unread (the workload, its old version, options): checked to be a JSON object,
 * not copied key by key as z.record would, which costs a step per key.
 */
const object = () => z.custom<Record<string, unknown>>(isObject, { error: expected("an object") });

export const ADMISSION_API_VERSIONS = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const;
export const ADMISSION_OPERATIONS = ["CREATE", "UPDATE", "DELETE", "CONNECT"] as const;

/** A request uid is a UUID in practice; the bound keeps a hostile body from making us echo megabytes. */
const UID_MAX_LENGTH = 256;

const groupVersionKind = z.object(
  { group: str(), version: str(), kind: str().min(1, "must not be empty") },
  { error: expected("an object") },
);
const groupVersionResource = z.object(
  { group: str(), version: str(), resource: str().min(1, "must not be empty") },
  { error: expected("an object") },
);

const userInfo = z.object(
  {
    username: str().nullish(),
    uid: str().nullish(),
    groups: stringList().nullish(),
    extra: z.record(str(), stringList(), { error: expected("a map of string lists") }).nullish(),
  },
  { error: expected("an object") },
);

const admissionRequest = z.object(
  {
    uid: str()
      .min(1, "must not be empty")
      .max(UID_MAX_LENGTH, `must be at most ${UID_MAX_LENGTH} characters`),
    kind: groupVersionKind,
    resource: groupVersionResource,
    subResource: str().nullish(),
    requestKind: groupVersionKind.nullish(),
    requestResource: groupVersionResource.nullish(),
    requestSubResource: str().nullish(),
    name: str().nullish(),
    namespace: str().nullish(),
    operation: z.enum(ADMISSION_OPERATIONS, {
      error: (issue) =>
        issue.input === undefined ? "is required" : `must be one of ${ADMISSION_OPERATIONS.join(", ")}`,
    }),
    userInfo,
    object: object().nullish(),
    oldObject: object().nullish(),
    dryRun: bool().nullish(),
    options: object().nullish(),
  },
  { error: expected("an object") },
);

export const admissionReviewSchema = z.object(
  {
    apiVersion: z.enum(ADMISSION_API_VERSIONS, {
      error: (issue) =>
        issue.input === undefined ? "is required" : `must be ${ADMISSION_API_VERSIONS.join(" or ")}`,
    }),
    kind: z.literal("AdmissionReview", { error: expected('"AdmissionReview"') }),
    request: admissionRequest,
  },
  { error: expected("an object") },
);

export type RawAdmissionReview = z.infer<typeof admissionReviewSchema>;

/** The object metadata fields we read (k8s.io/apimachinery ObjectMeta). */
export const objectMetaSchema = z.object(
  {
    name: str().nullish(),
    generateName: str().nullish(),
    namespace: str().nullish(),
    labels: stringMap().nullish(),
    annotations: stringMap().nullish(),
  },
  { error: expected("an object") },
);

const capabilities = z.object({ add: stringList().nullish() }, { error: expected("an object") });

/** core/v1 SecurityContext (container level), the fields a policy reads. */
export const containerSecurityContextSchema = z.object(
  {
    runAsNonRoot: bool().nullish(),
    runAsUser: int().nullish(),
    runAsGroup: int().nullish(),
    privileged: bool().nullish(),
    allowPrivilegeEscalation: bool().nullish(),
    capabilities: capabilities.nullish(),
  },
  { error: expected("an object") },
);

/** core/v1 PodSecurityContext, the fields a policy reads. */
export const podSecurityContextSchema = z.object(
  { runAsNonRoot: bool().nullish(), runAsUser: int().nullish(), runAsGroup: int().nullish() },
  { error: expected("an object") },
);

/**
 * core/v1 Container (and EphemeralContainer, which has the same image fields). `image` is optional in
 * the API so that workload controllers can default it; an absent image is reported, not refused.
 */
export const containerSchema = z.object(
  {
    name: str().nullish(),
    image: str().nullish(),
    securityContext: containerSecurityContextSchema.nullish(),
  },
  { error: expected("an object") },
);

const containerList = z.array(containerSchema, { error: expected("a list of containers") });

const volume = z.object(
  {
    name: str().nullish(),
    hostPath: z.object({ path: str(), type: str().nullish() }, { error: expected("an object") }).nullish(),
  },
  { error: expected("an object") },
);

/** core/v1 PodSpec, the fields a policy reads. */
export const podSpecSchema = z.object(
  {
    containers: containerList.nullish(),
    initContainers: containerList.nullish(),
    ephemeralContainers: containerList.nullish(),
    hostNetwork: bool().nullish(),
    hostPID: bool().nullish(),
    hostIPC: bool().nullish(),
    volumes: z.array(volume, { error: expected("a list of volumes") }).nullish(),
    serviceAccountName: str().nullish(),
    serviceAccount: str().nullish(),
    securityContext: podSecurityContextSchema.nullish(),
  },
  { error: expected("an object") },
);

export type RawPodSpec = z.infer<typeof podSpecSchema>;
export type RawContainer = z.infer<typeof containerSchema>;
export type RawObjectMeta = z.infer<typeof objectMetaSchema>;

/** "request.userInfo.groups[0]" from a zod issue path, prefixed by where the checked value sits. */
export function issuePath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(document)" : out;
}

/** The first problem of a failed parse as "path: message (and N more problems)". */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  const first = error.issues[0];
  if (first === undefined) return "invalid";
  const more = error.issues.length - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more > 1 ? "s" : ""})` : "";
  return `${issuePath(first.path, prefix)}: ${first.message}${tail}`;
}
