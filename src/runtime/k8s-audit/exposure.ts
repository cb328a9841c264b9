import type { JsonValue } from "../event.js";
import { isObject } from "../schema-helpers.js";

/**
 * What a pod spec let its containers do, as a bounded summary kept in the `k8s.audit` payload: the
 * timeline's "what it might have done" (issue 15) reads it later, when the spec itself is long gone.
 * Only the fields that widen what a compromised container reaches are kept: privilege and user,
 * added capabilities, host namespaces, hostPath mounts, ports (hostPort above all) and the service
 * account whose token it held. Lists are cut at a fixed length; strings at 253 characters (a DNS name).
 */
const MAX_LIST = 32;
const MAX_TEXT = 253;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.slice(0, MAX_TEXT) : undefined;
}

function flag(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_LIST) : [];
}

function compact(object: Record<string, JsonValue | undefined>): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

function securityContext(value: unknown): { [key: string]: JsonValue } {
  if (!isObject(value)) return {};
  const user = value.runAsUser;
  const capabilities = isObject(value.capabilities) ? value.capabilities : {};
  const added = list(capabilities.add).flatMap((c) => (text(c) ? [text(c)!] : []));
  return compact({
    privileged: flag(value.privileged),
    runAsUser: typeof user === "number" && Number.isSafeInteger(user) ? user : undefined,
    runAsNonRoot: flag(value.runAsNonRoot),
    allowPrivilegeEscalation: flag(value.allowPrivilegeEscalation),
    readOnlyRootFilesystem: flag(value.readOnlyRootFilesystem),
    capabilitiesAdd: added.length > 0 ? added : undefined,
  });
}

function containerOf(value: unknown): JsonValue | undefined {
  if (!isObject(value)) return undefined;
  const ports = list(value.ports).flatMap((p) => {
    if (!isObject(p) || typeof p.containerPort !== "number") return [];
    return [
      compact({
        containerPort: p.containerPort,
        hostPort: typeof p.hostPort === "number" ? p.hostPort : undefined,
        protocol: text(p.protocol),
      }),
    ];
  });
  const mounts = list(value.volumeMounts).flatMap((m) =>
    isObject(m) && text(m.name) && text(m.mountPath)
      ? [compact({ volume: text(m.name), mountPath: text(m.mountPath), readOnly: flag(m.readOnly) })]
      : [],
  );
  return compact({
    name: text(value.name) ?? "",
    securityContext: securityContext(value.securityContext),
    ports: ports.length > 0 ? ports : undefined,
    mounts: mounts.length > 0 ? mounts : undefined,
  });
}

/** The exposure summary of a pod spec, or undefined for something that is not one. */
export function exposureOf(spec: unknown): { [key: string]: JsonValue } | undefined {
  if (!isObject(spec)) return undefined;
  const hostPaths = list(spec.volumes).flatMap((v) =>
    isObject(v) && isObject(v.hostPath) && text(v.hostPath.path)
      ? [{ volume: text(v.name) ?? "", path: text(v.hostPath.path)! }]
      : [],
  );
  const containers = [
    ...list(spec.initContainers),
    ...list(spec.containers),
    ...list(spec.ephemeralContainers),
  ]
    .slice(0, MAX_LIST)
    .flatMap((c) => {
      const summary = containerOf(c);
      return summary === undefined ? [] : [summary];
    });
  return compact({
    hostNetwork: flag(spec.hostNetwork),
    hostPID: flag(spec.hostPID),
    hostIPC: flag(spec.hostIPC),
    serviceAccount: text(spec.serviceAccountName) ?? text(spec.serviceAccount),
    automountServiceAccountToken: flag(spec.automountServiceAccountToken),
    podSecurityContext: securityContext(spec.securityContext),
    hostPaths: hostPaths.length > 0 ? hostPaths : undefined,
    containers,
  });
}
