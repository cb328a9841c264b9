import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../../oci/index.js";
import { generateKeyPair, resolveSigningTarget, signImage } from "../../../trust/index.js";
import {
  digestOf,
  OCI_INDEX,
  OCI_MANIFEST,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../../testing.js";
import { type FilesImage, JINJA_FILES, jinjaAdvisories, pushFilesImage } from "../testing-images.js";

// biome-ignore lint/suspicious/noExplicitAny: the answers are read as plain JSON (their schemas are tested in openapi.test.ts)
type Json = any;

/** Pushes an image of one layer for `arch`; returns its digest and the sizes the API must add up. */
function pushPlatformImage(
  url: string,
  repository: string,
  arch: string,
  files: Record<string, string>,
  tag?: string,
): Promise<FilesImage> {
  const config = {
    architecture: arch,
    os: "linux",
    created: "2026-12-01T10:00:00Z",
    config: {
      User: "app",
      Labels: { "org.example.team": "<b>payments</b>" },
      ExposedPorts: { "8080/tcp": {} },
    },
    rootfs: { type: "layers", diff_ids: [] },
    history: [{ created_by: "COPY app /", created: "2026-12-01T10:00:00Z" }],
  };
  return pushFilesImage(url, repository, files, config, tag);
}

describe.each(testDatabases())("repository and image API (%s)", (database) => {
  let server: TestServer;
  let dir: string;
  let amd: FilesImage;
  let arm: FilesImage;
  let index: { digest: string; size: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pc-images-"));
    const advisories = await jinjaAdvisories(dir);
    const key = await generateKeyPair("pw", { strength: "legacy" });
    await writeFile(join(dir, "release.pub"), key.publicKeyPem);
    await writeFile(
      join(dir, "pull.yaml"),
      [
        "apiVersion: portcullis.dev/v1",
        "kind: Policy",
        "defaultRule:",
        "  evaluationMode: require",
        "  enforcementMode: dry-run",
        "  require:",
        "    signedBy:",
        "      - key: release.pub",
        // A per-vulnerability exception: the findings name it (policy, rule, reason, until).
        "    scan:",
        "      maxSeverity: critical",
        "      exceptions:",
        '        - { id: GHSA-462w-v97r-4m45, repository: "**", until: 2099-12-31, reason: "<b>templates only</b>" }',
        "",
      ].join("\n"),
    );
    server = await startTestServer({
      database,
      config: {
        "scan.onPush": true,
        "scan.advisoryDatabase": advisories,
        "policy.pull": join(dir, "pull.yaml"),
      },
    });
    amd = await pushPlatformImage(server.url, "team/app", "amd64", JINJA_FILES, "1.0");
    arm = await pushPlatformImage(server.url, "team/app", "arm64", JINJA_FILES);
    const indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: amd.digest,
            size: amd.manifest.length,
            platform: { os: "linux", architecture: "amd64" },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: arm.digest,
            size: arm.manifest.length,
            platform: { os: "linux", architecture: "arm64", variant: "v8" },
          },
        ],
      }),
    );
    expect((await putManifest(server.url, "team/app", "multi", indexBytes, OCI_INDEX)).status).toBe(201);
    index = { digest: digestOf(indexBytes), size: indexBytes.length + amd.size + arm.size };
    await pushPlatformImage(server.url, "other/tool", "amd64", { "etc/motd": "hi" }, "latest");
    // Sign the amd64 image with the key the pull policy trusts (cosign's tag scheme).
    const host = new URL(server.url).host;
    const client = new RegistryClient({ registry: host });
    const target = await resolveSigningTarget(client, {
      registry: host,
      repository: "team/app",
      digest: amd.digest,
    });
    await signImage(client, target, key);
    await server.platform.scanner!.idle();
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, body: (await res.json()) as Json };
  };

  it("lists repositories with counts, searched, sorted and paged", async () => {
    const all = await get("/api/v1/repositories");
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    const names = all.body.items.map((r: { name: string }) => r.name);
    expect(names).toEqual(["other/tool", "team/app"]);
    const app = all.body.items[1];
    // The two images and the index (the SBOM referrers, the signature and index children are not rows).
    expect(app).toMatchObject({ project: "team", tagCount: 3, artifactCount: 1 });
    expect(app.size).toBeGreaterThan(amd.size + arm.size);
    const searched = await get("/api/v1/repositories?q=TOOL&perPage=1");
    expect(searched.body).toMatchObject({ total: 1, page: 1, perPage: 1 });
    expect(searched.body.items.map((r: { name: string }) => r.name)).toEqual(["other/tool"]);
    const bySize = await get("/api/v1/repositories?sort=size&order=desc");
    expect(bySize.body.items[0].name).toBe("team/app");
    expect(
      (await get("/api/v1/repositories?project=team")).body.items.map((r: { name: string }) => r.name),
    ).toEqual(["team/app"]);
    const bad = await get("/api/v1/repositories?sort=stars&perPage=500");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/sort/);
  });

  it("lists a repository's index with its platforms, size, pusher, signature and scan", async () => {
    const list = await get("/api/v1/repositories/team/app/artifacts");
    expect(list.status).toBe(200);
    // The index lists both images, so they are not rows of their own; the tagged amd64 image is its child.
    expect(list.body.total).toBe(1);
    const row = list.body.items[0];
    expect(row).toMatchObject({
      digest: index.digest,
      tags: ["multi"],
      size: index.size,
      pushedBy: "anonymous",
      platforms: ["linux/amd64", "linux/arm64/v8"],
    });
    expect(row.scan.status).toBe("done");
    expect(row.scan.counts.critical + row.scan.counts.high + row.scan.counts.medium).toBeGreaterThan(0);
    const tool = await get("/api/v1/repositories/other/tool/artifacts");
    expect(tool.body.items[0]).toMatchObject({
      tags: ["latest"],
      platforms: ["linux/amd64"],
      signed: { signatures: 0 },
    });
    expect((await get("/api/v1/repositories/nope/artifacts")).status).toBe(404);
  });

  it("shows an image's overview with its signature verified by the pull policy's key", async () => {
    const res = await get(`/api/v1/repositories/team/app/manifests/${amd.digest}`);
    expect(res.status).toBe(200);
    const body = res.body as Json;
    expect(body).toMatchObject({ digest: amd.digest, tags: ["1.0"], size: amd.size, platforms: [] });
    expect(body.image).toMatchObject({
      os: "linux",
      architecture: "amd64",
      user: "app",
      exposedPorts: ["8080/tcp"],
      labels: { "org.example.team": "<b>payments</b>" },
      layers: [{ digest: amd.layer, createdBy: "COPY app /" }],
    });
    // signImage stores both: cosign's tag scheme and a Sigstore bundle referrer.
    expect(body.supplyChain.signatures).toEqual([
      expect.objectContaining({ format: "cosign", verified: true, signer: "key release.pub" }),
      expect.objectContaining({ format: "sigstore-bundle", verified: true, signer: "key release.pub" }),
    ]);
    // The SBOM scan on push attached is a referrer.
    expect(body.supplyChain.referrers.map((r: { artifactType: string }) => r.artifactType)).toContain(
      "application/vnd.cyclonedx+json",
    );
    expect(body.scan.status).toBe("done");
    const unsigned = (await get(`/api/v1/repositories/team/app/manifests/${arm.digest}`)).body as Json;
    expect(unsigned.supplyChain.signatures).toEqual([]);
    const picked = (
      await get(`/api/v1/repositories/team/app/manifests/${index.digest}?platform=linux/arm64/v8`)
    ).body as Json;
    expect(picked.platforms.map((p: { platform: string }) => p.platform)).toEqual([
      "linux/amd64",
      "linux/arm64/v8",
    ]);
    expect(picked.image.digest).toBe(arm.digest);
    expect(
      (await get(`/api/v1/repositories/team/app/manifests/${index.digest}?platform=windows/amd64`)).status,
    ).toBe(404);
  });

  it("serves packages with their layer, findings grouped by package, SPDX, and decisions", async () => {
    const packages = await get(`/api/v1/repositories/team/app/manifests/${amd.digest}/packages?q=jinja`);
    expect(packages.status).toBe(200);
    expect(packages.body.items).toEqual([
      expect.objectContaining({
        name: "jinja2",
        version: "2.10",
        ecosystem: "pypi",
        purl: "pkg:pypi/jinja2@2.10",
        layer: amd.layer,
        paths: ["/usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA"],
      }),
    ]);
    const findings = await get(`/api/v1/repositories/team/app/manifests/${amd.digest}/findings`);
    expect(findings.body.items[0].package).toMatchObject({
      name: "Jinja2",
      version: "2.10",
      purl: "pkg:pypi/jinja2@2.10",
    });
    expect(
      findings.body.items[0].findings.map((f: { id: string; aliases: string[] }) =>
        [f.id, ...f.aliases].join(" "),
      ),
    ).toEqual([expect.stringContaining("GHSA-462w-v97r-4m45")]);
    expect(findings.body.items[0].findings[0]).toMatchObject({
      exception: { reason: "<b>templates only</b>", expires: "2099-12-31" },
      exceptions: [
        {
          policy: "pull",
          rule: "defaultRule",
          id: "GHSA-462w-v97r-4m45",
          reason: "<b>templates only</b>",
          until: "2099-12-31",
          inForce: true,
        },
      ],
    });
    const none = await get(
      `/api/v1/repositories/team/app/manifests/${amd.digest}/findings?severity=low&fixable=false`,
    );
    expect(none.body.total).toBe(0);
    const spdx = await fetch(
      `${server.url}/api/v1/repositories/team/app/manifests/${amd.digest}/sbom?format=spdx`,
    );
    expect(spdx.headers.get("content-type")).toMatch(/spdx\+json/);
    const doc = (await spdx.json()) as { spdxVersion: string; packages: Array<{ name: string }> };
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(doc.packages.map((p) => p.name)).toContain("jinja2");
    // A pull through /v2/ is decided by the pull policy (dry-run) and recorded.
    await (
      await fetch(`${server.url}/v2/team/app/manifests/${amd.digest}`, { headers: { accept: OCI_MANIFEST } })
    ).arrayBuffer();
    const decisions = await get(`/api/v1/repositories/team/app/manifests/${amd.digest}/decisions`);
    expect(decisions.body.total).toBeGreaterThanOrEqual(1);
    expect(decisions.body.items[0]).toMatchObject({
      gate: "registry-pull",
      digest: amd.digest,
      effect: "allow",
    });
    expect((await get(`/api/v1/repositories/team/app/manifests/sha256:nothex/packages`)).status).toBe(400);
  });

  it("re-scans with 202 and deletes a manifest as the registry's DELETE does", async () => {
    const scan = await fetch(`${server.url}/api/v1/repositories/team/app/manifests/${index.digest}/scan`, {
      method: "POST",
    });
    expect(scan.status).toBe(202);
    expect(await scan.json()).toEqual({ status: "queued", digests: [amd.digest, arm.digest] });
    await server.platform.scanner!.idle();
    const gone = await fetch(
      `${server.url}/api/v1/repositories/other/tool/manifests/${(await get("/api/v1/repositories/other/tool/artifacts")).body.items[0].digest}`,
      {
        method: "DELETE",
      },
    );
    expect(gone.status).toBe(204);
    // Its SBOM referrer stays (the registry's DELETE leaves referrers to GC), but no artifact row does.
    expect((await get("/api/v1/repositories/other/tool/artifacts")).body.total).toBe(0);
  });
});
