/**
 * Issue 11, item 2 end to end: a package database behind a link. Real OCI images are built here
 * whose dpkg status a container reads at /var/lib/dpkg/status only through a link (a symlinked
 * parent directory made in a lower layer; a hardlink to a file elsewhere), listing bash 4.2, which a
 * made-up critical advisory imported with `portcullis db import` affects. Before the fix every gate
 * saw 0 packages and allowed them. Now:
 * - `portcullis scan` finds the vulnerability and exits 1;
 * - pushed over HTTP to a real `serve` (scan on push, policy.pull with a scan requirement), the
 *   registry's pull gate refuses them;
 * - `verify --policy --scan local` denies them;
 * - `admission serve --scan-api` denies a pod running them.
 */
import type { ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/core/index.js";
import { type TestEntry, tarOf } from "../../src/oci/image/testing/layers.js";
import { RegistryClient } from "../../src/oci/index.js";
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
} from "../admission/support.js";
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

const POLICY = join(TESTDATA, "block-critical.yaml");
const CVE = "CVE-2099-6271";
const ADVISORY = {
  id: "DEBIAN-CVE-2099-6271",
  modified: "2026-01-01T00:00:00Z",
  upstream: [CVE],
  summary: "bash runs what follows a function definition (made up for this test)",
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  affected: [
    {
      package: { name: "bash", ecosystem: "Debian:7", purl: "pkg:deb/debian/bash?arch=source" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "4.2+dfsg-0.1+deb7u1" }] }],
    },
  ],
  database_specific: { severity: "CRITICAL" },
};

const OS_RELEASE = `NAME="Debian GNU/Linux"\nVERSION_ID="7"\nID=debian\n`;
const STATUS = `Package: bash
Status: install ok installed
Architecture: amd64
Version: 4.2+dfsg-0.1
Description: GNU Bourne Again SHell
`;

/** The two shapes of the attack: layers, bottom first. */
const SHAPES: Record<string, TestEntry[][]> = {
  "symlinked-parent": [
    [
      { name: "etc/os-release", content: OS_RELEASE },
      { name: "opt/pkgdb/", type: "directory" },
      { name: "var/lib/dpkg", type: "symlink", linkname: "/opt/pkgdb" },
    ],
    [{ name: "opt/pkgdb/status", content: STATUS }],
  ],
  hardlink: [
    [
      { name: "etc/os-release", content: OS_RELEASE },
      { name: "opt/x/status", content: STATUS },
    ],
    [{ name: "var/lib/dpkg/status", type: "link", linkname: "opt/x/status" }],
  ],
};

interface Layout {
  dir: string;
  digest: string;
}

/** Writes an OCI layout (tag v1) of the layers: gzip layers, a runnable-image config, a manifest. */
async function writeLayout(dir: string, layers: TestEntry[][]): Promise<Layout> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const blob = async (bytes: Buffer) => {
    const digest = digestOf(bytes);
    await writeFile(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const tars = await Promise.all(layers.map((l) => tarOf(l)));
  const layerDescriptors = [];
  for (const tar of tars) {
    layerDescriptors.push({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      ...(await blob(gzipSync(tar))),
    });
  }
  const config = await blob(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Cmd: ["/bin/sh"] },
        rootfs: { type: "layers", diff_ids: tars.map((t) => digestOf(t)) },
      }),
    ),
  );
  const manifest = await blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: layerDescriptors,
      }),
    ),
  );
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "v1" },
        },
      ],
    }),
  );
  return { dir, digest: manifest.digest };
}

function portcullis(args: string[]): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], { allowFailure: true, env: { NO_COLOR: "1" } });
}

async function finishedScan(server: RegistryServer, digest: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/repositories/team/app/manifests/${digest}/vulnerabilities`);
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === 200 && (body.status === "done" || body.status === "failed")) return body;
    if (Date.now() > deadline) throw new Error(`no finished scan of ${digest}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "a dpkg database behind a link, through every gate (issue 11, item 2)",
  () => {
    const dirs: string[] = [];
    let db = "";
    /** Scan on push and a pull policy with a scan requirement: the registry's pull gate. */
    let gated: RegistryServer;
    /** Scan on push, no pull policy: the source of `verify` and of the webhook's scans (--scan-api). */
    let open: RegistryServer;
    let certs: TestCerts;
    let webhook: ChildProcess;
    let webhookPort = 0;
    const layouts: Record<string, Layout> = {};

    beforeAll(async () => {
      const work = await tempDir("portcullis-links-e2e-", dirs);
      const advisory = join(work, "bash.json");
      await writeFile(advisory, JSON.stringify(ADVISORY));
      db = join(work, "advisories.db");
      const imported = await portcullis(["db", "import", "--db", db, advisory]);
      expect(imported.code, imported.stderr).toBe(0);
      for (const [name, layers] of Object.entries(SHAPES))
        layouts[name] = await writeLayout(join(work, name), layers);

      const env = { PORTCULLIS_SCAN_ADVISORY_DATABASE: db };
      gated = await startPortcullis({ env: { ...env, PORTCULLIS_POLICY_PULL: POLICY } });
      open = await startPortcullis({ env });
      for (const server of [gated, open]) {
        const client = new RegistryClient({ registry: server.host });
        for (const [name, layout] of Object.entries(layouts))
          await pushLayoutImage(client, "team/app", layout, name);
      }
      certs = makeCerts();
      ({ child: webhook, port: webhookPort } = await startAdmissionServe(
        serveArgs(certs, POLICY, "--timeout", "5s", "--scan-api", open.url),
      ));
    }, 180_000);

    afterAll(async () => {
      webhook?.kill("SIGKILL");
      certs?.cleanup();
      await gated?.dispose();
      await open?.dispose();
      const { rm } = await import("node:fs/promises");
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    describe.each(Object.keys(SHAPES))("%s", (shape) => {
      it("portcullis scan finds the vulnerability and exits 1", async () => {
        const scan = await portcullis([
          "scan",
          `oci:${layouts[shape]!.dir}:v1`,
          "--db",
          db,
          "-q",
          "-f",
          "json",
        ]);
        expect(scan.code, scan.stderr).toBe(1);
        const report = JSON.parse(scan.stdout) as {
          findings: Array<{ id: string; package: { name: string } }>;
        };
        expect(report.findings.map((f) => f.id)).toContain(CVE);
      }, 60_000);

      it("scan on push stores the finding, and the registry's pull gate refuses the image", async () => {
        const digest = layouts[shape]!.digest;
        const stored = await finishedScan(gated, digest);
        expect(stored.status).toBe("done");
        expect(JSON.stringify(stored.report)).toContain(CVE);
        for (const ref of [shape, digest]) {
          const res = await fetch(`${gated.url}/v2/team/app/manifests/${ref}`, {
            headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
          });
          const body = await res.text();
          expect(res.status, body).toBe(403);
          expect(body).toContain("DENIED");
          expect(body).toContain(CVE);
        }
      }, 90_000);

      it("verify --policy --scan local denies it", async () => {
        const verify = await portcullis([
          "verify",
          `${open.host}/team/app:${shape}`,
          "--policy",
          POLICY,
          "--scan",
          "local",
          "--db",
          db,
        ]);
        expect(verify.code, verify.stdout + verify.stderr).toBe(1);
        expect(verify.stdout).toContain(CVE);
      }, 90_000);

      it("the admission webhook denies a pod running it", async () => {
        await finishedScan(open, layouts[shape]!.digest);
        const reply = await post(
          webhookPort,
          "/validate",
          JSON.stringify(podReview([`${open.host}/team/app@${layouts[shape]!.digest}`])),
          certs.ca,
        );
        const review = reply.body as ReviewResponseBody;
        expect(review.response.allowed).toBe(false);
        expect(review.response.status?.message).toContain(CVE);
      }, 60_000);
    });
  },
);
