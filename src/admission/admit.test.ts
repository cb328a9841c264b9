import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admit } from "./admit.js";
import type { AdmissionDecider } from "./decision.js";
import { AdmissionError } from "./errors.js";
import type { WorkloadFacts } from "./facts.js";
import { dig, loadFixture, loadWorkload, reviewOf } from "./testing.js";

const DIGEST = `sha256:${"d".repeat(64)}`;

/** A stand-in policy: deny images from docker.io, pin everything else. */
const decider: AdmissionDecider = async (facts: WorkloadFacts) => ({
  images: facts.images.map((image) =>
    image.reference?.registry === "docker.io"
      ? { path: image.path, verdict: "deny" as const, reasons: [`${image.canonical} comes from Docker Hub`] }
      : image.reference === undefined
        ? { path: image.path, verdict: "deny" as const, reasons: [image.referenceError ?? "invalid"] }
        : { path: image.path, verdict: "allow" as const, reasons: [], digest: DIGEST },
  ),
});

function cronJob(images: [string, string, string]) {
  const object = loadWorkload("CronJob");
  const spec = dig(object, "spec", "jobTemplate", "spec", "template", "spec") as Record<
    string,
    Record<string, unknown>[]
  >;
  spec.containers![0]!.image = images[0];
  spec.initContainers![0]!.image = images[1];
  spec.ephemeralContainers![0]!.image = images[2];
  return object;
}

describe("admit", () => {
  it("validates a CronJob end to end", async () => {
    const body = reviewOf(cronJob(["registry.example.com/app:1", "nginx", "registry.example.com/debug:2"]));
    const { response, facts } = await admit(body, decider, "validate");
    expect(facts.type).toBe("workload");
    expect(response.response.allowed).toBe(false);
    expect(response.response.status?.message).toBe(
      'CronJob namespaceValue/nameValue: initContainer "nameValue" (docker.io/library/nginx:latest): ' +
        "docker.io/library/nginx:latest comes from Docker Hub",
    );
  });

  it("mutates a CronJob end to end, with JSON pointers into its job template", async () => {
    const body = reviewOf(cronJob(["registry.example.com/app:1", "nginx", "registry.example.com/debug:2"]), {
      version: "v1beta1",
      dryRun: true,
    });
    const { response } = await admit(body, decider, "mutate");
    expect(response.apiVersion).toBe("admission.k8s.io/v1beta1");
    const ops = JSON.parse(Buffer.from(response.response.patch!, "base64").toString("utf8"));
    expect(ops).toEqual([
      {
        op: "replace",
        path: "/spec/jobTemplate/spec/template/spec/containers/0/image",
        value: `registry.example.com/app@${DIGEST}`,
      },
      {
        op: "replace",
        path: "/spec/jobTemplate/spec/template/spec/ephemeralContainers/0/image",
        value: `registry.example.com/debug@${DIGEST}`,
      },
    ]);
  });

  it("does not call the decider for a review with nothing to check", async () => {
    const body = loadFixture("admission.k8s.io.v1.AdmissionReview.json");
    (body.request as Record<string, unknown>).operation = "CREATE";
    const never: AdmissionDecider = () => {
      throw new Error("must not be called");
    };
    const { response, facts } = await admit(body, never, "validate");
    expect(facts.type).toBe("skipped");
    expect(response.response).toEqual({ uid: "uidValue", allowed: true });
  });

  it("rejects garbage with AdmissionError only, never calling the decider", async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (body) => {
        const spy: AdmissionDecider = () => ({ images: [] });
        try {
          const { facts } = await admit(body, spy, "validate");
          expect(facts.type).toBe("skipped");
        } catch (err) {
          expect(err).toBeInstanceOf(AdmissionError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
