import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractFacts } from "./extract.js";
import type { AdmissionFacts, WorkloadFacts } from "./facts.js";
import { parseAdmissionReview } from "./review.js";
import {
  codeOf,
  dig,
  type FixtureKind,
  loadFixture,
  loadWorkload,
  reviewOf,
  WORKLOAD_FIXTURES,
} from "./testing.js";

const TEMPLATE: Record<FixtureKind, (string | number)[]> = {
  Pod: [],
  PodTemplate: ["template"],
  ReplicationController: ["spec", "template"],
  Deployment: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

const DIGEST = `sha256:${"c".repeat(64)}`;

function facts(body: Record<string, unknown>): AdmissionFacts {
  return extractFacts(parseAdmissionReview(body));
}

function workload(body: Record<string, unknown>): WorkloadFacts {
  const result = facts(body);
  if (result.type !== "workload") throw new Error(`skipped: ${result.reason}`);
  return result;
}

describe("extractFacts on the Kubernetes fixtures of every workload kind", () => {
  const kinds = Object.keys(WORKLOAD_FIXTURES) as FixtureKind[];

  it.each(kinds)("%s: images of containers, initContainers and ephemeralContainers, with paths", (kind) => {
    const object = loadWorkload(kind);
    const result = workload(reviewOf(object));
    const spec = `/${[...TEMPLATE[kind], "spec"].join("/")}`;
    expect(result.kind).toBe(kind);
    expect(result.podSpecPath).toBe(spec);
    // Volume rbd.image and status container images are not container images: exactly three found.
    expect(result.images.map((i) => [i.containerType, i.containerName, i.path, i.image])).toEqual([
      ["container", "nameValue", `${spec}/containers/0/image`, "imageValue"],
      ["initContainer", "nameValue", `${spec}/initContainers/0/image`, "imageValue"],
      ["ephemeralContainer", "nameValue", `${spec}/ephemeralContainers/0/image`, "imageValue"],
    ]);
    // The placeholder is not a valid reference (upper case): reported, never thrown.
    for (const image of result.images) {
      expect(image.reference).toBeUndefined();
      expect(image.referenceError).toMatch(/must be lowercase/);
    }
  });

  it.each(kinds)("%s: pod and container security facts, host namespaces, hostPath, metadata", (kind) => {
    const object = loadWorkload(kind);
    const template = dig(object, ...TEMPLATE[kind]) as Record<string, unknown>;
    const podSpec = dig(template, "spec") as Record<string, unknown>;
    const sc = dig(podSpec, "containers", 0, "securityContext") as Record<string, unknown>;
    const podSc = dig(podSpec, "securityContext") as Record<string, unknown>;
    const result = workload(reviewOf(object));

    expect(result.name).toBe("nameValue");
    expect(result.generateName).toBe("generateNameValue");
    expect(result.namespace).toBe("namespaceValue");
    expect(result.serviceAccountName).toBe("serviceAccountNameValue");
    expect(result.annotations).toEqual({ annotationsKey: "annotationsValue" });
    expect(result.pod.annotations).toEqual(dig(template, "metadata", "annotations"));
    expect(result.pod.labels).toEqual(dig(template, "metadata", "labels"));
    expect(result.pod).toMatchObject({
      hostNetwork: podSpec.hostNetwork,
      hostPID: podSpec.hostPID,
      hostIPC: podSpec.hostIPC,
      securityContext: {
        runAsNonRoot: podSc.runAsNonRoot,
        runAsUser: podSc.runAsUser,
        runAsGroup: podSc.runAsGroup,
      },
    });
    expect(result.pod.hostNetwork).toBe(true);
    expect(result.pod.hostPathVolumes).toEqual([
      { name: "nameValue", path: "pathValue", pointer: `${result.podSpecPath}/volumes/0` },
    ]);
    expect(result.images[0]!.securityContext).toEqual({
      runAsNonRoot: sc.runAsNonRoot,
      runAsUser: sc.runAsUser,
      runAsGroup: sc.runAsGroup,
      privileged: sc.privileged,
      allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
      capabilitiesAdd: ["addValue"],
    });
    // The container's runAsUser and runAsGroup override the pod's (they differ in the fixture).
    expect(sc.runAsUser).not.toBe(podSc.runAsUser);
    expect(sc.runAsGroup).not.toBe(podSc.runAsGroup);
    expect(result.images[0]!.effective).toEqual({
      runAsNonRoot: true,
      runAsUser: sc.runAsUser,
      runAsGroup: sc.runAsGroup,
    });
  });

  it("reads the Pod fixture's values as written", () => {
    const result = workload(reviewOf(loadWorkload("Pod")));
    expect(result.pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 2, runAsGroup: 6 });
    expect(result.images[0]!.securityContext).toMatchObject({ runAsUser: 4, privileged: true });
  });

  it.each(kinds)("%s: real references are normalised", (kind) => {
    const object = loadWorkload(kind);
    const spec = dig(object, ...TEMPLATE[kind], "spec") as Record<string, unknown[]>;
    (spec.containers![0] as Record<string, unknown>).image = "nginx";
    (spec.initContainers![0] as Record<string, unknown>).image = "localhost:5000/a/b/c";
    (spec.ephemeralContainers![0] as Record<string, unknown>).image = `busybox:1.36@${DIGEST}`;
    const result = workload(reviewOf(object));
    expect(result.images.map((i) => i.canonical)).toEqual([
      "docker.io/library/nginx:latest",
      "localhost:5000/a/b/c:latest",
      `docker.io/library/busybox:1.36@${DIGEST}`,
    ]);
    expect(result.images[2]!.reference).toEqual({
      registry: "docker.io",
      repository: "library/busybox",
      tag: "1.36",
      digest: DIGEST,
    });
  });

  it("reads a Deployment of the v1beta1 review and an extensions/v1beta1 Deployment", () => {
    const object = loadWorkload("Deployment");
    expect(workload(reviewOf(object, { version: "v1beta1" })).kind).toBe("Deployment");
    object.apiVersion = "extensions/v1beta1";
    expect(workload(reviewOf(object)).apiVersion).toBe("extensions/v1beta1");
  });

  it("defaults: no securityContext, no volumes, no service account, no annotations", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { generateName: "web-" },
      spec: { containers: [{ name: "app", image: "nginx:1.27" }] },
    };
    const result = workload(reviewOf(pod));
    expect(result).toMatchObject({
      name: "",
      generateName: "web-",
      serviceAccountName: "default",
      annotations: {},
      pod: { hostNetwork: false, hostPID: false, hostIPC: false, hostPathVolumes: [], securityContext: {} },
    });
    expect(result.images[0]).toMatchObject({ securityContext: { capabilitiesAdd: [] }, effective: {} });
  });

  it("reads the Pod sent for pods/ephemeralcontainers (kubectl debug), marking only the new container changed", () => {
    const before = loadWorkload("Pod");
    const after = structuredClone(before);
    const spec = dig(after, "spec") as Record<string, Record<string, unknown>[]>;
    spec.ephemeralContainers!.push({ name: "debugger", image: "busybox:1.36" });
    const body = reviewOf(after, { operation: "UPDATE", oldObject: before });
    Object.assign(body.request as object, {
      subResource: "ephemeralcontainers",
      requestSubResource: "ephemeralcontainers",
    });
    const result = workload(body);
    expect(result.images.filter((i) => i.changed).map((i) => [i.path, i.canonical])).toEqual([
      ["/spec/ephemeralContainers/1/image", "docker.io/library/busybox:1.36"],
    ]);
  });

  it("marks images unchanged on UPDATE when the old object had them at the same path", () => {
    const before = loadWorkload("Deployment");
    const after = structuredClone(before);
    (dig(after, "spec", "template", "spec", "initContainers", 0) as Record<string, unknown>).image =
      "busybox";
    const result = workload(reviewOf(after, { operation: "UPDATE", oldObject: before }));
    expect(result.images.map((i) => i.changed)).toEqual([false, true, false]);
    expect(workload(reviewOf(after, { operation: "CREATE" })).images.every((i) => i.changed)).toBe(true);
  });
});

describe("extractFacts skips what it does not check", () => {
  it("an unknown kind (the review fixture's CustomType)", () => {
    const body = loadFixture("admission.k8s.io.v1.AdmissionReview.json");
    (body.request as Record<string, unknown>).operation = "CREATE";
    expect(facts(body)).toMatchObject({ type: "skipped", reason: /kindValue is not a workload kind/ });
  });

  it("a Scale subresource, a Service, DELETE and CONNECT", () => {
    const scale = { apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: 3 } };
    expect(facts(reviewOf(scale)).type).toBe("skipped");
    expect(facts(reviewOf({ apiVersion: "v1", kind: "Service" })).type).toBe("skipped");
    const pod = loadWorkload("Pod");
    expect(facts(reviewOf(pod, { operation: "DELETE" }))).toMatchObject({
      type: "skipped",
      reason: /DELETE/,
    });
    expect(facts(reviewOf(pod, { operation: "CONNECT" })).type).toBe("skipped");
  });
});

describe("extractFacts refuses malformed workload objects with OBJECT_INVALID", () => {
  const cases: [string, (o: Record<string, unknown>) => void, RegExp][] = [
    [
      "a kind that contradicts the request",
      (o) => Object.assign(o, { kind: "Pod" }),
      /not the request's Deployment/,
    ],
    [
      "no pod template",
      (o) => Object.assign(o, { spec: { replicas: 1 } }),
      /no pod template at spec\.template/,
    ],
    ["spec not an object", (o) => Object.assign(o, { spec: "x" }), /spec must be an object/],
    [
      "containers not a list",
      (o) => Object.assign(dig(o, "spec", "template", "spec") as object, { containers: { a: 1 } }),
      /spec\.template\.spec\.containers: must be a list of containers/,
    ],
    [
      "an image that is not a string",
      (o) => Object.assign(dig(o, "spec", "template", "spec", "containers", 0) as object, { image: 42 }),
      /spec\.template\.spec\.containers\[0\]\.image: must be a string/,
    ],
    [
      "runAsUser that is not an integer",
      (o) =>
        Object.assign(dig(o, "spec", "template", "spec", "securityContext") as object, { runAsUser: 1.5 }),
      /securityContext\.runAsUser: must be an integer/,
    ],
    [
      "annotations with a number",
      (o) => Object.assign(o, { metadata: { annotations: { a: 1 } } }),
      /metadata\.annotations\.a/,
    ],
  ];
  it.each(cases)("%s", (_name, mutate, message) => {
    const object = loadWorkload("Deployment");
    const body = reviewOf(object);
    mutate(object);
    expect(codeOf(() => facts(body))).toBe("OBJECT_INVALID");
    expect(() => facts(body)).toThrow(message);
  });

  it("CREATE without an object", () => {
    const body = reviewOf(loadWorkload("Pod"));
    (body.request as Record<string, unknown>).object = null;
    expect(() => facts(body)).toThrow(/has no object/);
  });

  it("never throws anything but OBJECT_INVALID for garbage anywhere in a pod spec", () => {
    const paths: (string | number)[][] = [
      [],
      ["metadata"],
      ["spec"],
      ["spec", "template"],
      ["spec", "template", "spec"],
      ["spec", "template", "spec", "containers"],
      ["spec", "template", "spec", "containers", 0],
      ["spec", "template", "spec", "containers", 0, "securityContext"],
      ["spec", "template", "spec", "volumes", 0],
    ];
    fc.assert(
      // "length" is skipped: JSON never makes sparse arrays, and setting it would only test V8.
      fc.property(
        fc.constantFrom(...paths),
        fc.string().filter((k) => k !== "length"),
        fc.anything(),
        (path, key, value) => {
          const object = loadWorkload("Deployment");
          const body = reviewOf(object);
          const target = dig(object, ...path) as Record<string, unknown>;
          target[key] = value;
          expect(["OBJECT_INVALID", "no error"]).toContain(codeOf(() => facts(body)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
