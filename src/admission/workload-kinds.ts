/**
 * The workload kinds whose pods we check, and where each keeps its pod template
 * (k8s.io/api: core/v1, apps/v1, batch/v1). The paths are the same in every served version
 * (apps/v1beta1, v1beta2, extensions/v1beta1, batch/v1beta1), so a kind is matched by group and
 * kind only. With the webhook's matchPolicy Equivalent the API server converts older versions to the
 * ones we register anyway.
 */

export type WorkloadKind =
  | "Pod"
  | "PodTemplate"
  | "ReplicationController"
  | "Deployment"
  | "ReplicaSet"
  | "StatefulSet"
  | "DaemonSet"
  | "Job"
  | "CronJob";

export interface WorkloadKindInfo {
  kind: WorkloadKind;
  /** API groups that serve the kind ("" is the core group). */
  groups: readonly string[];
  /** The plural resource name, for webhook rules. */
  resource: string;
  /** Path to the object holding the pod's `metadata` and `spec` (the object itself for a Pod). */
  template: readonly string[];
}

export const WORKLOAD_KINDS: readonly WorkloadKindInfo[] = [
  { kind: "Pod", groups: [""], resource: "pods", template: [] },
  { kind: "PodTemplate", groups: [""], resource: "podtemplates", template: ["template"] },
  {
    kind: "ReplicationController",
    groups: [""],
    resource: "replicationcontrollers",
    template: ["spec", "template"],
  },
  {
    kind: "Deployment",
    groups: ["apps", "extensions"],
    resource: "deployments",
    template: ["spec", "template"],
  },
  {
    kind: "ReplicaSet",
    groups: ["apps", "extensions"],
    resource: "replicasets",
    template: ["spec", "template"],
  },
  { kind: "StatefulSet", groups: ["apps"], resource: "statefulsets", template: ["spec", "template"] },
  {
    kind: "DaemonSet",
    groups: ["apps", "extensions"],
    resource: "daemonsets",
    template: ["spec", "template"],
  },
  { kind: "Job", groups: ["batch"], resource: "jobs", template: ["spec", "template"] },
  {
    kind: "CronJob",
    groups: ["batch"],
    resource: "cronjobs",
    template: ["spec", "jobTemplate", "spec", "template"],
  },
];

export function workloadKindInfo(group: string, kind: string): WorkloadKindInfo | undefined {
  return WORKLOAD_KINDS.find((info) => info.kind === kind && info.groups.includes(group));
}
