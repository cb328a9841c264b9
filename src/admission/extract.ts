import type { z } from "zod";
import { AdmissionError } from "./errors.js";
import type {
  AdmissionFacts,
  ContainerImage,
  ContainerSecurityFacts,
  ContainerType,
  HostPathVolume,
  PodSecurityFacts,
} from "./facts.js";
import { normaliseImage } from "./image-reference.js";
import { jsonPointer } from "./json-pointer.js";
import { overLimits } from "./limits.js";
import type { AdmissionReview } from "./review.js";
import {
  describeIssues,
  objectMetaSchema,
  podSpecSchema,
  type RawContainer,
  type RawObjectMeta,
  type RawPodSpec,
} from "./schema.js";
import { type WorkloadKindInfo, workloadKindInfo } from "./workload-kinds.js";

/**
 * From an AdmissionReview to the facts a policy decides on: which images a workload would run, where
 * each is written, and the pod's security settings. The kind comes from request.kind (the version the
 * webhook registered for), and the object must agree with it.
 */

const CONTAINER_LISTS: readonly [ContainerType, "containers" | "initContainers" | "ephemeralContainers"][] = [
  ["container", "containers"],
  ["initContainer", "initContainers"],
  ["ephemeralContainer", "ephemeralContainers"],
];

function objectInvalid(message: string): AdmissionError {
  return new AdmissionError("OBJECT_INVALID", message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `tokens` inside `root`, or undefined when a step is missing; a non-object step is invalid. */
function at(root: Record<string, unknown>, tokens: readonly string[], kind: string): unknown {
  let value: unknown = root;
  for (const [i, token] of tokens.entries()) {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      throw objectInvalid(`${kind} field ${tokens.slice(0, i).join(".")} must be an object`);
    }
    value = value[token];
  }
  return value;
}

function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw objectInvalid(`invalid workload object: ${describeIssues(result.error, where)}`);
}

function containerSecurity(c: RawContainer): ContainerSecurityFacts {
  const sc = c.securityContext;
  const facts: ContainerSecurityFacts = { capabilitiesAdd: sc?.capabilities?.add ?? [] };
  if (sc?.runAsNonRoot != null) facts.runAsNonRoot = sc.runAsNonRoot;
  if (sc?.runAsUser != null) facts.runAsUser = sc.runAsUser;
  if (sc?.runAsGroup != null) facts.runAsGroup = sc.runAsGroup;
  if (sc?.privileged != null) facts.privileged = sc.privileged;
  if (sc?.allowPrivilegeEscalation != null) facts.allowPrivilegeEscalation = sc.allowPrivilegeEscalation;
  return facts;
}

function podSecurity(spec: RawPodSpec): PodSecurityFacts {
  const facts: PodSecurityFacts = {};
  if (spec.securityContext?.runAsNonRoot != null) facts.runAsNonRoot = spec.securityContext.runAsNonRoot;
  if (spec.securityContext?.runAsUser != null) facts.runAsUser = spec.securityContext.runAsUser;
  if (spec.securityContext?.runAsGroup != null) facts.runAsGroup = spec.securityContext.runAsGroup;
  return facts;
}

function imagesOf(spec: RawPodSpec, specTokens: readonly string[], pod: PodSecurityFacts): ContainerImage[] {
  const images: ContainerImage[] = [];
  for (const [containerType, field] of CONTAINER_LISTS) {
    for (const [index, c] of (spec[field] ?? []).entries()) {
      const image = c.image ?? "";
      const securityContext = containerSecurity(c);
      const effective: ContainerImage["effective"] = {};
      const runAsNonRoot = securityContext.runAsNonRoot ?? pod.runAsNonRoot;
      const runAsUser = securityContext.runAsUser ?? pod.runAsUser;
      const runAsGroup = securityContext.runAsGroup ?? pod.runAsGroup;
      if (runAsNonRoot !== undefined) effective.runAsNonRoot = runAsNonRoot;
      if (runAsUser !== undefined) effective.runAsUser = runAsUser;
      if (runAsGroup !== undefined) effective.runAsGroup = runAsGroup;
      const entry: ContainerImage = {
        containerType,
        containerName: c.name ?? "",
        index,
        path: jsonPointer([...specTokens, field, index, "image"]),
        image,
        securityContext,
        effective,
        changed: true,
      };
      const normalised = normaliseImage(image);
      if (normalised.ok) {
        entry.reference = normalised.reference;
        entry.canonical = normalised.canonical;
      } else {
        entry.referenceError = normalised.error;
      }
      images.push(entry);
    }
  }
  return images;
}

function hostPaths(spec: RawPodSpec, specTokens: readonly string[]): HostPathVolume[] {
  const found: HostPathVolume[] = [];
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    if (volume.hostPath == null) continue;
    found.push({
      name: volume.name ?? "",
      path: volume.hostPath.path,
      pointer: jsonPointer([...specTokens, "volumes", i]),
    });
  }
  return found;
}

interface PodParts {
  meta: RawObjectMeta;
  spec: RawPodSpec;
  specTokens: string[];
}

function podParts(object: Record<string, unknown>, info: WorkloadKindInfo): PodParts {
  const template = at(object, info.template, info.kind);
  const where = info.template.length === 0 ? "" : info.template.join(".");
  if (!isRecord(template)) {
    throw objectInvalid(`${info.kind} has no pod template at ${where}`);
  }
  const spec = check(podSpecSchema, template.spec ?? {}, `${where === "" ? "" : `${where}.`}spec`);
  const meta = check(objectMetaSchema, template.metadata ?? {}, `${where === "" ? "" : `${where}.`}metadata`);
  return { meta, spec, specTokens: [...info.template, "spec"] };
}

/**
 * Images of the old object by path, to mark unchanged ones on UPDATE; empty when it cannot be read
 * (or is past WORKLOAD_LIMITS).
 */
function oldImages(old: Record<string, unknown> | undefined, info: WorkloadKindInfo): Map<string, string> {
  const byPath = new Map<string, string>();
  if (old === undefined || overLimits(old, info.template) !== undefined) return byPath;
  try {
    const { spec, specTokens } = podParts(old, info);
    for (const image of imagesOf(spec, specTokens, {})) byPath.set(image.path, image.image);
  } catch {
    // An unreadable old object only means every image counts as changed: the safe side.
  }
  return byPath;
}

export interface ExtractOptions {
  /**
   * Why the review's body was not read whole (the JSON reader dropped members past its limit): a
   * workload to check is then refused unread with this reason, as one past WORKLOAD_LIMITS is.
   */
  readonly incomplete?: string;
}

/**
 * The facts of a review: a workload (its images and pod settings), a review with nothing to check
 * (unknown kind, DELETE, CONNECT, no object), which the server must allow, or a workload refused
 * unread for being past WORKLOAD_LIMITS (or read incompletely). Throws AdmissionError OBJECT_INVALID
 * when the object contradicts the request or a field we read has the wrong type.
 */
export function extractFacts(review: AdmissionReview, options: ExtractOptions = {}): AdmissionFacts {
  const request = review.request;
  const skip = (reason: string): AdmissionFacts => ({
    type: "skipped",
    reason,
    kind: request.kind,
    operation: request.operation,
  });
  const info = workloadKindInfo(request.kind.group, request.kind.kind);
  const gvk = `${request.kind.group === "" ? "" : `${request.kind.group}/`}${request.kind.version} ${request.kind.kind}`;
  if (info === undefined) return skip(`${gvk} is not a workload kind; nothing to check`);
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
    return skip(`${request.operation} of a ${info.kind} starts no container; nothing to check`);
  }
  const object = request.object;
  if (object === undefined) throw objectInvalid(`${request.operation} of a ${info.kind} has no object`);
  if (object.kind !== undefined && object.kind !== request.kind.kind) {
    throw objectInvalid(`the object's kind ${JSON.stringify(object.kind)} is not the request's ${info.kind}`);
  }
  // Counted before any schema reads them (limits.ts): what is past the limits is never walked.
  const over = options.incomplete ?? overLimits(object, info.template);
  if (over !== undefined) {
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 253) : "");
    return {
      type: "refused",
      reason: `${info.kind} refused unread: ${over} (see docs/threat-model.md)`,
      kind: info.kind,
      namespace: request.namespace ?? text(metadata.namespace),
      name: text(metadata.name) || request.name || `${text(metadata.generateName)}*`,
    };
  }

  const meta = check(objectMetaSchema, object.metadata ?? {}, "metadata");
  const pod = podParts(object, info);
  const podSecurityFacts = podSecurity(pod.spec);
  const images = imagesOf(pod.spec, pod.specTokens, podSecurityFacts);
  if (request.operation === "UPDATE") {
    const before = oldImages(request.oldObject, info);
    for (const image of images) image.changed = before.get(image.path) !== image.image;
  }

  const spec = pod.spec;
  const serviceAccountName =
    spec.serviceAccountName != null && spec.serviceAccountName !== ""
      ? spec.serviceAccountName
      : spec.serviceAccount != null && spec.serviceAccount !== ""
        ? spec.serviceAccount
        : "default";
  const facts: AdmissionFacts = {
    type: "workload",
    kind: info.kind,
    apiVersion: `${request.kind.group === "" ? "" : `${request.kind.group}/`}${request.kind.version}`,
    name: meta.name || request.name || "",
    namespace: request.namespace ?? meta.namespace ?? "",
    operation: request.operation,
    dryRun: request.dryRun,
    userInfo: request.userInfo,
    serviceAccountName,
    annotations: meta.annotations ?? {},
    labels: meta.labels ?? {},
    podSpecPath: jsonPointer(pod.specTokens),
    pod: {
      hostNetwork: spec.hostNetwork ?? false,
      hostPID: spec.hostPID ?? false,
      hostIPC: spec.hostIPC ?? false,
      hostPathVolumes: hostPaths(spec, pod.specTokens),
      securityContext: podSecurityFacts,
      annotations: pod.meta.annotations ?? {},
      labels: pod.meta.labels ?? {},
    },
    images,
  };
  if (meta.generateName != null && meta.generateName !== "") facts.generateName = meta.generateName;
  return facts;
}
