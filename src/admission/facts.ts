import type { ImageReference } from "../oci/index.js";
import type { AdmissionOperation, AdmissionUserInfo, GroupVersionKind } from "./review.js";
import type { WorkloadKind } from "./workload-kinds.js";

/** What the policy engine is told about a workload under admission: plain data, no Kubernetes types. */

export type ContainerType = "container" | "initContainer" | "ephemeralContainer";

/** The container-level securityContext fields a policy reads, as written (absent when unset). */
export interface ContainerSecurityFacts {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilitiesAdd: string[];
}

/** The pod-level securityContext fields a policy reads, as written. */
export interface PodSecurityFacts {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
}

export interface ContainerImage {
  containerType: ContainerType;
  containerName: string;
  /** Index in its list (containers, initContainers or ephemeralContainers). */
  index: number;
  /** JSON pointer (RFC 6901) of the image field, e.g. /spec/template/spec/containers/0/image. */
  path: string;
  /** The image string as written in the object ("" when absent). */
  image: string;
  /** Normalised reference (docker.io/library/..., :latest when neither tag nor digest); absent if unparsable. */
  reference?: ImageReference;
  /** `formatImageReference(reference)`, fully qualified. */
  canonical?: string;
  /** Why `image` is not a valid reference; a policy should deny such an image. */
  referenceError?: string;
  securityContext: ContainerSecurityFacts;
  /** The values in force: the container's field, else the pod's (core/v1 SecurityContext precedence). */
  effective: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
  /** False on UPDATE when the old object had the same image at the same path. */
  changed: boolean;
}

export interface HostPathVolume {
  name: string;
  path: string;
  /** JSON pointer of the volume. */
  pointer: string;
}

export interface PodFacts {
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  hostPathVolumes: HostPathVolume[];
  securityContext: PodSecurityFacts;
  /** The pod template's annotations (the object's own for a Pod): what pods created from it carry. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

export interface WorkloadFacts {
  type: "workload";
  kind: WorkloadKind;
  /** group/version as requested, e.g. "apps/v1", "v1". */
  apiVersion: string;
  /** metadata.name, else the request's name; "" for a pod named by generateName. */
  name: string;
  generateName?: string;
  namespace: string;
  operation: AdmissionOperation;
  dryRun: boolean;
  userInfo: AdmissionUserInfo;
  /** spec.serviceAccountName, else the deprecated spec.serviceAccount, else "default". */
  serviceAccountName: string;
  /** The workload object's own annotations (where a break-glass annotation is set). */
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** JSON pointer of the pod spec, e.g. /spec/template/spec. */
  podSpecPath: string;
  pod: PodFacts;
  images: ContainerImage[];
}

/** A review with nothing to check: the server answers allowed: true (see reason). */
export interface SkippedReview {
  type: "skipped";
  reason: string;
  kind: GroupVersionKind;
  operation: AdmissionOperation;
}

/**
 * A workload past WORKLOAD_LIMITS (limits.ts), left unread: the validating webhook denies it with the
 * reason, the mutating one pins nothing.
 */
export interface RefusedReview {
  type: "refused";
  reason: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export type AdmissionFacts = WorkloadFacts | SkippedReview | RefusedReview;
