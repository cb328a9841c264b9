/**
 * The OCI distribution-spec conformance checks (test/conformance/) against three `serve` replicas behind
 * HAProxy (round-robin, every request balanced on its own): each workflow's pushes, reads, listings and
 * deletions land on different replicas, so any state kept in one replica's memory fails a check here.
 * Needs `npm run build` (the replicas are the built CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogChecks } from "../conformance/catalog.js";
import { discoveryWorkflow } from "../conformance/discovery.js";
import type { ConformanceEnv } from "../conformance/http.js";
import { managementWorkflow } from "../conformance/management.js";
import { nextChecks } from "../conformance/next.js";
import { pullWorkflow } from "../conformance/pull.js";
import { pushWorkflow } from "../conformance/push.js";
import { unavailable } from "../support/requirements.js";
import { hasCommand } from "../support/targets.js";
import { HAPROXY_BIN, type ReplicaSet, startReplicaSet, storageCases } from "./harness.js";

const postgres = process.env.PORTCULLIS_TEST_POSTGRES;

const needs =
  unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined) ||
  unavailable(`HAProxy (${HAPROXY_BIN})`, hasCommand(HAPROXY_BIN));

describe.each(storageCases())(
  "OCI Distribution Conformance Tests (three replicas behind HAProxy, blobs in $label)",
  ({ open }) => {
    let set: ReplicaSet | undefined;
    let storage: Awaited<ReturnType<NonNullable<typeof open>>> | undefined;
    const env: ConformanceEnv = { url: "", name: "conformance/suite", crossmount: "conformance-crossmount" };
    if (needs || !open) {
      it.skip("needs PostgreSQL, HAProxy and this blob store", () => {});
      return;
    }

    beforeAll(async () => {
      storage = await open();
      set = await startReplicaSet({
        postgres: postgres!,
        replicas: 3,
        storage,
        env: { PORTCULLIS_REGISTRY_DELETION: "true", PORTCULLIS_REGISTRY_GC_INTERVAL: "0s" },
      });
      env.url = set.url;
      expect(set.replicas).toHaveLength(3);
    }, 90_000);
    afterAll(async () => {
      await set?.close();
      await storage?.cleanup();
    }, 60_000);

    pullWorkflow(env);
    pushWorkflow(env);
    discoveryWorkflow(env, () => catalogChecks(env));
    managementWorkflow(env);
    nextChecks(env);
  },
);
