/**
 * The OCI distribution-spec conformance checks (test/conformance/) against three `serve` replicas behind
 * HAProxy (round-robin, every request balanced on its own): each workflow's pushes, reads, listings and
 * deletions land on different replicas, so any state kept in one replica's memory fails a check here.
 * Needs `npm run build` (the replicas are the built CLI).
 */
import { afterAll, beforeAll, describe, expect } from "vitest";
import { catalogChecks } from "../conformance/catalog.js";
import { discoveryWorkflow } from "../conformance/discovery.js";
import type { ConformanceEnv } from "../conformance/http.js";
import { managementWorkflow } from "../conformance/management.js";
import { nextChecks } from "../conformance/next.js";
import { pullWorkflow } from "../conformance/pull.js";
import { pushWorkflow } from "../conformance/push.js";
import { unavailable } from "../support/requirements.js";
import { hasCommand } from "../support/targets.js";
import { HAPROXY_BIN, type ReplicaSet, startReplicaSet } from "./harness.js";

const postgres = process.env.PORTCULLIS_TEST_POSTGRES;

describe.skipIf(
  unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined) ||
    unavailable(`HAProxy (${HAPROXY_BIN})`, hasCommand(HAPROXY_BIN)),
)("OCI Distribution Conformance Tests (three replicas behind HAProxy)", () => {
  let set: ReplicaSet | undefined;
  const env: ConformanceEnv = { url: "", name: "conformance/suite", crossmount: "conformance-crossmount" };

  beforeAll(async () => {
    set = await startReplicaSet({
      postgres: postgres!,
      replicas: 3,
      env: { PORTCULLIS_REGISTRY_DELETION: "true", PORTCULLIS_REGISTRY_GC_INTERVAL: "0s" },
    });
    env.url = set.url;
    expect(set.replicas).toHaveLength(3);
  }, 90_000);
  afterAll(async () => {
    await set?.close();
  }, 60_000);

  pullWorkflow(env);
  pushWorkflow(env);
  discoveryWorkflow(env, () => catalogChecks(env));
  managementWorkflow(env);
  nextChecks(env);
});
