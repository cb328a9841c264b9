import { parseImageReference } from "../../oci/index.js";
import { RuntimeError } from "../errors.js";
import type { JsonValue } from "../event.js";
import { RUNTIME_LIMITS } from "../limits.js";
import { describeIssues, isObject } from "../schema-helpers.js";
import { podSpecSchema } from "./schema.js";

/**
 * The workload resources whose changes we record, with their API group (a custom resource that happens
 * to be called `deployments` in another group is not one of them) and where each keeps its pod spec.
 */
const WORKLOAD_RESOURCES: Record<string, { group: string; kind: string; podSpec: readonly string[] }> = {
  pods: { group: "", kind: "pod", podSpec: ["spec"] },
  replicationcontrollers: { group: "", kind: "replicationcontroller", podSpec: ["spec", "template", "spec"] },
  deployments: { group: "apps", kind: "deployment", podSpec: ["spec", "template", "spec"] },
  replicasets: { group: "apps", kind: "replicaset", podSpec: ["spec", "template", "spec"] },
  statefulsets: { group: "apps", kind: "statefulset", podSpec: ["spec", "template", "spec"] },
  daemonsets: { group: "apps", kind: "daemonset", podSpec: ["spec", "template", "spec"] },
  jobs: { group: "batch", kind: "job", podSpec: ["spec", "template", "spec"] },
  cronjobs: { group: "batch", kind: "cronjob", podSpec: ["spec", "jobTemplate", "spec", "template", "spec"] },
};

const CHANGE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);
/** Streams into a pod. kubectl sends them as POST (create), or as GET (get) over WebSockets since 1.30. */
const POD_STREAMS = new Set(["exec", "attach", "portforward"]);
/** Subresources that change what runs: `kubectl debug` adds ephemeral containers, scale changes replicas. */
const CHANGING_SUBRESOURCES = new Set(["ephemeralcontainers", "scale"]);

export interface WorkloadAction {
  /** Singular lowercase kind: pod, deployment, … */
  readonly kind: string;
  /** The verb, or the stream (exec, attach, portforward) for a pod's streams. */
  readonly action: string;
}

/** What a recorded event did to which kind of workload, or undefined when we do not record it. */
export function workloadAction(
  resource: string,
  apiGroup: string,
  verb: string,
  subresource: string | undefined,
): WorkloadAction | undefined {
  const known = WORKLOAD_RESOURCES[resource];
  if (known === undefined || known.group !== apiGroup) return undefined;
  if (subresource === undefined)
    return CHANGE_VERBS.has(verb) ? { kind: known.kind, action: verb } : undefined;
  if (resource === "pods" && POD_STREAMS.has(subresource) && (verb === "create" || verb === "get")) {
    return { kind: known.kind, action: subresource };
  }
  if (CHANGING_SUBRESOURCES.has(subresource) && (verb === "update" || verb === "patch")) {
    return { kind: known.kind, action: `${verb} ${subresource}` };
  }
  return undefined;
}

export interface ContainerImage {
  readonly container: string;
  readonly image: string;
  /** Set when the reference is pinned by digest: then the runtime runs exactly that. */
  readonly digest?: string;
}

function at(value: unknown, path: readonly string[]): unknown {
  let here = value;
  for (const key of path) {
    if (!isObject(here)) return undefined;
    here = here[key];
  }
  return here;
}

function imageOf(container: string, image: string): ContainerImage {
  try {
    const reference = parseImageReference(image);
    return reference.digest === undefined
      ? { container, image }
      : { container, image, digest: reference.digest };
  } catch {
    // A reference the runtime would refuse still says what was asked for; it just names no digest.
    return { container, image };
  }
}

/**
 * The images of the pod spec inside a workload object (a Pod, or a controller's pod template). Refuses
 * a spec whose container lists are not lists of containers, or past the container bound.
 */
export function imagesOf(resource: string, object: Record<string, unknown>, where: string): ContainerImage[] {
  const known = WORKLOAD_RESOURCES[resource];
  if (known === undefined) return [];
  const spec = at(object, known.podSpec);
  if (spec == null) return [];
  const result = podSpecSchema.safeParse(spec);
  if (!result.success) {
    throw new RuntimeError(
      "RUNTIME_INPUT_INVALID",
      `malformed audit EventList: ${describeIssues(result.error, `${where}.${known.podSpec.join(".")}`)}`,
    );
  }
  const { containers, initContainers, ephemeralContainers } = result.data;
  const all = [...(initContainers ?? []), ...(containers ?? []), ...(ephemeralContainers ?? [])];
  if (all.length > RUNTIME_LIMITS.containers) {
    throw new RuntimeError(
      "RUNTIME_INPUT_TOO_LARGE",
      `${where}: ${all.length} containers in one pod spec (at most ${RUNTIME_LIMITS.containers})`,
    );
  }
  return all.flatMap((c) => (c.image == null || c.image === "" ? [] : [imageOf(c.name ?? "", c.image)]));
}

/** The pod spec inside a workload object, unchecked (undefined for other resources). */
export function podSpecOf(resource: string, object: Record<string, unknown>): unknown {
  const known = WORKLOAD_RESOURCES[resource];
  return known === undefined ? undefined : at(object, known.podSpec);
}

/** The name a created object got (generateName is resolved only in the response). */
export function objectName(object: Record<string, unknown> | undefined): string | undefined {
  const name = at(object, ["metadata", "name"]);
  return typeof name === "string" && name !== "" && name.length <= 253 ? name : undefined;
}

/** The controller that owns a pod (its ReplicaSet, Job, …), which links the pod to who deployed it. */
export function ownerOf(object: Record<string, unknown> | undefined): JsonValue | undefined {
  const owners = at(object, ["metadata", "ownerReferences"]);
  if (!Array.isArray(owners)) return undefined;
  for (const owner of owners.slice(0, 16)) {
    if (!isObject(owner) || owner.controller !== true) continue;
    const { kind, name } = owner;
    if (typeof kind === "string" && typeof name === "string" && kind.length <= 253 && name.length <= 253) {
      return { kind, name };
    }
  }
  return undefined;
}
