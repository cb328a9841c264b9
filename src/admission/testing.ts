import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AdmissionError } from "./errors.js";

/**
 * Test helpers: the Kubernetes API round-trip fixtures in testdata/ (kubernetes/api testdata/HEAD,
 * every field filled with placeholder values), and reviews built around a workload object.
 */

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), "testdata");

export const WORKLOAD_FIXTURES = {
  Pod: "core.v1.Pod.json",
  PodTemplate: "core.v1.PodTemplate.json",
  ReplicationController: "core.v1.ReplicationController.json",
  Deployment: "apps.v1.Deployment.json",
  ReplicaSet: "apps.v1.ReplicaSet.json",
  StatefulSet: "apps.v1.StatefulSet.json",
  DaemonSet: "apps.v1.DaemonSet.json",
  Job: "batch.v1.Job.json",
  CronJob: "batch.v1.CronJob.json",
} as const;

export type FixtureKind = keyof typeof WORKLOAD_FIXTURES;

export function loadFixture(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(TESTDATA, file), "utf8")) as Record<string, unknown>;
}

export function loadWorkload(kind: FixtureKind): Record<string, unknown> {
  return loadFixture(WORKLOAD_FIXTURES[kind]);
}

export interface ReviewOverrides {
  version?: "v1" | "v1beta1";
  operation?: string;
  oldObject?: Record<string, unknown>;
  dryRun?: boolean;
  namespace?: string;
}

/**
 * The real AdmissionReview fixture with its request pointed at `object`: kind and resource from the
 * object's apiVersion and kind, operation CREATE unless told, and the fixture's response removed.
 */
export function reviewOf(
  object: Record<string, unknown>,
  overrides: ReviewOverrides = {},
): Record<string, unknown> {
  const version = overrides.version ?? "v1";
  const review = loadFixture(`admission.k8s.io.${version}.AdmissionReview.json`);
  delete review.response;
  const request = review.request as Record<string, unknown>;
  const apiVersion = String(object.apiVersion);
  const slash = apiVersion.indexOf("/");
  const group = slash === -1 ? "" : apiVersion.slice(0, slash);
  const ver = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  const kind = String(object.kind);
  const resource = `${kind.toLowerCase()}s`;
  request.kind = { group, version: ver, kind };
  request.requestKind = { group, version: ver, kind };
  request.resource = { group, version: ver, resource };
  request.requestResource = { group, version: ver, resource };
  delete request.subResource;
  delete request.requestSubResource;
  // The API server sends the name only once it is known (not for generateName).
  const name = (object.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name === "string") request.name = name;
  else delete request.name;
  request.operation = overrides.operation ?? "CREATE";
  request.object = object;
  if (overrides.oldObject === undefined) delete request.oldObject;
  else request.oldObject = overrides.oldObject;
  request.dryRun = overrides.dryRun ?? false;
  request.namespace = overrides.namespace ?? "namespaceValue";
  return review;
}

/** The object at a JSON-pointer-like list of keys (test navigation only). */
export function dig(root: unknown, ...keys: (string | number)[]): unknown {
  let value = root;
  for (const key of keys) value = (value as Record<string | number, unknown>)[key];
  return value;
}

/** The AdmissionError code `fn` throws, or "no error" (any other error is rethrown). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AdmissionError) return err.code;
    throw err;
  }
  return "no error";
}
