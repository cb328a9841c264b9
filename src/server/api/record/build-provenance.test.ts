import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RecordEntry } from "../../../audit/index.js";
import { RegistryClient } from "../../../oci/index.js";
import {
  attestImage,
  buildProvenance,
  generateKeyPair,
  PREDICATE_TYPE_SLSA_V1,
  resolveSigningTarget,
  signImage,
} from "../../../trust/index.js";
import {
  digestOf,
  OCI_INDEX,
  OCI_MANIFEST,
  pushBlob,
  pushImage,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../../testing.js";

const DOCKERFILE = Buffer.from("FROM alpine:3.19\nRUN echo hi\n");
const BASE = `sha256:${"1a".repeat(32)}`;
/** A real BuildKit mode=min provenance (SLSA v0.2), see NOTICE. */
const BUILDKIT = readFileSync(
  new URL("../../../trust/registry/testdata/buildkit-mode-min.intoto.json", import.meta.url),
);

const predicate = () =>
  buildProvenance({
    dockerfile: { path: "Dockerfile", bytes: DOCKERFILE },
    source: {
      uri: "https://github.com/example/app",
      digest: "sha1:4d329c75e7ec1725f7c9ce917a8799d408d06be3",
    },
    baseImages: [{ reference: "docker.io/library/alpine:3.19", digest: BASE }],
    builderId: "https://ci.example/builders/1",
    startedOn: new Date(0),
    finishedOn: new Date(1000),
    invocationId: "run-42",
  });

/**
 * "Built by" entries: a provenance pushed as a cosign `.att` (verified with the pull policy's key, or
 * not), and BuildKit's attestation manifest in an image index (unsigned), each one entry for the image.
 */
describe.each(testDatabases())("build.provenance entries (%s)", (database) => {
  let server: TestServer;
  let dir: string;
  let host: string;
  let release: Awaited<ReturnType<typeof generateKeyPair>>;

  const provenanceOf = (digest: string) =>
    vi.waitFor(
      async () => {
        const found = await server.platform.record.query({ kind: "build.provenance", digest });
        expect(found.length).toBeGreaterThan(0);
        return found;
      },
      { timeout: 10_000, interval: 50 },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pc-record-builds-"));
    release = await generateKeyPair("pw", { strength: "legacy" });
    await writeFile(join(dir, "release.pub"), release.publicKeyPem);
    // The pull policy names whom to trust; dry-run, so it decides nothing here.
    await writeFile(
      join(dir, "pull.yaml"),
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  enforcementMode: dry-run\n  require:\n    signedBy:\n      - key: release.pub\n",
    );
    server = await startTestServer({ database, config: { "policy.pull": join(dir, "pull.yaml") } });
    host = new URL(server.url).host;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("records a cosign provenance verified by the pull policy's key as built and signed by it, once", async () => {
    const { digest } = await pushImage(server.url, "team/app", { tag: "signed", seed: "signed" });
    const client = new RegistryClient({ registry: host });
    const target = await resolveSigningTarget(client, { registry: host, repository: "team/app", digest });
    await attestImage(client, target, release, PREDICATE_TYPE_SLSA_V1, predicate());
    const [entry, ...more] = await provenanceOf(digest);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ repository: "team/app", digest });
    expect(entry!.summary).toMatch(/built by https:\/\/ci\.example\/builders\/1, signed by key sha256:/);
    expect(entry!.payload).toMatchObject({
      verified: true,
      verifiedWith: "release.pub",
      builderId: "https://ci.example/builders/1",
      buildType: "https://portcullis.dev/provenance/dockerfile/v1",
      source: {
        uri: "https://github.com/example/app",
        digest: "sha1:4d329c75e7ec1725f7c9ce917a8799d408d06be3",
      },
      dockerfileDigest: `sha256:${createHash("sha256").update(DOCKERFILE).digest("hex")}`,
      baseImages: [{ digest: BASE }],
      invocationId: "run-42",
      format: "cosign-tag",
    });
    expect((entry!.payload as { signedBy: string }).signedBy).toMatch(/^key sha256:[0-9a-f]{64}$/);
    // Stored twice (a cosign tag and a Sigstore bundle referrer): two image.attested entries, one per
    // artifact, but the same statement is one "built by" entry; a second attestation appended to the
    // same `.att` tag does not record the first one again.
    await vi.waitFor(async () => {
      const attested = await server.platform.record.query({ kind: "image.attested", digest });
      expect(attested.map((e) => (e.payload as { format: string }).format).sort()).toEqual([
        "cosign-tag",
        "referrer",
      ]);
    });
    await attestImage(client, target, release, "https://example.com/other/v1", { ok: true });
    await new Promise((r) => setTimeout(r, 500));
    await server.platform.record.settled();
    expect(await server.platform.record.query({ kind: "build.provenance", digest })).toHaveLength(1);
  });

  it("records a provenance pushed only as a Sigstore bundle referrer, verified", async () => {
    const { digest } = await pushImage(server.url, "team/app", { tag: "bundle", seed: "bundle" });
    const client = new RegistryClient({ registry: host });
    const target = await resolveSigningTarget(client, { registry: host, repository: "team/app", digest });
    await attestImage(client, target, release, PREDICATE_TYPE_SLSA_V1, predicate(), { tagScheme: false });
    const [entry] = await provenanceOf(digest);
    expect(entry!.payload).toMatchObject({ verified: true, format: "referrer", invocationId: "run-42" });
  });

  it("records a provenance signed by a key nobody trusts as not verified", async () => {
    const { digest } = await pushImage(server.url, "team/app", { tag: "stranger", seed: "stranger" });
    const client = new RegistryClient({ registry: host });
    const target = await resolveSigningTarget(client, { registry: host, repository: "team/app", digest });
    await attestImage(
      client,
      target,
      await generateKeyPair("pw", { strength: "legacy" }),
      PREDICATE_TYPE_SLSA_V1,
      predicate(),
    );
    const [entry] = await provenanceOf(digest);
    expect(entry!.summary).toContain("(provenance not verified)");
    expect(entry!.payload).toMatchObject({
      verified: false,
      signedBy: null,
      builderId: "https://ci.example/builders/1",
    });
  });

  it("records signature pushes as signed by the pull policy's key, or as not verified", async () => {
    const client = new RegistryClient({ registry: host });
    const signedWith = async (seed: string, key: Awaited<ReturnType<typeof generateKeyPair>>) => {
      const { digest } = await pushImage(server.url, "team/app", { tag: seed, seed });
      const target = await resolveSigningTarget(client, { registry: host, repository: "team/app", digest });
      await signImage(client, target, key);
      return vi.waitFor(
        async () => {
          const found = await server.platform.record.query({ kind: "image.signed", digest });
          expect(found).toHaveLength(2);
          return found;
        },
        { timeout: 10_000, interval: 50 },
      );
    };
    const trusted = await signedWith("sig-trusted", release);
    expect(trusted.map((e) => (e.payload as { format: string }).format).sort()).toEqual([
      "cosign-tag",
      "referrer",
    ]);
    for (const entry of trusted) {
      expect(entry.payload).toMatchObject({ verified: true, verifiedWith: "release.pub" });
      expect(entry.summary).toMatch(/, signed by key sha256:[0-9a-f]{64}$/);
    }
    const stranger = await signedWith("sig-stranger", await generateKeyPair("pw", { strength: "legacy" }));
    for (const entry of stranger) {
      expect(entry.payload).toMatchObject({ verified: false, signedBy: null });
      expect(entry.summary).toContain("(signature not verified)");
    }
  });

  it("records BuildKit's attestation manifest in an image index, unverified", async () => {
    const image = await pushImage(server.url, "team/bk", { seed: "buildkit" });
    const statement = Buffer.from(BUILDKIT);
    await pushBlob(server.url, "team/bk", statement);
    const empty = Buffer.from("{}");
    await pushBlob(server.url, "team/bk", empty);
    const attestation = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(empty), size: 2 },
        layers: [
          {
            mediaType: "application/vnd.in-toto+json",
            digest: digestOf(statement),
            size: statement.length,
            annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
          },
        ],
      }),
    );
    const attestationDigest = digestOf(attestation);
    expect(
      (await putManifest(server.url, "team/bk", attestationDigest, attestation, OCI_MANIFEST)).status,
    ).toBe(201);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: image.digest,
            size: image.manifest.length,
            platform: { architecture: "amd64", os: "linux" },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: attestationDigest,
            size: attestation.length,
            platform: { architecture: "unknown", os: "unknown" },
            annotations: {
              "vnd.docker.reference.type": "attestation-manifest",
              "vnd.docker.reference.digest": image.digest,
            },
          },
        ],
      }),
    );
    expect((await putManifest(server.url, "team/bk", "v1", index, OCI_INDEX)).status).toBe(201);
    const [entry] = (await provenanceOf(image.digest)) as RecordEntry[];
    expect(entry!.payload).toMatchObject({
      verified: false,
      signedBy: null,
      format: "buildkit",
      shape: "buildkit-v0.2",
      buildType: "https://mobyproject.org/buildkit@v1",
      builderId: null,
      source: {
        uri: "https://github.com/slsa-framework/example-package.git#4d329c75e7ec1725f7c9ce917a8799d408d06be3",
        digest: "sha1:4d329c75e7ec1725f7c9ce917a8799d408d06be3",
      },
      dockerfileDigest: null,
      dockerfilePath: "Dockerfile",
      invocationId: "i2zs9o1wwh74vxm7k1kobli75",
      manifest: attestationDigest,
    });
    expect((entry!.payload as { baseImages: { uri: string }[] }).baseImages.map((b) => b.uri)).toEqual([
      expect.stringMatching(/^pkg:docker\/golang@1\.21/),
      expect.stringMatching(/^pkg:docker\/gcr\.io\/distroless\/static/),
    ]);
  });
});
