/**
 * How much of a workload the webhook reads. Every decision step runs on the event loop, and the
 * schemas copy and check each label, annotation, container and volume they read, so their number
 * bounds how long one review holds the loop. Kubernetes bounds annotations only by their total size
 * (256 KiB, room for some 80,000 short keys) and the rest only by the object's size (1.5 MiB in etcd):
 * a valid Pod with 40,000 annotations kept the webhook busy for a third of a second, and a hundred
 * containers with them for seventeen (issue 22). The limits are far above what workloads carry; a
 * workload past one is refused, which denies it (fail closed), with the reason.
 *
 * Counting is done on the parsed JSON before any schema reads it: `Object.keys` of one object costs
 * little even at the JSON reader's 100,000 members (core/json.ts).
 */
export const WORKLOAD_LIMITS = {
  /** Annotations of one metadata (the workload's, and its pod template's). */
  annotations: 1024,
  /** Labels of one metadata. */
  labels: 1024,
  /** Containers, init containers and ephemeral containers together. */
  containers: 256,
  /** Capabilities added, over every container. */
  capabilities: 1024,
  volumes: 1024,
} as const;

/**
 * Group names and extra values of the requesting user, together. The API server fills them in from
 * authentication (a few, or hundreds for a user of many groups); a review over the limit is refused as
 * malformed (REVIEW_INVALID) before the schema walks it, as only a caller other than the API server
 * sends one.
 */
export const USER_INFO_MAX_STRINGS = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return isRecord(value) ? Object.keys(value).length : 0;
}

function metadataOver(metadata: unknown, where: string): string | undefined {
  if (!isRecord(metadata)) return undefined;
  for (const field of ["annotations", "labels"] as const) {
    const n = count(metadata[field]);
    if (n > WORKLOAD_LIMITS[field]) {
      return `${where}.${field} has ${n} entries; at most ${WORKLOAD_LIMITS[field]} are read`;
    }
  }
  return undefined;
}

function specOver(spec: unknown, where: string): string | undefined {
  if (!isRecord(spec)) return undefined;
  let containers = 0;
  let capabilities = 0;
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    containers += list.length;
    if (containers > WORKLOAD_LIMITS.containers) {
      return `${where} has more than ${WORKLOAD_LIMITS.containers} containers (of all kinds); no more are read`;
    }
    for (const c of list) {
      const context = isRecord(c) ? c.securityContext : undefined;
      const caps = isRecord(context) ? context.capabilities : undefined;
      capabilities += isRecord(caps) ? count(caps.add) : 0;
    }
  }
  if (capabilities > WORKLOAD_LIMITS.capabilities) {
    return `${where} adds ${capabilities} capabilities in its containers; at most ${WORKLOAD_LIMITS.capabilities} are read`;
  }
  const volumes = count(spec.volumes);
  if (volumes > WORKLOAD_LIMITS.volumes) {
    return `${where}.volumes has ${volumes} entries; at most ${WORKLOAD_LIMITS.volumes} are read`;
  }
  return undefined;
}

/**
 * Why `object` (a workload whose pod template is at `template`) is past WORKLOAD_LIMITS, or undefined.
 * Fields of the wrong type count for nothing here: the schemas refuse them afterwards.
 */
export function overLimits(object: Record<string, unknown>, template: readonly string[]): string | undefined {
  const own = metadataOver(object.metadata, "metadata");
  if (own !== undefined) return own;
  let pod: unknown = object;
  for (const token of template) pod = isRecord(pod) ? pod[token] : undefined;
  if (!isRecord(pod)) return undefined;
  const prefix = template.length === 0 ? "" : `${template.join(".")}.`;
  return metadataOver(pod.metadata, `${prefix}metadata`) ?? specOver(pod.spec, `${prefix}spec`);
}

/** Why a decoded review's request.userInfo is past USER_INFO_MAX_STRINGS, or undefined. */
export function userInfoOverLimit(body: unknown): string | undefined {
  const request = isRecord(body) ? body.request : undefined;
  const userInfo = isRecord(request) ? request.userInfo : undefined;
  if (!isRecord(userInfo)) return undefined;
  let strings = count(userInfo.groups);
  const extra = userInfo.extra;
  if (isRecord(extra)) for (const key in extra) strings += 1 + count(extra[key]);
  return strings > USER_INFO_MAX_STRINGS
    ? `request.userInfo holds ${strings} groups, extra keys and values; at most ${USER_INFO_MAX_STRINGS} are read`
    : undefined;
}
