import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { type Decision, parsePolicy } from "../../policy/index.js";
import { evaluatingGate, type ImagePolicyGate } from "./gate.js";
import { AdmissionMetrics, overrideOf } from "./metrics.js";
import { buildAdmissionServer } from "./server.js";

/** One sample of the text exposition format, found by name and (a subset of) its labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const DIGEST = `sha256:${"ab".repeat(32)}`;

const POLICY = parsePolicy(
  `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  evaluationMode: require
  enforcementMode: enforce
  require: { digest: true }
namespaceRules:
  relaxed: { enforcementMode: warn }
  audit: { enforcementMode: dry-run }
breakGlass: { annotation: portcullis.dev/break-glass }
`,
  "metrics-test.yaml",
);

/** An admission.k8s.io/v1 review creating a Pod with these images. */
function podReview(images: string[], namespace = "apps", annotations: Record<string, string> = {}) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace,
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["system:authenticated"] },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace, annotations },
        spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
      },
      dryRun: false,
    },
  };
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("AdmissionMetrics", () => {
  it("starts every series that can occur at 0, and none labelled by a policy", async () => {
    const m = new AdmissionMetrics({ defaultMetrics: false });
    const text = await m.metrics();
    for (const operation of ["validate", "mutate"])
      for (const allowed of ["true", "false"])
        expect(sample(text, "portcullis_admission_reviews_total", { operation, allowed })).toBe(0);
    expect(
      sample(text, "portcullis_admission_review_errors_total", { operation: "mutate", status: "400" }),
    ).toBe(0);
    expect(sample(text, "portcullis_admission_decision_failures_total", { reason: "deadline" })).toBe(0);
    expect(
      sample(text, "portcullis_admission_image_decisions_total", { effect: "warn", override: "break-glass" }),
    ).toBe(0);
    expect(sample(text, "portcullis_admission_policy_reloads_total", { result: "error" })).toBe(0);
    expect(sample(text, "portcullis_admission_policy_info")).toBeUndefined();
    expect(text).not.toContain("portcullis_process_cpu");
  });

  it("keeps one policy_info series, for the policy set last, and counts reloads and checks", async () => {
    const m = new AdmissionMetrics({ defaultMetrics: false });
    m.setPolicy("sha256:old");
    m.setPolicy("sha256:new");
    m.policyReloaded(true);
    m.policyReloaded(false);
    m.policyReloaded(true);
    for (let i = 0; i < 5; i++) m.policyChecked();
    const text = await m.metrics();
    expect(sample(text, "portcullis_admission_policy_checks_total")).toBe(5);
    expect(text.match(/^portcullis_admission_policy_info\{/gm)).toHaveLength(1);
    expect(sample(text, "portcullis_admission_policy_info", { policy_digest: "sha256:new" })).toBe(1);
    expect(sample(text, "portcullis_admission_policy_reloads_total", { result: "ok" })).toBe(2);
    expect(sample(text, "portcullis_admission_policy_reloads_total", { result: "error" })).toBe(1);
  });

  it("includes Node's process metrics unless told not to", async () => {
    const text = await new AdmissionMetrics().metrics();
    expect(sample(text, "portcullis_process_cpu_seconds_total")).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [{ verdict: "pass", effect: "allow", mode: "enforce" }, "none"],
    [{ verdict: "fail", effect: "deny", mode: "enforce" }, "none"],
    [{ verdict: "fail", effect: "warn", mode: "warn" }, "none"],
    [{ verdict: "fail", effect: "allow", mode: "dry-run" }, "dry-run"],
    [
      { verdict: "fail", effect: "warn", mode: "enforce", breakGlass: { annotation: "a", value: "x" } },
      "break-glass",
    ],
    [
      { verdict: "fail", effect: "warn", mode: "dry-run", breakGlass: { annotation: "a", value: "x" } },
      "break-glass",
    ],
    // The annotation was present but not needed: nothing was overridden.
    [
      { verdict: "pass", effect: "allow", mode: "enforce", breakGlass: { annotation: "a", value: "x" } },
      "none",
    ],
  ])("overrideOf(%j) is %s", (decision, override) => {
    expect(overrideOf(decision as unknown as Decision)).toBe(override);
  });
});

describe.skipIf(unavailable("openssl", hasOpenssl()))("GET /metrics on the admission server", () => {
  let dir = "";
  let tls = { cert: "", key: "" };
  const apps: FastifyInstance[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-metrics-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...[
          "-keyout",
          join(dir, "tls.key"),
          "-out",
          join(dir, "tls.crt"),
          "-subj",
          "/CN=localhost",
          "-days",
          "1",
        ],
      ],
      { stdio: "ignore" },
    );
    tls = {
      cert: readFileSync(join(dir, "tls.crt"), "utf8"),
      key: readFileSync(join(dir, "tls.key"), "utf8"),
    };
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The policy above, except that library/slow never answers and library/broken throws. */
  const evaluate = evaluatingGate(POLICY);
  const gate: ImagePolicyGate = (check, signal) => {
    if (check.image.repository === "library/slow") return new Promise(() => {});
    if (check.image.repository === "library/broken") return Promise.reject(new Error("registry unreachable"));
    return evaluate(check, signal);
  };

  function build(metrics?: AdmissionMetrics) {
    const app = buildAdmissionServer({ gate, tls, timeoutMs: 200, ...(metrics ? { metrics } : {}) });
    apps.push(app);
    return app;
  }

  async function review(app: FastifyInstance, url: string, body: unknown) {
    const r = await app.inject({ method: "POST", url, payload: body as object });
    return {
      status: r.statusCode,
      allowed: (r.json() as { response?: { allowed?: boolean } }).response?.allowed,
    };
  }

  it("counts reviews, decisions per image, replaced decisions and malformed bodies exactly", async () => {
    const metrics = new AdmissionMetrics({ defaultMetrics: false });
    const app = build(metrics);
    const pinned = `nginx@${DIGEST}`;

    expect(await review(app, "/validate", podReview([pinned, pinned]))).toEqual({
      status: 200,
      allowed: true,
    });
    expect(await review(app, "/validate", podReview(["nginx:1.27"]))).toEqual({
      status: 200,
      allowed: false,
    });
    expect(await review(app, "/mutate", podReview(["nginx:1.27"], "relaxed"))).toEqual({
      status: 200,
      allowed: true,
    });
    expect(await review(app, "/validate", podReview(["nginx:1.27"], "audit"))).toEqual({
      status: 200,
      allowed: true,
    });
    const glass = podReview(["nginx:1.27"], "apps", { "portcullis.dev/break-glass": "INC-42" });
    expect(await review(app, "/validate", glass)).toEqual({ status: 200, allowed: true });
    // Misses the 160 ms deadline; then a gate that throws. Both deny (failurePolicy Fail).
    expect(await review(app, "/validate", podReview(["slow:1"]))).toEqual({ status: 200, allowed: false });
    expect(await review(app, "/validate", podReview(["broken:1"]))).toEqual({ status: 200, allowed: false });
    // An unparsable reference is denied without a policy decision: only the pinned image counts.
    expect(await review(app, "/validate", podReview([pinned, "Not A Reference"]))).toEqual({
      status: 200,
      allowed: false,
    });
    // Malformed: not a review (the handler's 400), not JSON (Fastify's 400), the wrong type (415).
    expect((await review(app, "/validate", { hello: "world" })).status).toBe(400);
    const notJson = await app.inject({
      method: "POST",
      url: "/validate",
      payload: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.statusCode).toBe(400);
    const yaml = await app.inject({
      method: "POST",
      url: "/mutate",
      payload: "kind: AdmissionReview",
      headers: { "content-type": "application/yaml" },
    });
    expect(yaml.statusCode).toBe(415);
    // Other paths are not reviews.
    expect((await app.inject({ method: "POST", url: "/nowhere", payload: {} })).statusCode).toBe(404);

    const r = await app.inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe(metrics.contentType);
    const text = r.body;
    const reviews = (operation: string, allowed: string) =>
      sample(text, "portcullis_admission_reviews_total", { operation, allowed });
    expect([reviews("validate", "true"), reviews("validate", "false")]).toEqual([3, 4]);
    expect([reviews("mutate", "true"), reviews("mutate", "false")]).toEqual([1, 0]);

    const decisions = (effect: string, override: string) =>
      sample(text, "portcullis_admission_image_decisions_total", { effect, override });
    expect(decisions("allow", "none")).toBe(3);
    expect(decisions("deny", "none")).toBe(1);
    expect(decisions("warn", "none")).toBe(1);
    expect(decisions("allow", "dry-run")).toBe(1);
    expect(decisions("warn", "break-glass")).toBe(1);

    const failures = (reason: string) =>
      sample(text, "portcullis_admission_decision_failures_total", { reason });
    expect([failures("deadline"), failures("error")]).toEqual([1, 1]);

    const errors = (operation: string, status: string) =>
      sample(text, "portcullis_admission_review_errors_total", { operation, status });
    expect(errors("validate", "400")).toBe(2);
    expect(errors("mutate", "415")).toBe(1);
    expect(errors("validate", "500")).toBe(0);

    // Every request that reached a handler is timed: 7 answered + 1 not a review; 1 mutate.
    const count = (operation: string) =>
      sample(text, "portcullis_admission_review_duration_seconds_count", { operation });
    expect([count("validate"), count("mutate")]).toEqual([8, 1]);
    const slowBucket = sample(text, "portcullis_admission_review_duration_seconds_bucket", {
      operation: "validate",
      le: "0.1",
    });
    // The deadline review took ≥ 160 ms, so it is above the 0.1 s bucket.
    expect(slowBucket).toBeLessThanOrEqual(7);
    expect(
      sample(text, "portcullis_admission_review_duration_seconds_bucket", { le: "0.0005" }),
    ).toBeDefined();

    // No series names a workload: images, namespaces and users stay out of the labels.
    for (const word of ["nginx", "apps", "relaxed", "alice", "slow", "INC-42"])
      expect(text).not.toContain(word);
  });

  it("serves /metrics from an instance of its own when none is given", async () => {
    const app = build();
    await review(app, "/mutate", podReview([`nginx@${DIGEST}`]));
    const r = await app.inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(
      sample(r.body, "portcullis_admission_reviews_total", { operation: "mutate", allowed: "true" }),
    ).toBe(1);
    expect(
      sample(r.body, "portcullis_admission_image_decisions_total", { effect: "allow", override: "none" }),
    ).toBe(1);
    expect(sample(r.body, "portcullis_process_cpu_seconds_total")).toBeGreaterThanOrEqual(0);
  });

  it("keeps two servers' counts apart", async () => {
    const a = new AdmissionMetrics({ defaultMetrics: false });
    const b = new AdmissionMetrics({ defaultMetrics: false });
    await review(build(a), "/validate", podReview(["nginx:1.27"]));
    build(b);
    expect(sample(await a.metrics(), "portcullis_admission_reviews_total", { allowed: "false" })).toBe(1);
    expect(sample(await b.metrics(), "portcullis_admission_reviews_total", { allowed: "false" })).toBe(0);
  });
});
