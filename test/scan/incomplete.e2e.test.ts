import type { ChildProcess } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  type TestCerts,
} from "../admission/support.js";
import { type BuiltImage, buildImageLayout } from "../support/image-builder.js";
import { pushLayoutImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import {
  PORTCULLIS_BIN,
  type RegistryServer,
  type RunResult,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";

/**
 * Issue 11, item 3, end to end: a Debian image whose dpkg status is over the 64 MiB kept-file limit
 * and lists a package with a critical (made-up) advisory. Before the fix the file was skipped with a
 * warning on stderr only, `scan` said "No vulnerabilities found" and exited 0, and every gate allowed
 * the image. Now the scan is incomplete everywhere: `scan` (exit 3, table and JSON), the report the
 * server stores on push and serves, `verify --policy` (scan local and scan api), the admission
 * webhook (--scan-api) and the registry's pull gate all deny it as incomplete, and allow it only when
 * the policy says allowIncomplete. Raising the limit shows what the limit hid.
 */
const TIMEOUT = 240_000;
const OS_RELEASE =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const VULNERABLE =
  "Package: vulnpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\nDescription: the package the limit hides\n\n";
const ADVISORY = {
  id: "CVE-2099-7777",
  modified: "2026-01-01T00:00:00Z",
  summary: "vulnpkg is made up for this test",
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  affected: [
    {
      package: { ecosystem: "Debian:12", name: "vulnpkg" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0-2" }] }],
    },
  ],
};
const LIMIT = 64 * 1024 * 1024;
const BIG = LIMIT + 2 * 1024 * 1024;
const RAISED = String(128 * 1024 * 1024);

/**
 * A dpkg status a little over the limit: the vulnerable package, then padding packages whose
 * descriptions are seeded pseudo-random base64 (xorshift32), so the layer compresses like real text
 * rather than like a decompression bomb (which the walker refuses outright).
 */
function bigDpkgStatus(): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const out = Buffer.alloc(BIG + 4096);
  let at = out.write(VULNERABLE);
  let state = 0x2545f491;
  for (let n = 0; at < BIG; n++) {
    at += out.write(
      `Package: pad${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${n}\nDescription: padding\n `,
      at,
    );
    for (let i = 0; i < 960; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[at++] = alphabet.charCodeAt((state >>> 0) & 63);
    }
    at += out.write("\n\n", at);
  }
  return out.subarray(0, at);
}

function portcullis(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], {
    allowFailure: true,
    env: { NO_COLOR: "1", ...env },
  });
}

const POLICY_HEAD = "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    scan:\n";

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "an oversized package database makes the scan incomplete in every gate",
  () => {
    const dirs: string[] = [];
    let work = "";
    let db = "";
    let dataDir = "";
    let deny = "";
    let allow = "";
    let server: RegistryServer;
    let image: BuiltImage;
    let certs: TestCerts;
    const webhooks: ChildProcess[] = [];

    async function scanOf(digest: string): Promise<Record<string, unknown>> {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const res = await fetch(
          `${server.url}/api/v1/repositories/team/app/manifests/${digest}/vulnerabilities`,
        );
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 200 && (body.status === "done" || body.status === "failed")) return body;
        if (Date.now() > deadline) throw new Error(`no finished scan of ${digest}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    beforeAll(async () => {
      work = await tempDir("portcullis-incomplete-", dirs);
      await writeFile(join(work, "advisory.json"), JSON.stringify(ADVISORY));
      db = join(work, "advisories.db");
      const imported = await portcullis(["db", "import", "--db", db, join(work, "advisory.json")]);
      expect(imported.code, imported.stderr).toBe(0);
      deny = join(work, "deny.yaml");
      allow = join(work, "allow.yaml");
      await writeFile(deny, `${POLICY_HEAD}      maxSeverity: high\n`);
      await writeFile(allow, `${POLICY_HEAD}      maxSeverity: high\n      allowIncomplete: true\n`);
      image = await buildImageLayout(join(work, "image"), [
        { "etc/os-release": OS_RELEASE, "var/lib/dpkg/status": bigDpkgStatus() },
      ]);
      dataDir = await tempDir("portcullis-incomplete-data-", dirs);
      server = await startPortcullis({ dataDir, env: { PORTCULLIS_SCAN_ADVISORY_DATABASE: db } });
      await pushLayoutImage(new RegistryClient({ registry: server.host }), "team/app", image, "big");
      certs = makeCerts();
    }, TIMEOUT);

    afterAll(async () => {
      for (const webhook of webhooks) webhook.kill("SIGKILL");
      certs?.cleanup();
      await server?.dispose();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it(
      "scan exits 3 and says why in the table and in JSON; with the limit raised it finds the hidden package",
      async () => {
        const layout = `oci:${image.dir}:v1`;
        const table = await portcullis(["scan", layout, "--db", db, "-q"]);
        expect(table.code, table.stderr).toBe(3);
        expect(table.stdout).toContain("INCOMPLETE SCAN: packages may be missing");
        expect(table.stdout).toMatch(
          /FILE_TOO_LARGE: .*\/var\/lib\/dpkg\/status is \d+ bytes, over the 67108864-byte limit/,
        );
        expect(table.stdout).not.toContain("No vulnerabilities found.\n");
        expect(table.stderr).toContain("portcullis scan: incomplete:");

        const json = await portcullis(["scan", layout, "--db", db, "-q", "-f", "json"]);
        expect(json.code).toBe(3);
        const report = JSON.parse(json.stdout) as {
          complete: boolean;
          incomplete: Array<{ code: string; message: string }>;
          warnings: string[];
        };
        expect(report.complete).toBe(false);
        expect(report.incomplete.map((r) => r.code)).toEqual(["FILE_TOO_LARGE"]);
        expect(report.warnings.some((w) => w.includes("/var/lib/dpkg/status"))).toBe(true);

        const raised = await portcullis(["scan", layout, "--db", db, "-q", "--max-file-bytes", RAISED]);
        expect(raised.code, raised.stderr).toBe(1);
        expect(raised.stdout).toContain("CVE-2099-7777");
        const accepted = await portcullis(["scan", layout, "--db", db, "-q", "--allow-incomplete"]);
        expect(accepted.code).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "scan on push stores the report as incomplete, and the API serves it so",
      async () => {
        const stored = await scanOf(image.digest);
        expect(stored.status).toBe("done");
        expect(stored.report).toMatchObject({
          complete: false,
          incomplete: [expect.objectContaining({ code: "FILE_TOO_LARGE" })],
          findings: [],
        });
      },
      TIMEOUT,
    );

    it(
      "verify --policy denies it as incomplete with scan api and scan local, and allows it with allowIncomplete",
      async () => {
        const ref = `${server.host}/team/app@${image.digest}`;
        const api = (policy: string) =>
          portcullis(["verify", ref, "--policy", policy, "--scan", "api", "--scan-api", server.url]);
        const local = (policy: string, env: Record<string, string> = {}) =>
          portcullis(["verify", ref, "--policy", policy, "--scan", "local", "--db", db], env);
        for (const denied of [await api(deny), await local(deny)]) {
          expect(denied.code, denied.stdout + denied.stderr).toBe(1);
          expect(denied.stdout).toContain("the scan is incomplete");
          expect(denied.stdout).toContain("FILE_TOO_LARGE");
        }
        for (const allowed of [await api(allow), await local(allow)]) {
          expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
          expect(allowed.stdout).toContain("incomplete scan accepted (allowIncomplete)");
        }
        // With the limit raised the scan is complete and the hidden critical finding decides.
        const raised = await local(allow, { PORTCULLIS_SCAN_MAX_FILE_BYTES: "128MiB" });
        expect(raised.code, raised.stdout + raised.stderr).toBe(1);
        expect(raised.stdout).toContain("CVE-2099-7777");
      },
      TIMEOUT,
    );

    it(
      "the admission webhook (--scan-api) denies it as incomplete, and admits it with allowIncomplete",
      async () => {
        const decide = async (policy: string) => {
          const started = await startAdmissionServe(
            serveArgs(certs, policy, "--timeout", "10s", "--scan-api", server.url),
          );
          webhooks.push(started.child);
          const reply = await post(
            started.port,
            "/validate",
            JSON.stringify(podReview([`${server.host}/team/app@${image.digest}`])),
            certs.ca,
          );
          return (reply.body as ReviewResponseBody).response;
        };
        const denied = await decide(deny);
        expect(denied.allowed).toBe(false);
        expect(denied.status?.message).toContain("the scan is incomplete");
        const allowed = await decide(allow);
        expect(allowed.allowed, allowed.status?.message).toBe(true);
      },
      TIMEOUT,
    );

    it(
      "the registry's pull gate refuses it as incomplete, and serves it with allowIncomplete",
      async () => {
        const pull = async (policy: string) => {
          const port = Number(new URL(server.url).port);
          await server.stop();
          server = await startPortcullis({
            dataDir,
            port,
            env: {
              PORTCULLIS_SCAN_ADVISORY_DATABASE: db,
              PORTCULLIS_POLICY_PULL: policy,
              PORTCULLIS_POLICY_DECISION_CACHE: "0",
            },
          });
          return fetch(`${server.url}/v2/team/app/manifests/${image.digest}`, {
            headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
          });
        };
        const denied = await pull(deny);
        expect(denied.status).toBe(403);
        expect(await denied.text()).toContain("the scan is incomplete");
        const served = await pull(allow);
        expect(served.status).toBe(200);
      },
      TIMEOUT,
    );
  },
);
