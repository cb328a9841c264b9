import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicyGate } from "../../src/app/index.js";
import type { EvidencePorts, SignatureEvidence } from "../../src/evidence/index.js";
import { buildAdmissionServer, fromPolicyGate } from "../../src/server/admission/index.js";
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

/**
 * The webhook over app/'s real gate (createPolicyGate), with the registry and verifiers faked in
 * memory: examples/policies/require-signature.yaml as shipped, a tag resolving to a digest, and a
 * signature by the release key for that digest only.
 */
const SIGNED = `sha256:${"5a".repeat(32)}`;
const UNSIGNED = `sha256:${"0b".repeat(32)}`;
const TAGS: Record<string, string> = {
  "docker.io/library/nginx:1.27": SIGNED,
  "docker.io/library/redis:7": UNSIGNED,
};

function fakes() {
  const calls = { resolves: 0 };
  const ports: EvidencePorts = {
    signatures: {
      async verifySignatures(subject) {
        const found: SignatureEvidence[] =
          subject.digest === SIGNED
            ? [{ verified: true, digest: SIGNED, signer: { key: "keys/release.pub" }, format: "cosign" }]
            : [];
        return found;
      },
    },
  };
  const resolver = {
    async resolveDigest(ref: { registry: string; repository: string; tag: string }) {
      calls.resolves++;
      const digest = TAGS[`${ref.registry}/${ref.repository}:${ref.tag}`];
      if (digest === undefined) throw new Error("tag not found");
      return digest;
    },
  };
  return { calls, ports, resolver };
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("admission webhook over createPolicyGate", () => {
  let certs: TestCerts;
  let port = 0;
  let close: () => Promise<void> = async () => {};
  const f = fakes();

  beforeAll(async () => {
    certs = makeCerts();
    const policy = loadPolicy("require-signature.yaml");
    const gate = createPolicyGate({ policy, ports: f.ports, resolver: f.resolver, timeoutMs: 2_000 });
    const app = buildAdmissionServer({
      gate: fromPolicyGate(gate),
      tls: { cert: certs.cert, key: certs.key },
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
    close = () => app.close();
  });
  afterAll(async () => {
    await close();
    certs?.cleanup();
  });

  const review = async (path: string, body: unknown) =>
    (await post(port, path, JSON.stringify(body), certs.ca)).body as ReviewResponseBody;

  it("admits a signed image named by tag, once the gate resolved the tag", async () => {
    const r = await review("/validate", podReview(["nginx:1.27"]));
    expect(r.response.allowed).toBe(true);
    expect(JSON.parse(r.response.auditAnnotations?.images ?? "[]")).toEqual([
      {
        path: "/spec/containers/0/image",
        image: "docker.io/library/nginx:1.27",
        verdict: "allow",
        digest: SIGNED,
      },
    ]);
  });

  it("denies an unsigned image with the signature rule's reason", async () => {
    const r = await review("/validate", podReview(["nginx:1.27", "redis:7"]));
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toContain("docker.io/library/redis:7");
    expect(r.response.status?.message).toMatch(/signedBy/);
    expect(r.response.status?.message).not.toContain("nginx");
  });

  it("pins every container to the resolved digest, resolving a shared tag once per review", async () => {
    const before = f.calls.resolves;
    const pod = podReview(["nginx:1.27", "nginx:1.27"]);
    const containers = ((pod.request as { object: { spec: { containers: Array<Record<string, unknown>> } } })
      .object.spec.containers[1] ?? {}) as Record<string, unknown>;
    containers.securityContext = { runAsUser: 1000 }; // a different context: asked separately, resolved once
    const r = await review("/mutate", pod);
    const patch = JSON.parse(Buffer.from(r.response.patch ?? "", "base64").toString("utf8"));
    expect(patch).toEqual([
      { op: "replace", path: "/spec/containers/0/image", value: `docker.io/library/nginx@${SIGNED}` },
      { op: "replace", path: "/spec/containers/1/image", value: `docker.io/library/nginx@${SIGNED}` },
    ]);
    expect(f.calls.resolves - before).toBe(1);
  });

  it("denies a tag the registry does not know, saying why", async () => {
    const r = await review("/validate", podReview(["nginx:9.9"]));
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toMatch(/tag not found/);
  });
});
