/**
 * The attack of issue 11, item 5, against the webhook over the real gate and a real listening
 * Portcullis: a cosign `.sig` tag stuffed with 12,000 junk layers (one junk blob, some 3 MB of
 * manifest, which push accepts). Before the fix a decision sent a GET per layer and ran past the
 * deadline, so failurePolicy Ignore admitted an unsigned image and Fail denied a signed one. Now the
 * junk costs one GET, the unsigned image is denied by the policy (not by the failure policy), and the
 * signed one is allowed. Bounds are asserted on the blobs fetched, not on time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicyGate, registryDigestResolver, registryEvidencePorts } from "../../src/app/index.js";
import { parseImageReference, RegistryClient } from "../../src/oci/index.js";
import { parsePolicy } from "../../src/policy/index.js";
import { buildAdmissionServer, fromPolicyGate } from "../../src/server/admission/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import {
  buildCosignImage,
  cosignTag,
  type GeneratedKeyPair,
  generateKeyPair,
  resolveSigningTarget,
  signatureLayer,
  signImage,
} from "../../src/trust/index.js";
import { pushTinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  type TestCerts,
} from "./support.js";

const JUNK_LAYERS = 12_000;

// With CI set a missing openssl fails the run (naming it) instead of skipping.
describe.skipIf(unavailable("openssl", hasOpenssl()))("webhook against junk-stuffed signature tags", () => {
  let registry: TestServer;
  let host: string;
  let key: GeneratedKeyPair;
  let certs: TestCerts;
  let signed: string;
  let unsigned: string;
  const blobGets: string[] = [];
  const closers: Array<() => Promise<void>> = [];

  /** A client that counts every blob it is asked for (the registry client hook the gate reads through). */
  function countingClient(): RegistryClient {
    const client = new RegistryClient({ registry: host });
    const getBlob = client.getBlob.bind(client);
    client.getBlob = (repo: string, digest: string, ...rest: unknown[]) => {
      blobGets.push(digest);
      return (getBlob as (...args: unknown[]) => ReturnType<RegistryClient["getBlob"]>)(
        repo,
        digest,
        ...rest,
      );
    };
    return client;
  }

  /** Pushes a `.sig` manifest of 12,000 copies of one junk simple-signing layer for `digest`. */
  async function pushJunkSig(client: RegistryClient, digest: string) {
    const junk = signatureLayer(Buffer.from('{"critical":"junk"}'), Buffer.from("junk"));
    await client.pushBlob("team/app", { data: junk.data });
    const image = buildCosignImage(Array.from({ length: JUNK_LAYERS }, () => junk.descriptor));
    await client.pushBlob("team/app", { data: image.config });
    expect(image.manifest.length).toBeGreaterThan(2_500_000);
    await client.putManifest(
      "team/app",
      cosignTag(digest, "sig"),
      image.manifest,
      "application/vnd.oci.image.manifest.v1+json",
    );
  }

  beforeAll(async () => {
    if (!hasOpenssl()) throw new Error("openssl is required for the webhook's test certificates");
    registry = await startTestServer({ database: "sqlite", storage: "memory" });
    closers.push(() => registry.close());
    host = new URL(registry.url).host;
    key = await generateKeyPair("pw", { strength: "legacy" });
    certs = makeCerts();
    const client = new RegistryClient({ registry: host });
    signed = await pushTinyImage(client, "team/app", "signed", { seed: "signed" });
    unsigned = await pushTinyImage(client, "team/app", "unsigned", { seed: "unsigned" });
    await pushJunkSig(client, signed);
    await pushJunkSig(client, unsigned);
    // Signed after the junk: cosign appends, so the valid layer is the 12,001st (the tag scheme only).
    const target = await resolveSigningTarget(client, parseImageReference(`${host}/team/app@${signed}`));
    await signImage(client, target, key, { referrer: false });
  }, 120_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    certs?.cleanup();
  });

  async function webhook(failurePolicy: "Fail" | "Ignore"): Promise<number> {
    const policy = parsePolicy(
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: release.pub\n",
      "/policies/require-signature.yaml",
    );
    const clientFor = () => countingClient();
    const gate = createPolicyGate({
      policy,
      ports: registryEvidencePorts({ policy, clientFor, readFile: () => key.publicKeyPem }),
      resolver: registryDigestResolver(clientFor),
      timeoutMs: 4_000,
    });
    const app = buildAdmissionServer({
      gate: fromPolicyGate(gate),
      tls: { cert: certs.cert, key: certs.key },
      timeoutMs: 5_000,
      failurePolicy,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(() => app.close());
    const address = app.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  const review = async (port: number, image: string) =>
    (await post(port, "/validate", JSON.stringify(podReview([image])), certs.ca)).body as ReviewResponseBody;

  it("denies an unsigned image under failurePolicy Ignore: the policy decides, the junk costs one GET", async () => {
    const port = await webhook("Ignore");
    blobGets.length = 0;
    const r = await review(port, `${host}/team/app@${unsigned}`);
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toMatch(/signedBy/);
    expect(r.response.status?.message).not.toMatch(/failurePolicy/);
    // One junk blob, whatever the number of layers naming it.
    expect(blobGets).toEqual([expect.stringMatching(/^sha256:/)]);
  });

  it("allows the signed image under failurePolicy Fail: the valid signature after the junk is found", async () => {
    const port = await webhook("Fail");
    blobGets.length = 0;
    const r = await review(port, `${host}/team/app:signed`);
    expect(r.response.allowed, JSON.stringify(r.response.status)).toBe(true);
    expect(new Set(blobGets).size).toBe(2);
    expect(blobGets).toHaveLength(2);
  });
});
