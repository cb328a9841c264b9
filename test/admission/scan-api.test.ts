import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { type BuiltImage, buildImageLayout } from "../support/image-builder.js";
import { pushLayoutImage, pushTinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import {
  PORTCULLIS_BIN,
  type RegistryServer,
  type RunResult,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  TESTDATA,
  type TestCerts,
} from "./support.js";

/**
 * The scan API as the webhook's and CI's scan source, all real processes: `serve` scans pushed images
 * on push against an advisory database made here (left-pad before 1.3.1 is critical), and
 * `admission serve --scan-api URL` (no --data: it never sees the server's database) and
 * `verify --policy --scan api` decide with block-critical.yaml (`scan: { maxAge: 24h, maxSeverity: high }`)
 * from the reports the server's API serves.
 */
const POLICY = join(TESTDATA, "block-critical.yaml");
const ADVISORY = {
  id: "GHSA-test-left-pad-critical",
  modified: "2026-01-01T00:00:00Z",
  aliases: ["CVE-2099-4242"],
  summary: "left-pad pads with the wrong character (made up for this test)",
  affected: [
    {
      package: { ecosystem: "npm", name: "left-pad" },
      ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.3.1" }] }],
    },
  ],
  database_specific: { severity: "CRITICAL" },
};

function portcullis(args: string[]): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], { allowFailure: true, env: { NO_COLOR: "1" } });
}

const leftPadImage = (dir: string, version: string) =>
  buildImageLayout(dir, [
    {
      "app/node_modules/left-pad/package.json": JSON.stringify({
        name: "left-pad",
        version,
        license: "WTFPL",
      }),
    },
  ]);

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "scans read from a Portcullis server's API (admission serve, verify)",
  () => {
    const dirs: string[] = [];
    let server: RegistryServer;
    let certs: TestCerts;
    let webhook: ChildProcess;
    let webhookPort = 0;
    let webhookLines: string[] = [];
    let clean: BuiltImage;
    let vulnerable: BuiltImage;
    let broken = "";
    let unscanned = "";

    async function scanOf(
      digest: string,
      until: (status: string) => boolean,
    ): Promise<Record<string, unknown>> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const res = await fetch(
          `${server.url}/api/v1/repositories/team/app/manifests/${digest}/vulnerabilities`,
        );
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 200 && until(String(body.status))) return body;
        if (Date.now() > deadline) throw new Error(`no finished scan of ${digest}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    beforeAll(async () => {
      const work = await tempDir("portcullis-scan-api-", dirs);
      const advisory = join(work, "left-pad.json");
      await writeFile(advisory, JSON.stringify(ADVISORY));
      const db = join(work, "advisories.db");
      const imported = await portcullis(["db", "import", "--db", db, advisory]);
      expect(imported.code, imported.stderr).toBe(0);

      const dataDir = await tempDir("portcullis-scan-api-data-", dirs);
      const env = { PORTCULLIS_SCAN_ADVISORY_DATABASE: db };
      server = await startPortcullis({ dataDir, env });
      let client = new RegistryClient({ registry: server.host });
      clean = await leftPadImage(join(work, "clean"), "1.3.1");
      vulnerable = await leftPadImage(join(work, "vulnerable"), "1.3.0");
      await pushLayoutImage(client, "team/app", clean, "clean");
      await pushLayoutImage(client, "team/app", vulnerable, "vulnerable");
      // Its one layer is not a tar archive: scan on push fails on it.
      broken = await pushTinyImage(client, "team/app", "broken", { seed: "not a tar archive" });
      await scanOf(clean.digest, (s) => s === "done");
      await scanOf(vulnerable.digest, (s) => s === "done");
      await scanOf(broken, (s) => s === "done" || s === "failed");
      // The same server again with scan on push off: an image pushed now is held but never scanned.
      const port = Number(new URL(server.url).port);
      await server.stop();
      server = await startPortcullis({ dataDir, port, env: { ...env, PORTCULLIS_SCAN_ON_PUSH: "false" } });
      client = new RegistryClient({ registry: server.host });
      unscanned = await pushTinyImage(client, "team/app", "unscanned", { seed: "never scanned" });

      certs = makeCerts();
      ({
        child: webhook,
        port: webhookPort,
        lines: webhookLines,
      } = await startAdmissionServe(serveArgs(certs, POLICY, "--timeout", "5s", "--scan-api", server.url)));
    }, 120_000);

    afterAll(async () => {
      webhook?.kill("SIGKILL");
      certs?.cleanup();
      await server?.dispose();
      const { rm } = await import("node:fs/promises");
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    const review = async (images: string[]) =>
      (await post(webhookPort, "/validate", JSON.stringify(podReview(images)), certs.ca))
        .body as ReviewResponseBody;

    it("the server scanned the pushed images: the vulnerable one has the critical finding", async () => {
      const done = await scanOf(vulnerable.digest, (s) => s === "done");
      const findings = (done.report as { findings: Array<{ id: string; severity: string }> }).findings;
      expect(findings).toEqual([expect.objectContaining({ severity: "CRITICAL" })]);
      const cleanScan = await scanOf(clean.digest, (s) => s === "done");
      expect((cleanScan.report as { findings: unknown[] }).findings).toEqual([]);
    });

    it("says at start that decisions are not recorded but scans come from --scan-api", () => {
      const warning = webhookLines.find((l) => l.includes("no --data or --config"));
      expect(warning).toContain("scans are read from --scan-api");
      expect(webhookLines.join("\n")).not.toContain("scan requirements have no evidence");
    });

    it("admits the clean image, by tag and by digest", async () => {
      const byTag = await review([`${server.host}/team/app:clean`]);
      expect(byTag.response.allowed, byTag.response.status?.message).toBe(true);
      const byDigest = await review([`${server.host}/team/app@${clean.digest}`]);
      expect(byDigest.response.allowed, byDigest.response.status?.message).toBe(true);
    });

    it("denies the image with a critical finding, naming it", async () => {
      const r = await review([`${server.host}/team/app@${vulnerable.digest}`]);
      expect(r.response.allowed).toBe(false);
      expect(r.response.status?.message).toContain("CVE-2099-4242");
      expect(r.response.status?.message).toMatch(/critical in left-pad/);
    });

    it("denies an image the server holds but never scanned, saying so", async () => {
      const api = await fetch(
        `${server.url}/api/v1/repositories/team/app/manifests/${unscanned}/vulnerabilities`,
      );
      expect(api.status).toBe(404);
      expect(await api.json()).toMatchObject({ errors: [{ code: "SCAN_UNKNOWN" }] });
      const r = await review([`${server.host}/team/app@${unscanned}`]);
      expect(r.response.allowed).toBe(false);
      expect(r.response.status?.message).toContain("the image has never been scanned");
    });

    it("denies an image whose scan failed, with the server's reason (fail closed)", async () => {
      const r = await review([`${server.host}/team/app@${broken}`]);
      expect(r.response.allowed).toBe(false);
      expect(r.response.status?.message).toMatch(/scan of sha256:[0-9a-f]{64} failed/);
    });

    it("verify --policy --scan api decides the same images the same way", async () => {
      const verify = (image: string, extra: string[] = []) =>
        portcullis([
          "verify",
          image,
          "--policy",
          POLICY,
          "--scan",
          "api",
          "--scan-api",
          server.url,
          ...extra,
        ]);
      const allowed = await verify(`${server.host}/team/app:clean`, ["-o", "json"]);
      expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
      const decision = JSON.parse(allowed.stdout) as { allowed: boolean; results: Array<{ rule: string }> };
      expect(decision).toMatchObject({ allowed: true });

      const denied = await verify(`${server.host}/team/app:vulnerable`);
      expect(denied.code, denied.stdout + denied.stderr).toBe(1);
      expect(denied.stdout).toContain("CVE-2099-4242");

      const never = await verify(`${server.host}/team/app@${unscanned}`);
      expect(never.code).toBe(1);
      expect(never.stdout).toContain("the image has never been scanned");
    });

    it("refuses bad --scan-api use before deciding anything", async () => {
      const noUrl = await portcullis([
        "verify",
        `${server.host}/team/app:clean`,
        "--policy",
        POLICY,
        "--scan",
        "api",
      ]);
      expect(noUrl.code).toBe(2);
      expect(noUrl.stderr).toContain("--scan api needs --scan-api");
      const plain = await portcullis([
        "verify",
        `${server.host}/team/app:clean`,
        "--policy",
        POLICY,
        "--scan-api",
        "http://registry.example.com:5000",
      ]);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(/plain HTTP to registry\.example\.com:5000 is refused.*--insecure/);
      const webhookPlain = await portcullis([
        "admission",
        ...serveArgs(certs, POLICY, "--scan-api", "http://registry.example.com:5000"),
      ]);
      expect(webhookPlain.code).toBe(2);
      expect(webhookPlain.stderr).toMatch(/--scan-api: plain HTTP .* with --insecure\b/);
    });
  },
);
