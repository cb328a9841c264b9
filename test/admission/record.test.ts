import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig, ScanStore } from "../../src/app/index.js";
import type { ScanReport } from "../../src/app/scanning/report.js";
import { AuditLog } from "../../src/audit/index.js";
import { digestOf } from "../../src/core/index.js";
import { type Database, openDatabase } from "../../src/storage/index.js";
import { unavailable } from "../support/requirements.js";
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
 * `portcullis admission serve --data DIR` as a real process over a data folder that scan on push
 * filled: scan facts come from the stored reports, and every decision but a dryRun's lands in the
 * hash-chained audit log with gate "admission" and the requesting user.
 */
const CRITICAL = `sha256:${"c1".repeat(32)}`;
const CLEAN = `sha256:${"c0".repeat(32)}`;
const UNSCANNED = `sha256:${"0d".repeat(32)}`;
const image = (digest: string) => `registry.test:5000/team/app@${digest}`;
const TOKEN = "record-test-token";

async function storeScan(database: Database, digest: string, severities: string[]): Promise<void> {
  const scans = new ScanStore(database);
  const now = Date.now();
  await scans.request(digest, "team/app", new Date(now));
  // The fields the scan requirement reads (as registry-gates.test.ts stores them).
  const report = {
    scannedAt: new Date(now - 60_000).toISOString(),
    findings: severities.map((severity, i) => ({
      id: `CVE-2026-100${i}`,
      severity,
      package: { name: "openssl" },
      fixedVersion: "3.0.99",
    })),
  } as unknown as ScanReport;
  await scans.complete(digest, {
    sbom: Buffer.from("{}"),
    sbomDigest: digestOf(Buffer.from("{}")),
    report,
    at: new Date(now),
  });
}

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "portcullis admission serve --data (scans and the audit log)",
  () => {
    let certs: TestCerts;
    let child: ChildProcess;
    let port = 0;
    let dataDir = "";
    let database: Database;

    beforeAll(async () => {
      certs = makeCerts();
      dataDir = mkdtempSync(join(tmpdir(), "portcullis-admission-data-"));
      const config = resolveConfig({ flags: { "storage.dataDir": dataDir } });
      database = await openDatabase(config.database.url);
      await storeScan(database, CRITICAL, ["CRITICAL", "LOW"]);
      await storeScan(database, CLEAN, ["LOW"]);
      // Only an authenticated caller's reviews are recorded (test/admission/auth.test.ts).
      writeFileSync(join(dataDir, "token"), `${TOKEN}\n`);
      const args = serveArgs(
        certs,
        join(TESTDATA, "block-critical.yaml"),
        "--timeout",
        "5s",
        "--data",
        dataDir,
        "--token-file",
        join(dataDir, "token"),
      );
      ({ child, port } = await startAdmissionServe(args));
    });
    afterAll(async () => {
      child?.kill("SIGKILL");
      await database?.close();
      certs?.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const review = async (body: unknown) =>
      (
        await post(port, "/validate", JSON.stringify(body), certs.ca, "application/json", {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).body as ReviewResponseBody;
    const decisions = () => new AuditLog(database).list({ gate: "admission" });

    it("denies an image whose stored scan has a critical finding, with the reason", async () => {
      const r = await review(podReview([image(CRITICAL)]));
      expect(r.response.allowed).toBe(false);
      expect(r.response.status?.message).toMatch(/critical/i);
      expect(r.response.status?.message).toContain("CVE-2026-1000");
    });

    it("allows an image whose stored scan is clean", async () => {
      const r = await review(podReview([image(CLEAN)]));
      expect(r.response.allowed).toBe(true);
    });

    it("denies an image never scanned: no stored scan is no evidence", async () => {
      const r = await review(podReview([image(UNSCANNED)]));
      expect(r.response.allowed).toBe(false);
    });

    it("records each decision with gate admission, the user, namespace, workload and digest", async () => {
      const entries = await decisions();
      expect(entries).toHaveLength(3);
      const denied = entries.find((e) => e.digest === CRITICAL);
      expect(denied).toMatchObject({
        gate: "admission",
        image: image(CRITICAL),
        actor: "usernameValue",
        namespace: "apps",
        workload: "Pod/web",
        effect: "deny",
        mode: "enforce",
        caller: "token",
      });
      expect(denied?.policyDigest).toMatch(/^sha256:/);
      expect(denied?.rules.find((rule) => !rule.passed)?.reason).toMatch(/critical/i);
      expect(entries.find((e) => e.digest === CLEAN)).toMatchObject({ gate: "admission", effect: "allow" });
      expect((await new AuditLog(database).verifyChain()).ok).toBe(true);
    });

    it("records a Pod once though both webhooks see it: /mutate pins and records nothing (issue 12)", async () => {
      const before = (await decisions()).length;
      const body = JSON.stringify(podReview([image(CRITICAL)]));
      const mutated = (
        await post(port, "/mutate", body, certs.ca, "application/json", {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).body as ReviewResponseBody;
      // Mutate admits (denial is /validate's job): a "deny" row from it would record what never happened.
      expect(mutated.response.allowed).toBe(true);
      expect(await decisions()).toHaveLength(before);
      const validated = await review(podReview([image(CRITICAL)]));
      expect(validated.response.allowed).toBe(false);
      const after = await decisions();
      expect(after).toHaveLength(before + 1);
      expect(after.find((e) => e.digest === CRITICAL && e.effect === "deny")).toBeDefined();
    });

    it("answers a dryRun review but does not record it", async () => {
      const before = (await decisions()).length;
      const r = await review(podReview([image(CRITICAL)], { dryRun: true }));
      expect(r.response.allowed).toBe(false);
      expect(await decisions()).toHaveLength(before);
    });
  },
);
