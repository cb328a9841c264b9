/**
 * End-to-end scanning through the real binary: `portcullis db import`, `sbom`, `scan` on an OCI layout
 * (table, JSON, SARIF, CycloneDX; VEX, standards, severity filter, exit codes; `--sbom`), and scan on
 * push: skopeo pushes the image to a running `serve`, the report appears in the management API, the
 * SBOM is a referrer of the image, and importing a new advisory re-matches the stored SBOM.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { type BuiltImage, buildImageLayout } from "../support/image-builder.js";
import { unavailable } from "../support/requirements.js";
import {
  hasCommand,
  PORTCULLIS_BIN,
  REPO_ROOT,
  type RegistryServer,
  type RunResult,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";

const OSV = join(REPO_ROOT, "src", "vuln", "testdata", "osv");
const HAS_SKOPEO = hasCommand("skopeo");

const DEBIAN_7_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 7 (wheezy)"
NAME="Debian GNU/Linux"
VERSION_ID="7"
VERSION="7 (wheezy)"
ID=debian
`;

const DPKG_STATUS = `Package: bash
Essential: yes
Status: install ok installed
Priority: required
Section: shells
Installed-Size: 4000
Maintainer: Matthias Klose <doko@debian.org>
Architecture: amd64
Version: 4.2+dfsg-0.1
Depends: base-files (>= 2.1.12), debianutils (>= 2.15)
Description: GNU Bourne Again SHell

Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 7.1wheezy8
Description: Debian base system miscellaneous files

Package: gcc-4.7
Status: install ok installed
Priority: optional
Architecture: amd64
Source: gcc-4.7
Version: 4.7.2-5
Description: GNU C compiler
`;

const JINJA_METADATA = `Metadata-Version: 2.1
Name: Jinja2
Version: 2.10
Summary: A very fast and expressive template engine.
License: BSD
`;

const dirs: string[] = [];
let image: BuiltImage;
let db: string;
let work: string;

function portcullis(args: string[], allowFailure = true): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], { allowFailure, env: { NO_COLOR: "1" } });
}

beforeAll(async () => {
  work = await tempDir("portcullis-scan-", dirs);
  image = await buildImageLayout(
    join(work, "layout"),
    [
      {
        "etc/": "",
        "etc/os-release": DEBIAN_7_OS_RELEASE,
        "var/lib/dpkg/status": DPKG_STATUS,
      },
      {
        "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA": JINJA_METADATA,
        "app/node_modules/left-pad/package.json": JSON.stringify({
          name: "left-pad",
          version: "1.3.0",
          license: "WTFPL",
        }),
      },
    ],
    { tag: "v1", annotations: { "org.opencontainers.image.base.name": "docker.io/library/debian:7" } },
  );
  db = join(work, "advisories.db");
  const imported = await portcullis([
    "db",
    "import",
    "--db",
    db,
    join(OSV, "handmade", "DEBIAN-CVE-2014-6271.json"),
    join(OSV, "handmade", "DEBIAN-CVE-2014-7169.json"),
    join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"),
  ]);
  expect(imported.code, imported.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  const { rm } = await import("node:fs/promises");
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("portcullis db, sbom and scan", () => {
  it("db status lists what was imported", async () => {
    const status = await portcullis(["db", "status", "--db", db, "-o", "json"]);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      ecosystems: Array<{ ecosystem: string; records: number }>;
      sources: Array<{ archive: string; sha256?: string }>;
    };
    expect(parsed.ecosystems.map((s) => s.ecosystem)).toEqual(expect.arrayContaining(["Debian:7", "PyPI"]));
    expect(parsed.sources.map((s) => s.archive)).toContain(join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
    expect(parsed.sources.every((s) => /^[0-9a-f]{64}$/.test(s.sha256 ?? ""))).toBe(true);
  });

  it("a bad record names itself and leaves the database as it was", async () => {
    const bad = join(work, "bad.json");
    await writeFile(bad, JSON.stringify({ id: "BROKEN-1", modified: "not a date", affected: "nope" }));
    const result = await portcullis([
      "db",
      "import",
      "--db",
      db,
      join(OSV, "handmade", "DSA-3032-1.json"),
      bad,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("bad.json");
    const status = JSON.parse((await portcullis(["db", "status", "--db", db, "-o", "json"])).stdout) as {
      ecosystems: Array<{ records: number }>;
    };
    expect(status.ecosystems.reduce((sum, s) => sum + s.records, 0)).toBe(3);
  });

  it("sbom lists every package with its layer, as CycloneDX", async () => {
    const result = await portcullis(["sbom", `oci:${image.dir}:v1`, "-f", "cyclonedx-json", "-q"]);
    expect(result.code, result.stderr).toBe(0);
    const bom = JSON.parse(result.stdout) as {
      specVersion: string;
      components: Array<{ name: string; purl?: string }>;
    };
    expect(bom.specVersion).toBe("1.6");
    const purls = bom.components.map((c) => c.purl).filter(Boolean);
    expect(purls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pkg:deb\/debian\/bash@4\.2(%2B|\+)dfsg-0\.1\?arch=amd64/),
        "pkg:pypi/jinja2@2.10",
        "pkg:npm/left-pad@1.3.0",
      ]),
    );
  });

  it("scan finds shellshock in bash and the Jinja2 sandbox escape, worst first, and fails the run", async () => {
    const result = await portcullis(["scan", `oci:${image.dir}:v1`, "--db", db, "-f", "json", "-q"]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as {
      findings: Array<{ id: string; severity: string; fixedVersion?: string; package: { name: string } }>;
      distro: { id: string; versionId: string };
    };
    expect(report.distro).toMatchObject({ id: "debian", versionId: "7" });
    const byId = new Map(report.findings.map((f) => [f.id, f]));
    expect(byId.get("CVE-2014-6271")).toMatchObject({
      package: { name: "bash" },
      fixedVersion: "4.2+dfsg-0.1+deb7u1",
    });
    expect(byId.get("CVE-2019-10906")).toMatchObject({
      package: { name: "Jinja2" },
      fixedVersion: "2.10.1",
      severity: "HIGH",
    });
  });

  it("prints a table grouped by package, and filters by severity", async () => {
    const table = await portcullis(["scan", `oci:${image.dir}:v1`, "--db", db, "-q"]);
    expect(table.stdout).toMatch(/bash \(deb\)\s+4\.2\+dfsg-0\.1\s+CVE-2014-\d+/);
    expect(table.stdout).toMatch(/Total: \d+/);
    const critical = await portcullis([
      "scan",
      `oci:${image.dir}:v1`,
      "--db",
      db,
      "-q",
      "-f",
      "json",
      "--severity",
      "CRITICAL",
    ]);
    const parsed = JSON.parse(critical.stdout) as { findings: Array<{ severity: string }>; hidden: number };
    expect(parsed.findings.every((f) => f.severity === "CRITICAL")).toBe(true);
    // Issue 11, item 11: the filter says what it left out, in JSON and in the table's footer.
    const all = JSON.parse(
      (await portcullis(["scan", `oci:${image.dir}:v1`, "--db", db, "-q", "-f", "json"])).stdout,
    ) as { findings: Array<{ severity: string; suppressed?: boolean }>; hidden: number };
    expect(all.hidden).toBe(0);
    const notCritical = all.findings.filter((f) => f.severity !== "CRITICAL" && !f.suppressed).length;
    expect(notCritical).toBeGreaterThan(0);
    expect(parsed.hidden).toBe(notCritical);
    const criticalTable = await portcullis([
      "scan",
      `oci:${image.dir}:v1`,
      "--db",
      db,
      "-q",
      "--severity",
      "CRITICAL",
    ]);
    expect(criticalTable.stdout).toContain(`; ${notCritical} more hidden by --severity/--ignore-unfixed`);
  });

  // Issue 11, item 10: "No vulnerabilities found" must never stand in for "nothing was matched".
  it("refuses to scan without an advisory database, naming it and the fix, unless --skip-db", async () => {
    const missing = join(work, "advisories.dbb");
    for (const quiet of [[], ["-q"]]) {
      const result = await portcullis(["scan", `oci:${image.dir}:v1`, "--db", missing, ...quiet]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`no advisory database at ${missing}`);
      expect(result.stderr).toContain("portcullis db update");
      expect(result.stderr).toContain("--skip-db");
    }
    // An import that found nothing leaves a database with no advisories: refused as well.
    const empty = join(work, "empty.db");
    const nothing = await tempDir("portcullis-no-advisories-", dirs);
    const created = await portcullis(["db", "import", "--db", empty, nothing]);
    expect(created.code, created.stderr).toBe(0);
    const refused = await portcullis(["scan", `oci:${image.dir}:v1`, "--db", empty, "-q"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`advisory database ${empty} holds no advisories`);
    const skipped = await portcullis(["scan", `oci:${image.dir}:v1`, "--skip-db", "-q", "-f", "json"]);
    expect(skipped.code, skipped.stderr).toBe(0);
    const report = JSON.parse(skipped.stdout) as {
      complete: boolean;
      findings: unknown[];
      warnings: string[];
    };
    expect(report).toMatchObject({ complete: true, findings: [] });
    expect(report.warnings).toContain(
      "vulnerabilities not matched: the scan ran without an advisory database (--skip-db)",
    );
  });

  it("an OpenVEX not_affected statement suppresses a finding, with its justification", async () => {
    const vex = join(work, "vex.json");
    await writeFile(
      vex,
      JSON.stringify({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        author: "security@example.com",
        timestamp: "2024-01-01T00:00:00Z",
        version: 1,
        statements: [
          {
            vulnerability: { name: "CVE-2019-10906" },
            products: [{ "@id": "pkg:pypi/jinja2@2.10" }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
          },
        ],
      }),
    );
    const result = await portcullis([
      "scan",
      `oci:${image.dir}:v1`,
      "--db",
      db,
      "-q",
      "-f",
      "json",
      "--vex",
      vex,
    ]);
    const jinja = (
      JSON.parse(result.stdout) as {
        findings: Array<{ id: string; suppressed?: boolean; vex?: { justification?: string } }>;
      }
    ).findings.find((f) => f.id === "CVE-2019-10906");
    expect(jinja).toMatchObject({
      suppressed: true,
      vex: { justification: "vulnerable_code_not_in_execute_path" },
    });
  });

  it("reports organisation standards beside vulnerabilities and counts them in the exit code", async () => {
    const standards = join(work, "standards.yaml");
    await writeFile(
      standards,
      [
        "forbiddenPackages:",
        "  - { name: 'gcc*', type: deb, reason: compilers do not belong in production }",
        "minimumVersions:",
        "  - { name: bash, type: deb, version: '4.3-7', reason: shellshock }",
        "approvedBaseImages:",
        "  - { name: debian, tags: ['12*'] }",
      ].join("\n"),
    );
    // No advisory database, asked for: only the standards can fail the run.
    const result = await portcullis([
      "scan",
      `oci:${image.dir}:v1`,
      "--skip-db",
      "-q",
      "-f",
      "json",
      "--standards",
      standards,
      "--exit-code",
      "4",
    ]);
    expect(result.code).toBe(4);
    const rules = (
      JSON.parse(result.stdout) as { violations: Array<{ rule: string; message: string }> }
    ).violations.map((v) => v.rule);
    expect(rules.sort()).toEqual(["approved-base", "forbidden-package", "minimum-version"]);
  });

  it("writes SARIF for code scanning", async () => {
    const result = await portcullis(["scan", `oci:${image.dir}:v1`, "--db", db, "-q", "-f", "sarif"]);
    const sarif = JSON.parse(result.stdout) as {
      version: string;
      runs: Array<{ results: Array<{ ruleId: string; level: string }> }>;
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: "CVE-2014-6271", level: "error" })]),
    );
  });

  it("scans an SBOM file without the image, and CycloneDX output carries the vulnerabilities", async () => {
    const sbomFile = join(work, "image.cdx.json");
    const sbom = await portcullis(["sbom", `oci:${image.dir}:v1`, "-q", "-o", sbomFile]);
    expect(sbom.code, sbom.stderr).toBe(0);
    const result = await portcullis(["scan", "--sbom", sbomFile, "--db", db, "-f", "cyclonedx"]);
    const bom = JSON.parse(result.stdout) as {
      vulnerabilities: Array<{ id: string; affects: Array<{ ref: string }> }>;
    };
    const shellshock = bom.vulnerabilities.find((v) => v.id === "CVE-2014-6271");
    expect(shellshock?.affects[0]?.ref).toBeTruthy();
  });

  it("bad flags exit 2 with the reason", async () => {
    const result = await portcullis(["scan", `oci:${image.dir}:v1`, "-f", "xml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--format/);
    const both = await portcullis(["scan"]);
    expect(both.code).toBe(2);
  });
});

describe.skipIf(unavailable("skopeo", HAS_SKOPEO))("scan on push", () => {
  let server: RegistryServer;

  beforeAll(async () => {
    const data = await tempDir("portcullis-scan-serve-", dirs);
    server = await startPortcullis({
      dataDir: data,
      env: { PORTCULLIS_SCAN_ADVISORY_DATABASE: db, PORTCULLIS_SCAN_RECHECK_INTERVAL: "500ms" },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
  });

  async function report(
    digest: string,
    until: (body: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(
        `${server.url}/api/v1/repositories/team/app/manifests/${digest}/vulnerabilities`,
      );
      if (res.status === 200) {
        const body = (await res.json()) as Record<string, unknown>;
        if (until(body)) return body;
      }
      if (Date.now() > deadline)
        throw new Error(`no report for ${digest}: ${res.status} ${await res.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("scans a pushed image, stores its SBOM as a referrer, and re-matches when advisories change", async () => {
    const pushed = await run("skopeo", [
      "copy",
      "--dest-tls-verify=false",
      `oci:${image.dir}:v1`,
      `docker://${server.host}/team/app:1`,
    ]);
    expect(pushed.code).toBe(0);
    const done = await report(image.digest, (b) => b.status === "done");
    const findings = (done.report as { findings: Array<{ id: string }> }).findings.map((f) => f.id);
    expect(findings).toEqual(expect.arrayContaining(["CVE-2014-6271", "CVE-2019-10906"]));

    const referrers = (await (await fetch(`${server.url}/v2/team/app/referrers/${image.digest}`)).json()) as {
      manifests: Array<{ artifactType: string; digest: string }>;
    };
    const sbom = referrers.manifests.find((m) => m.artifactType === "application/vnd.cyclonedx+json");
    expect(sbom?.digest).toBe(done.sbomReferrer);

    // A new advisory for left-pad arrives; the stored SBOM is matched again without a push.
    const advisory = join(work, "left-pad.json");
    await writeFile(
      advisory,
      JSON.stringify({
        id: "GHSA-test-left-pad",
        modified: "2024-05-01T00:00:00Z",
        aliases: ["CVE-2099-0001"],
        summary: "left-pad pads wrongly (made up for this test)",
        affected: [
          {
            package: { ecosystem: "npm", name: "left-pad" },
            ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.3.1" }] }],
          },
        ],
        database_specific: { severity: "MODERATE" },
      }),
    );
    const imported = await portcullis(["db", "import", "--db", db, advisory]);
    expect(imported.code, imported.stderr).toBe(0);
    const rematched = await report(image.digest, (b) =>
      ((b.report as { findings: Array<{ id: string }> }).findings ?? []).some(
        (f) => f.id === "CVE-2099-0001",
      ),
    );
    expect(rematched.status).toBe("done");
  }, 120_000);

  // Issue 11, item 12: a cosign signature is not an image; the API says so instead of "not scanned".
  it("does not scan a cosign signature, and the API answers NOT_AN_IMAGE for it", async () => {
    const pushed = await run("skopeo", [
      "copy",
      "--dest-tls-verify=false",
      `oci:${image.dir}:v1`,
      `docker://${server.host}/team/sig:1`,
    ]);
    expect(pushed.code).toBe(0);
    const client = new RegistryClient({ registry: server.host });
    const config = Buffer.from(
      '{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}',
    );
    const payload = Buffer.from(
      JSON.stringify({ critical: { image: { "docker-manifest-digest": image.digest } } }),
    );
    const configDigest = await client.pushBlob("team/sig", { data: config });
    const payloadDigest = await client.pushBlob("team/sig", { data: payload });
    const signature = await client.putManifest(
      "team/sig",
      `${image.digest.replace(":", "-")}.sig`,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: configDigest,
            size: config.length,
          },
          layers: [
            {
              mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
              digest: payloadDigest,
              size: payload.length,
            },
          ],
        }),
      ),
      "application/vnd.oci.image.manifest.v1+json",
    );
    const res = await fetch(
      `${server.url}/api/v1/repositories/team/sig/manifests/${signature}/vulnerabilities`,
    );
    expect(res.status).toBe(404);
    const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
    expect(body.errors[0]).toMatchObject({ code: "NOT_AN_IMAGE" });
    expect(body.errors[0]?.message).toContain(
      "layer media type application/vnd.dev.cosign.simplesigning.v1+json",
    );
  });

  it("answers 404 for a digest the repository does not hold", async () => {
    const res = await fetch(
      `${server.url}/api/v1/repositories/team/app/manifests/sha256:${"0".repeat(64)}/vulnerabilities`,
    );
    expect(res.status).toBe(404);
    const raw = await readFile(join(image.dir, "index.json"), "utf8");
    expect(raw).toContain(image.tag);
  });
});
