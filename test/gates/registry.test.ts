/**
 * The policy gate against a real listening Portcullis (in process): evidence read from the registry
 * (config blob, cosign signatures and Sigstore bundle referrers, attestations) and verified with the
 * keys a policy file names, tags resolved by HEAD, and fail-closed decisions when the registry is gone.
 */

import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cachedClients,
  createPolicyGate,
  loadPolicyFile,
  localScanSource,
  type PolicyGate,
  registryDigestResolver,
  registryEvidencePorts,
  storedScanSource,
} from "../../src/app/index.js";
import { EvidenceCache } from "../../src/evidence/index.js";
import { parseImageReference, RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { attestImage, resolveImage, type SigningKey, signImage } from "../../src/trust/index.js";
import { classifyKey } from "../../src/trust/keys/policy.js";
import { importOsv, openAdvisoryDatabase } from "../../src/vuln/index.js";
import { pushTinyImage } from "../support/push-image.js";

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const _sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

const POLICY = `
apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    digest: true
    signedBy: [{ key: keys/release.pub }]
    nonRoot: true
    labels: [{ name: org.opencontainers.image.source, value: "https://example.com/*" }]
namespaceRules:
  scanned:
    require:
      digest: false
      signedBy: false
      nonRoot: false
      labels: false
      scan: { maxAge: 1h, maxSeverity: high }
  provenance:
    require:
      attestations:
        - type: https://slsa.dev/provenance/v1
          key: keys/builder.pub
          condition: predicate.runDetails.builder.id == "https://ci.example.com/builder"
`;

describe("the policy gate against Portcullis", () => {
  let server: TestServer;
  let client: RegistryClient;
  let host: string;
  let dir: string;
  let gate: PolicyGate;
  const release = newKey();
  const builder = newKey();
  const stranger = newKey();

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", storage: "memory" });
    host = new URL(server.url).host;
    client = new RegistryClient({ registry: host });
    dir = await mkdtemp(join(tmpdir(), "portcullis-gates-"));
    await mkdir(join(dir, "keys"));
    const pem = (k: SigningKey) => k.publicKey.export({ type: "spki", format: "pem" }) as string;
    await writeFile(join(dir, "keys", "release.pub"), pem(release));
    await writeFile(join(dir, "keys", "builder.pub"), pem(builder));
    await writeFile(join(dir, "policy.yaml"), POLICY);
    const policy = loadPolicyFile(join(dir, "policy.yaml"));
    const clientFor = cachedClients((registry) => new RegistryClient({ registry }));
    gate = createPolicyGate({
      policy,
      ports: registryEvidencePorts({ policy, clientFor, scans: storedScanSource(server.platform.scans) }),
      resolver: registryDigestResolver(clientFor),
      cache: new EvidenceCache(),
      timeoutMs: 10_000,
    });

    const signed = await pushImage(client, "team/app", "v1", "1000");
    const target = await resolveImage(client, parseImageReference(`${host}/team/app@${signed}`));
    await signImage(client, target, release);
    await attestImage(client, target, builder, "https://slsa.dev/provenance/v1", {
      runDetails: { builder: { id: "https://ci.example.com/builder" } },
    });
    await pushImage(client, "team/app", "unsigned", "1000");
    const root = await pushImage(client, "team/root", "v1", "root");
    await signImage(
      client,
      await resolveImage(client, parseImageReference(`${host}/team/root@${root}`)),
      release,
    );
    const other = await pushImage(client, "team/other", "v1", "1000");
    await signImage(
      client,
      await resolveImage(client, parseImageReference(`${host}/team/other@${other}`)),
      stranger,
      { referrer: false },
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("allows a signed, non-root, labelled image named by tag, and says why for every rule", async () => {
    const { decision, input } = await gate.explain({ image: `${host}/team/app:v1`, request: { kind: "ci" } });
    expect(decision.reason).toBe("allowed by defaultRule");
    expect(decision).toMatchObject({ allowed: true, effect: "allow", verdict: "pass" });
    expect(Object.fromEntries(decision.rules.map((r) => [r.rule, r.passed]))).toEqual({
      digest: true,
      signedBy: true,
      nonRoot: true,
      labels: true,
    });
    expect(input.image.digest).toMatch(/^sha256:/);
    expect(input.evidence.config?.user).toBe("1000");
    // Both stored forms verify: the cosign tag and the Sigstore bundle referrer.
    const formats = (input.evidence.signatures ?? []).filter((s) => s.verified).map((s) => s.format);
    expect(new Set(formats)).toEqual(new Set(["cosign", "sigstore-bundle"]));
  });

  it("denies an unsigned image with the reason", async () => {
    const decision = await gate.decide({ image: `${host}/team/app:unsigned`, request: { kind: "ci" } });
    expect(decision).toMatchObject({ allowed: false, effect: "deny" });
    expect(decision.rules.find((r) => r.rule === "signedBy")).toMatchObject({
      passed: false,
      reason: "no signature found; required: key keys/release.pub",
    });
  });

  it("denies an image signed by a key the policy does not name", async () => {
    const decision = await gate.decide({ image: `${host}/team/other:v1`, request: { kind: "ci" } });
    expect(decision.allowed).toBe(false);
    expect(decision.rules.find((r) => r.rule === "signedBy")?.reason).toContain(
      "none verified by key keys/release.pub",
    );
  });

  it("denies a root image that is signed", async () => {
    const decision = await gate.decide({ image: `${host}/team/root:v1`, request: { kind: "ci" } });
    expect(decision.allowed).toBe(false);
    expect(decision.rules.find((r) => r.rule === "nonRoot")?.passed).toBe(false);
    expect(decision.rules.find((r) => r.rule === "signedBy")?.passed).toBe(true);
  });

  it("checks an attestation's predicate with the policy's CEL condition", async () => {
    const request = { kind: "admission" as const, namespace: "provenance" };
    const decision = await gate.decide({ image: `${host}/team/app:v1`, request });
    expect(decision.ruleSource).toBe("namespaceRules.provenance");
    expect(decision.rules.find((r) => r.rule === "attestations")).toMatchObject({ passed: true });
    const unsigned = await gate.decide({ image: `${host}/team/app:unsigned`, request });
    expect(unsigned.rules.find((r) => r.rule === "attestations")).toMatchObject({ passed: false });
  });

  it("reads the latest stored scan report by digest", async () => {
    const scans = server.platform.scans;
    const request = { kind: "admission" as const, namespace: "scanned" };
    const image = (digest: string) => `${host}/team/scanned@${digest}`;
    const never = `sha256:${"1".repeat(64)}`;
    const none = await gate.decide({ image: image(never), request });
    expect(none.allowed).toBe(false);
    expect(none.rules.find((r) => r.rule === "scan")?.reason).toBe("the image has never been scanned");

    const critical = `sha256:${"2".repeat(64)}`;
    await scans.request(critical, "team/scanned", new Date());
    const report = {
      schema: "portcullis.dev/scan-report/v1" as const,
      subject: { name: image(critical), digest: critical },
      packages: 1,
      findings: [
        {
          id: "CVE-2024-0001",
          aliases: [],
          severity: "CRITICAL" as const,
          fixedVersion: "1.2.4",
          package: { name: "libfoo", version: "1.2.3", type: "deb", purl: "pkg:deb/debian/libfoo@1.2.3" },
        },
      ],
      violations: [],
      summary: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0, suppressed: 0, violations: 0 },
      advisories: { ecosystems: [] },
      warnings: [],
      scannedAt: new Date().toISOString(),
    };
    await scans.complete(critical, {
      sbom: Buffer.from("{}"),
      sbomDigest: critical,
      report: report as unknown as Parameters<typeof scans.complete>[1]["report"],
      at: new Date(),
    });
    const denied = await gate.decide({ image: image(critical), request });
    expect(denied.allowed).toBe(false);
    expect(denied.rules.find((r) => r.rule === "scan")?.reason).toContain("CVE-2024-0001");

    const failed = `sha256:${"3".repeat(64)}`;
    await scans.request(failed, "team/scanned", new Date());
    await scans.setStatus(failed, "failed", "layer 0 failed verification");
    const broken = await gate.decide({ image: image(failed), request });
    expect(broken.allowed).toBe(false);
    expect(broken.reason).toContain("layer 0 failed verification");
  });

  it("reads the config of each image of a multi-platform index", async () => {
    const child = await pushImage(client, "team/multi", "amd64", "65532");
    const manifest = await client.getManifest("team/multi", child);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: manifest.mediaType,
            digest: child,
            size: manifest.bytes.length,
            platform: { os: "linux", architecture: "amd64" },
          },
        ],
        annotations: { "org.opencontainers.image.base.name": "gcr.io/distroless/static-debian12" },
      }),
    );
    const digest = await client.putManifest(
      "team/multi",
      "v1",
      index,
      "application/vnd.oci.image.index.v1+json",
    );
    const { entries } = await gate.explain({
      image: `${host}/team/multi@${digest}`,
      request: { kind: "ci" },
    });
    // An index is judged by its images (issue 11, item 1); each reads the index's annotations under its own.
    expect(entries?.map((e) => e.digest)).toEqual([child]);
    const evidence = entries?.[0]?.input.evidence;
    expect(evidence?.config?.user).toBe("65532");
    expect(evidence?.base).toEqual({ name: "gcr.io/distroless/static-debian12" });
    expect(evidence?.errors).toBeUndefined();
    // verify --scan local never scans one platform's image for the index (openImage would pick one).
    // A database that holds an advisory (an empty one is refused first, issue 11 item 10).
    const db = openAdvisoryDatabase(join(dir, "advisories.db"), { create: true });
    const record = {
      id: "OSV-TEST-0001",
      modified: "2026-01-01T00:00:00Z",
      affected: [{ package: { ecosystem: "npm", name: "left-pad" }, versions: ["1.0.0"] }],
    };
    await writeFile(join(dir, "advisory.json"), JSON.stringify(record));
    await importOsv(db, join(dir, "advisory.json"));
    db.close();
    const local = localScanSource({ advisoryDatabase: join(dir, "advisories.db") });
    await expect(
      local.latestScan({ registry: host, repository: "team/multi", digest }, new AbortController().signal),
    ).rejects.toThrow(/is an index: only the images it lists can be scanned/);
  });

  it("fails closed with the reason when the registry is unreachable", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const closed = await closedPort();
    for (const image of [`127.0.0.1:${closed}/team/app:v1`, `127.0.0.1:${closed}/team/app@${digest}`]) {
      const decision = await gate.decide({ image, request: { kind: "ci" } });
      expect(decision).toMatchObject({ allowed: false, effect: "deny" });
      expect(decision.reason).toMatch(/evidence unavailable/);
      expect(decision.reason).toContain(`registry 127.0.0.1:${closed} is unreachable`);
    }
  });
});

/** A one-layer image whose config says `User` and carries a source label; returns its digest. */
function pushImage(client: RegistryClient, repo: string, tag: string, user: string): Promise<string> {
  return pushTinyImage(client, repo, tag, {
    config: { User: user, Labels: { "org.opencontainers.image.source": "https://example.com/app" } },
  });
}
