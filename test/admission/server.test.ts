import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture } from "../../src/admission/testing.js";
import type { ImageInput } from "../../src/policy/index.js";
import {
  buildAdmissionServer,
  evaluatingGate,
  type ImageCheck,
  type ImagePolicyGate,
  type ReviewLogEntry,
} from "../../src/server/admission/index.js";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  loadPolicy,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  type TestCerts,
} from "./support.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A registry in memory: every tag of docker.io/library/nginx resolves to DIGEST. */
async function resolveNginx(image: ImageInput) {
  const known = image.registry === "docker.io" && image.repository === "library/nginx";
  return { ...(known ? { digest: DIGEST } : {}), evidence: {} };
}

interface Running {
  port: number;
  close(): Promise<void>;
  logs: ReviewLogEntry[];
  checks: ImageCheck[];
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("admission webhook over HTTPS", () => {
  let certs: TestCerts;
  const servers: Running[] = [];

  async function start(gate: ImagePolicyGate, timeoutMs?: number, failurePolicy?: "Fail" | "Ignore") {
    const logs: ReviewLogEntry[] = [];
    const checks: ImageCheck[] = [];
    const recording: ImagePolicyGate = (check, signal) => {
      checks.push(check);
      return gate(check, signal);
    };
    const app = buildAdmissionServer({
      gate: recording,
      tls: { cert: certs.cert, key: certs.key },
      log: (e) => logs.push(e),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(failurePolicy === undefined ? {} : { failurePolicy }),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const running = {
      port: typeof address === "object" && address ? address.port : 0,
      close: () => app.close(),
      logs,
      checks,
    };
    servers.push(running);
    return running;
  }

  const review = (port: number, path: string, body: unknown) =>
    post(port, path, JSON.stringify(body), certs.ca).then((r) => ({
      ...r,
      review: r.body as ReviewResponseBody,
    }));

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    certs?.cleanup();
  });

  it("answers /healthz", async () => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    const r = await post(s.port, "/healthz", "", certs.ca);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok" });
  });

  it.each(["v1", "v1beta1"] as const)(
    "allow-all (dry-run) admits a %s review and records the would-be denial",
    async (version) => {
      const policy = loadPolicy("allow-all-audit.yaml");
      const s = await start(evaluatingGate(policy));
      const r = await review(s.port, "/validate", podReview(["nginx:1.27"], { version }));
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(r.review.apiVersion).toBe(`admission.k8s.io/${version}`);
      expect(r.review.kind).toBe("AdmissionReview");
      expect(r.review.response.uid).toBe("uidValue");
      expect(r.review.response.allowed).toBe(true);
      const audit = r.review.response.auditAnnotations ?? {};
      expect(audit.decision).toBe("allow");
      expect(audit["policy-digest"]).toBe(policy.digest);
      expect(audit["would-deny"]).toMatch(/dry-run, would deny/);
      expect(s.logs).toEqual([
        expect.objectContaining({
          uid: "uidValue",
          kind: "Pod",
          namespace: "apps",
          allowed: true,
          mode: "validate",
        }),
      ]);
      expect(s.checks[0]?.request).toMatchObject({
        kind: "admission",
        namespace: "apps",
        serviceAccount: "default",
        user: "usernameValue",
      });
    },
  );

  it("denies an image by tag under a digest-pinning policy, with the reason", async () => {
    const s = await start(evaluatingGate(loadPolicy("require-digest.yaml")));
    const r = await review(s.port, "/validate", podReview(["nginx:1.27"]));
    expect(r.status).toBe(200);
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.code).toBe(403);
    expect(r.review.response.status?.message).toContain("docker.io/library/nginx:1.27");
    expect(r.review.response.status?.message).toMatch(/digest/);
    expect(r.review.response.auditAnnotations?.decision).toBe("deny");
  });

  it("admits the same image when the gate resolved its tag, and /mutate pins it", async () => {
    const s = await start(evaluatingGate(loadPolicy("require-digest.yaml"), resolveNginx));
    const v = await review(s.port, "/validate", podReview(["nginx:1.27"]));
    expect(v.review.response.allowed).toBe(true);
    const m = await review(s.port, "/mutate", podReview(["nginx:1.27", "nginx:1.27"]));
    expect(m.review.response.allowed).toBe(true);
    expect(m.review.response.patchType).toBe("JSONPatch");
    const patch = JSON.parse(Buffer.from(m.review.response.patch ?? "", "base64").toString("utf8"));
    expect(patch).toEqual([
      { op: "replace", path: "/spec/containers/0/image", value: `docker.io/library/nginx@${DIGEST}` },
      { op: "replace", path: "/spec/containers/1/image", value: `docker.io/library/nginx@${DIGEST}` },
    ]);
    // Two containers with the same image and context: the gate is asked once per review.
    expect(s.checks.length).toBe(2);
  });

  it("does not patch an image whose tag the gate could not resolve", async () => {
    const s = await start(evaluatingGate(loadPolicy("require-digest.yaml"), resolveNginx));
    const m = await review(s.port, "/mutate", podReview(["quay.io/app/api:v1"]));
    expect(m.review.response.allowed).toBe(true);
    expect(m.review.response.patch).toBeUndefined();
  });

  it("turns warn mode into warnings and honours break-glass", async () => {
    const s = await start(evaluatingGate(loadPolicy("require-digest.yaml")));
    const warned = await review(s.port, "/validate", podReview(["nginx:1.27"], { namespace: "relaxed" }));
    expect(warned.review.response.allowed).toBe(true);
    expect(warned.review.response.warnings?.[0]).toMatch(/digest/);
    const glass = await review(
      s.port,
      "/validate",
      podReview(["nginx:1.27"], { annotations: { "portcullis.dev/break-glass": "INC-42" } }),
    );
    expect(glass.review.response.allowed).toBe(true);
    expect(glass.review.response.auditAnnotations?.["break-glass"]).toBe("portcullis.dev/break-glass=INC-42");
  });

  it("tells the gate about dry-run requests", async () => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    await review(s.port, "/validate", podReview(["nginx:1.27"], { dryRun: true }));
    expect(s.checks.map((c) => c.dryRun)).toEqual([true]);
  });

  it("allows a kind it does not check, without asking the gate", async () => {
    const s = await start(evaluatingGate(loadPolicy("require-digest.yaml")));
    const fixture = loadFixture("admission.k8s.io.v1.AdmissionReview.json");
    delete fixture.response;
    // The fixture is the API's round-trip data: a CustomType object; only its operation is a placeholder.
    (fixture.request as Record<string, unknown>).operation = "CREATE";
    const r = await review(s.port, "/validate", fixture);
    expect(r.review.response).toEqual({ uid: "uidValue", allowed: true });
    expect(s.checks).toEqual([]);
  });

  it("answers a slow decision in time, denying (failurePolicy Fail)", async () => {
    const slow: ImagePolicyGate = (_check, signal) =>
      new Promise((_resolve, reject) => {
        const t = setTimeout(() => reject(new Error("too late")), 5_000);
        signal.addEventListener("abort", () => clearTimeout(t));
      });
    const s = await start(slow, 500);
    const r = await review(s.port, "/validate", podReview(["nginx:1.27"]));
    expect(r.ms).toBeLessThan(500);
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.message).toMatch(/timed out after 400 ms/);
  });

  it("follows the API server's shorter ?timeout= for the deadline", async () => {
    const never: ImagePolicyGate = () => new Promise(() => {});
    const s = await start(never, 10_000);
    const r = await review(s.port, "/validate?timeout=1s", podReview(["nginx:1.27"]));
    expect(r.ms).toBeLessThan(1_000);
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.message).toMatch(/timed out after 800 ms/);
  });

  it("admits with a warning on timeout when the failure policy is Ignore", async () => {
    const never: ImagePolicyGate = () => new Promise(() => {});
    const s = await start(never, 200, "Ignore");
    const r = await review(s.port, "/validate", podReview(["nginx:1.27"]));
    expect(r.review.response.allowed).toBe(true);
    expect(r.review.response.warnings?.[0]).toMatch(/timed out.*Ignore/);
  });

  it("fails closed when the gate throws", async () => {
    const broken: ImagePolicyGate = async () => {
      throw new Error("registry unreachable");
    };
    const s = await start(broken);
    const r = await review(s.port, "/validate", podReview(["nginx:1.27"]));
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.message).toMatch(/registry unreachable/);
  });

  it("denies an unparsable image reference without asking the gate", async () => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    const r = await review(s.port, "/validate", podReview(["Not A Reference"]));
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.message).toMatch(/invalid image reference/);
    expect(s.checks).toEqual([]);
  });

  it.each([
    ["not JSON", "{not json", "application/json", 400],
    ["not a review", JSON.stringify({ hello: "world" }), "application/json", 400],
    [
      "a review without a uid",
      JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} }),
      "application/json",
      400,
    ],
    ["prototype pollution", '{"__proto__": {"x": 1}}', "application/json", 400],
    ["the wrong content type", "kind: AdmissionReview", "application/yaml", 415],
    ["an empty body", "", "application/json", 400],
  ])("rejects %s with a message", async (_name, body, contentType, status) => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    const r = await post(s.port, "/validate", body, certs.ca, contentType);
    expect(r.status).toBe(status);
    expect((r.body as { message: string }).message.length).toBeGreaterThan(0);
  });

  it("denies a workload with a map past the JSON reader's 100,000 members, rather than answering 400 (which Ignore would admit)", async () => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    const annotations = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`k${i}`, ""]));
    const r = await review(s.port, "/validate", podReview(["nginx:1.27"], { annotations }));
    expect(r.status).toBe(200);
    expect(r.review.response.allowed).toBe(false);
    expect(r.review.response.status?.message).toMatch(
      /refused unread: a JSON object has more than 100000 members/,
    );
    expect(s.checks).toEqual([]);
  });

  it("rejects a body over 8 MiB with 413", async () => {
    const s = await start(evaluatingGate(loadPolicy("allow-all-audit.yaml")));
    const big = JSON.stringify({ pad: "x".repeat(8 * 1024 * 1024) });
    const r = await post(s.port, "/validate", big, certs.ca);
    expect(r.status).toBe(413);
  });
});
