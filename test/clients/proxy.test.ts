/**
 * The pull-through cache (issue 16) against a real upstream: Debian's docker-registry (CNCF
 * Distribution) on loopback, seeded with small images. A public proxy project `hub` bound to it admits
 * `library/alpine:3.*` and `team/tool@>=1.0 <2`; skopeo pulls through the project, through containerd's
 * `?ns=` and through a registries.conf mirror that names no project; what the allowlist does not name is
 * refused before the upstream is asked; with the upstream stopped the cached copies are still served.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { client } from "../../src/server/api/identity/testing.js";
import { digestOf, startTestServer, type TestServer, testDatabases } from "../../src/server/testing.js";
import { writeImageLayout } from "../support/oci-layout.js";
import { isolatedPodman } from "../support/podman.js";
import { pushLayoutImage, pushTinyImage, type TinyImage, tinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import { isolatedSkopeo, type Skopeo } from "../support/skopeo.js";
import {
  DISTRIBUTION_BIN,
  hasCommand,
  REPO_ROOT,
  type RegistryServer,
  startDistribution,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 120_000;
const tools = hasCommand("skopeo") && hasCommand(DISTRIBUTION_BIN);

async function manifest(
  url: string,
  path: string,
): Promise<{ status: number; digest: string | null; body: string }> {
  const res = await fetch(`${url}/v2/${path}`, {
    headers: {
      accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
    },
  });
  return { status: res.status, digest: res.headers.get("docker-content-digest"), body: await res.text() };
}

describe.skipIf(unavailable(`skopeo and CNCF Distribution (${DISTRIBUTION_BIN})`, tools))(
  "pull-through cache of allowed upstreams",
  () => {
    const temps: string[] = [];
    let upstream: RegistryServer;
    let portcullis: TestServer;
    let skopeo: Skopeo;
    let work: string;
    const seeded: Record<string, TinyImage> = {};

    beforeAll(async () => {
      work = await tempDir("proxy-", temps);
      upstream = await startDistribution();
      const client = new RegistryClient({ registry: upstream.host });
      for (const [repository, tag] of [
        ["library/alpine", "3.19"],
        ["library/alpine", "3.20"],
        ["library/alpine", "edge"],
        ["team/tool", "1.2.3"],
        ["team/tool", "1.5.0"],
        ["team/tool", "2.0.0"],
      ] as const) {
        seeded[`${repository}:${tag}`] = tinyImage(`${repository}:${tag}`);
        await pushTinyImage(client, repository, tag, { seed: `${repository}:${tag}` });
      }
      portcullis = await startTestServer({
        database: "sqlite",
        captureLogs: true,
        config: {
          "auth.mode": "accounts",
          "scan.onPush": false,
          "proxy.defaultProject": "hub",
          // Every read of a cached tag asks the upstream, so the stale-if-error path is the one taken.
          "proxy.recheckInterval": "0s",
        },
      });
      await portcullis.platform.identity!.store.createProject({
        name: "hub",
        public: true,
        settings: {
          proxy: {
            upstream: upstream.host,
            namespace: "library",
            allow: ["library/alpine:3.*", "team/tool@>=1.0 <2"],
          },
        },
      });
      await portcullis.platform.identity!.store.createProject({ name: "team", public: true });
      skopeo = await isolatedSkopeo(join(work, "skopeo"));
    }, TIMEOUT);

    afterAll(async () => {
      await upstream?.dispose();
      await portcullis?.close();
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    it(
      "copies an allowed tag on first pull and serves it byte for byte",
      async () => {
        const want = seeded["library/alpine:3.19"]!;
        const first = await manifest(portcullis.url, "hub/library/alpine/manifests/3.19");
        expect(first.status).toBe(200);
        expect(first.digest).toBe(want.digest);
        expect(first.body).toBe(want.manifest.toString());
        // skopeo pulls the short name: a one-component name is the upstream's `library/` one.
        const out = join(work, "alpine");
        await skopeo.copy(`docker://${new URL(portcullis.url).host}/hub/alpine:3.19`, `oci:${out}:3.19`);
        const inspected = await skopeo.run(["inspect", "--raw", `oci:${out}:3.19`]);
        expect(inspected.stdout.trim()).toBe(want.manifest.toString());
      },
      TIMEOUT,
    );

    it(
      "admits tags by semver range",
      async () => {
        expect((await manifest(portcullis.url, "hub/team/tool/manifests/1.2.3")).status).toBe(200);
        const outside = await manifest(portcullis.url, "hub/team/tool/manifests/2.0.0");
        expect(outside.status).toBe(403);
        expect(JSON.parse(outside.body).errors[0]).toMatchObject({ code: "DENIED" });
        expect(outside.body).toContain("tag 2.0.0 of team/tool is not on this proxy project's allowlist");
      },
      TIMEOUT,
    );

    it(
      "refuses what the allowlist does not name, by tag, repository or uncached digest",
      async () => {
        const tag = await manifest(portcullis.url, "hub/library/alpine/manifests/edge");
        expect(tag.status).toBe(403);
        expect(tag.body).toContain("tag edge of library/alpine is not on this proxy project's allowlist");
        const repository = await manifest(portcullis.url, "hub/library/nginx/manifests/latest");
        expect(repository.status).toBe(403);
        expect(repository.body).toContain(
          "upstream repository library/nginx is not on this proxy project's allowlist",
        );
        const digest = await manifest(
          portcullis.url,
          `hub/library/alpine/manifests/${seeded["library/alpine:edge"]!.digest}`,
        );
        expect(digest.status).toBe(403);
        expect(digest.body).toContain("by tag only");
      },
      TIMEOUT,
    );

    it(
      "maps containerd's ?ns= and unprefixed mirror names to the proxy project",
      async () => {
        const ns = await manifest(
          portcullis.url,
          `library/alpine/manifests/3.20?ns=${encodeURIComponent(upstream.host)}`,
        );
        expect(ns.status).toBe(200);
        expect(ns.digest).toBe(seeded["library/alpine:3.20"]!.digest);
        // An existing project's names stay its own: `team/tool` is the project team's, not the upstream's.
        expect((await manifest(portcullis.url, "team/tool/manifests/1.2.3")).status).toBe(404);

        // registries.conf: the mirror names no project; the primary location is a closed port, so a pull
        // can only succeed through the mirror.
        // skopeo 1.9 reads only --registries-conf (CONTAINERS_REGISTRIES_CONF is podman's).
        const conf = join(work, "mirror-registries.conf");
        await writeFile(
          conf,
          [
            "[[registry]]",
            'prefix = "upstream.test"',
            'location = "127.0.0.1:1"',
            "[[registry.mirror]]",
            `location = "${new URL(portcullis.url).host}"`,
            "insecure = true",
            "",
          ].join("\n"),
        );
        const raw = await skopeo.run([
          "--registries-conf",
          conf,
          "inspect",
          "--raw",
          "docker://upstream.test/library/alpine:3.19",
        ]);
        expect(raw.stdout.trim()).toBe(seeded["library/alpine:3.19"]!.manifest.toString());
        const refused = await skopeo.run(
          ["--registries-conf", conf, "inspect", "--raw", "docker://upstream.test/library/alpine:edge"],
          {
            allowFailure: true,
          },
        );
        expect(refused.code).not.toBe(0);
      },
      TIMEOUT,
    );

    it(
      "takes no pushes into a proxy project",
      async () => {
        const res = await fetch(`${portcullis.url}/v2/hub/library/alpine/blobs/uploads/`, { method: "POST" });
        expect([401, 403]).toContain(res.status);
      },
      TIMEOUT,
    );

    it(
      "pulls with podman through a registries.conf mirror that names no project",
      async (ctx) => {
        // podman names an image pulled from `oci:<path>` after the path: a lower-case folder.
        const podWork = join(tmpdir(), `proxy-podman-${randomBytes(6).toString("hex")}`);
        temps.push(podWork);
        await mkdir(podWork, { mode: 0o700 });
        const layout = join(podWork, "layout");
        const image = await writeImageLayout(layout, { tag: "v1" });
        const podman = await isolatedPodman(podWork, TIMEOUT - 10_000);
        const unusable = await podman.probe(layout, "v1");
        if (unusable !== undefined) {
          if (unavailable(`a podman that can run here (${unusable})`, false)) return;
          ctx.skip(unusable);
        }
        const seed = new RegistryClient({ registry: upstream.host });
        await pushLayoutImage(seed, "library/busy", { dir: layout, digest: image.digest }, "1.0");
        // podman reads CONTAINERS_REGISTRIES_CONF (its isolation's config/registries.conf).
        await writeFile(
          join(podWork, "config", "registries.conf"),
          [
            "[[registry]]",
            'prefix = "upstream.test"',
            'location = "127.0.0.1:1"',
            "[[registry.mirror]]",
            `location = "${new URL(portcullis.url).host}"`,
            "insecure = true",
            "",
          ].join("\n"),
        );
        const pull = ["pull", "--signature-policy", podman.policy, "upstream.test/library/busy:1.0"];
        // Not on the allowlist yet: refused, and podman cannot fall back to the primary (a closed port).
        expect((await podman.run(pull, { allowFailure: true })).code).not.toBe(0);
        await portcullis.platform.identity!.store.updateProject("hub", {
          settings: {
            proxy: {
              upstream: upstream.host,
              namespace: "library",
              allow: ["library/alpine:3.*", "team/tool@>=1.0 <2", "library/busy"],
            },
          },
        });
        await podman.run(pull);
        const inspected = JSON.parse(
          (await podman.run(["image", "inspect", "upstream.test/library/busy:1.0"])).stdout,
        ) as Array<{ RootFS: { Layers: string[] } }>;
        expect(inspected[0]!.RootFS.Layers).toEqual(image.diffIds);
        expect((await manifest(portcullis.url, "hub/library/busy/manifests/1.0")).digest).toBe(image.digest);
      },
      TIMEOUT,
    );

    it(
      "never serves a first pull unscanned when the pull policy requires a scan",
      async () => {
        const gated = await startTestServer({
          database: "sqlite",
          config: {
            "auth.mode": "accounts",
            "scan.onPush": true,
            "policy.pull": join(REPO_ROOT, "examples", "policies", "library", "scanned.yaml"),
            // No wait: the first pull finds the scan of what it just copied in still queued.
            "proxy.scanWait": "0s",
          },
        });
        try {
          await gated.platform.identity!.store.createProject({
            name: "hub",
            public: true,
            settings: { proxy: { upstream: upstream.host, allow: ["library/alpine:3.*"] } },
          });
          const first = await manifest(gated.url, "hub/library/alpine/manifests/3.19");
          expect(first.status).toBe(403);
          expect(JSON.parse(first.body).errors[0].code).toBe("DENIED");
          expect(first.body).toContain("scan pending for");
          expect(first.body).toContain("retry shortly");
          // The copy is stored and scanned (this image's layer is no tar: its scan fails); the pull gate
          // still decides every later pull, and an image without a good scan is never served.
          await gated.platform.scanner!.idle();
          const digest = seeded["library/alpine:3.19"]!.digest;
          expect((await gated.platform.scans.get(digest))?.status).toMatch(/done|failed/);
          const later = await manifest(gated.url, "hub/library/alpine/manifests/3.19");
          expect(later.status).toBe(403);
          expect(later.body).not.toContain("scan pending");
        } finally {
          await gated.close();
        }
      },
      TIMEOUT,
    );

    it(
      "makes a first pull wait for the scan, then lets the pull gate decide on it",
      async () => {
        const layout = join(work, "scannable");
        const image = await writeImageLayout(layout, { tag: "v1" });
        const seed = new RegistryClient({ registry: upstream.host });
        await pushLayoutImage(seed, "library/alpine", { dir: layout, digest: image.digest }, "3.21");
        // Scanned, and without an advisory database here a scan is incomplete: this policy accepts that.
        const policy = join(work, "scanned-incomplete.yaml");
        await writeFile(
          policy,
          [
            "apiVersion: portcullis.dev/v1",
            "kind: Policy",
            "defaultRule:",
            "  require:",
            "    scan: { maxAge: 7d, maxSeverity: high, allowIncomplete: true }",
            "",
          ].join("\n"),
        );
        const gated = await startTestServer({
          database: "sqlite",
          config: {
            "auth.mode": "accounts",
            "scan.onPush": true,
            "policy.pull": policy,
            "proxy.scanWait": "60s",
          },
        });
        try {
          await gated.platform.identity!.store.createProject({
            name: "hub",
            public: true,
            settings: { proxy: { upstream: upstream.host, allow: ["library/alpine:3.*"] } },
          });
          const first = await manifest(gated.url, "hub/library/alpine/manifests/3.21");
          expect(first.status).toBe(200);
          expect(first.digest).toBe(image.digest);
          // Served only because the scan had finished by then.
          expect((await gated.platform.scans.get(image.digest))?.status).toBe("done");
        } finally {
          await gated.close();
        }
      },
      TIMEOUT,
    );

    it(
      "serves the cached copy while the upstream rate-limits (429)",
      async () => {
        // A real server that answers every request 429, as Docker Hub does past its pull limit.
        let asked = 0;
        const limiter = createServer((_req, res) => {
          asked++;
          res.writeHead(429, { "content-type": "application/json", "retry-after": "60" });
          res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}');
        });
        await new Promise<void>((resolve) => limiter.listen(0, "127.0.0.1", resolve));
        const port = (limiter.address() as AddressInfo).port;
        const store = portcullis.platform.identity!.store;
        try {
          await store.createProject({
            name: "limited",
            public: true,
            settings: { proxy: { upstream: upstream.host, allow: ["library/alpine:3.*"] } },
          });
          expect((await manifest(portcullis.url, "limited/library/alpine/manifests/3.19")).status).toBe(200);
          await store.updateProject("limited", {
            settings: { proxy: { upstream: `127.0.0.1:${port}`, allow: ["library/alpine:3.*"] } },
          });
          const cached = await manifest(portcullis.url, "limited/library/alpine/manifests/3.19");
          expect(cached.status).toBe(200);
          expect(cached.digest).toBe(seeded["library/alpine:3.19"]!.digest);
          expect(asked).toBeGreaterThan(0);
          const uncached = await manifest(portcullis.url, "limited/library/alpine/manifests/3.20");
          expect(uncached.status).toBe(503);
          expect(uncached.body).toContain("pull rate limit");
        } finally {
          await new Promise((resolve) => limiter.close(resolve));
        }
      },
      TIMEOUT,
    );

    it(
      "serves cached tags with the upstream stopped, refuses uncached ones, still refuses the unlisted",
      async () => {
        await upstream.stop();
        const cached = await manifest(portcullis.url, "hub/library/alpine/manifests/3.19");
        expect(cached.status).toBe(200);
        expect(cached.digest).toBe(seeded["library/alpine:3.19"]!.digest);
        const blob = await fetch(
          `${portcullis.url}/v2/hub/library/alpine/blobs/${digestOf(seeded["library/alpine:3.19"]!.layer)}`,
        );
        expect(Buffer.from(await blob.arrayBuffer())).toEqual(seeded["library/alpine:3.19"]!.layer);
        const uncached = await manifest(portcullis.url, "hub/team/tool/manifests/1.5.0");
        expect(uncached.status).toBe(503);
        expect(JSON.parse(uncached.body).errors[0].code).toBe("UNAVAILABLE");
        expect(uncached.body).toContain("is not cached and upstream");
        // The allowlist answers before the upstream is asked: still DENIED, not UNAVAILABLE.
        expect((await manifest(portcullis.url, "hub/library/alpine/manifests/edge")).status).toBe(403);
        expect(portcullis.logs.some((l) => l.msg === "upstream unavailable: serving the cached copy")).toBe(
          true,
        );
      },
      TIMEOUT,
    );
  },
);

describe.each(testDatabases())(
  "pull-through cache of an upstream that needs credentials (%s)",
  (database) => {
    const PASSWORD = "upstream puller password 1";
    const ADMIN = { name: "root", secret: "proxy admin password 1" };
    let upstream: TestServer;
    let portcullis: TestServer;
    let image: TinyImage;

    beforeAll(async () => {
      // Another Portcullis in accounts mode: a private project only `puller` (a guest) may read.
      upstream = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
      const store = upstream.platform.identity!.store;
      await store.createProject({ name: "vendor" });
      await store.createUser({ name: "owner", password: "upstream owner password", admin: true });
      await store.createUser({ name: "puller", password: PASSWORD });
      await store.addMember({ project: "vendor", kind: "user", name: "puller", role: "guest" });
      const client = new RegistryClient({
        registry: new URL(upstream.url).host,
        credentials: { username: "owner", password: "upstream owner password" },
      });
      image = tinyImage("vendor/app:1.0");
      await pushTinyImage(client, "vendor/app", "1.0", { seed: "vendor/app:1.0" });

      portcullis = await startTestServer({ database, config: { "auth.mode": "accounts" } });
      await portcullis.platform.identity!.store.createUser({
        name: ADMIN.name,
        password: ADMIN.secret,
        admin: true,
      });
    }, TIMEOUT);

    afterAll(async () => {
      await portcullis?.close();
      await upstream?.close();
    });

    it(
      "pulls with the sealed password, which the API never returns",
      async () => {
        const api = client(portcullis.url, ADMIN);
        const proxy = { upstream: new URL(upstream.url).host, allow: ["vendor/*"], username: "puller" };
        expect(
          (await api.post("/api/v1/projects", { name: "mirror", public: true, settings: { proxy } })).status,
        ).toBe(201);
        // Without the password the upstream refuses, and nothing is cached to fall back on.
        const refused = await manifest(portcullis.url, "mirror/vendor/app/manifests/1.0");
        expect(refused.status).toBe(503);
        const patched = await api.patch("/api/v1/projects/mirror", {
          settings: { proxy: { ...proxy, password: PASSWORD } },
        });
        expect(patched.status).toBe(200);
        expect(patched.body.settings.proxy).toEqual(proxy);
        expect(patched.text).not.toContain(PASSWORD);
        expect((await api.get("/api/v1/projects/mirror")).text).not.toContain(PASSWORD);
        const row = await portcullis.platform.database.db
          .selectFrom("proxy_credentials")
          .selectAll()
          .where("project", "=", "mirror")
          .executeTakeFirstOrThrow();
        expect(row.sealed_password).not.toContain(PASSWORD);
        expect(await portcullis.platform.proxyCredentials!.get("mirror")).toBe(PASSWORD);

        const pulled = await manifest(portcullis.url, "mirror/vendor/app/manifests/1.0");
        expect(pulled.status).toBe(200);
        expect(pulled.digest).toBe(image.digest);
        // Removing the proxy setting removes its password.
        expect((await api.patch("/api/v1/projects/mirror", { settings: { proxy: null } })).status).toBe(200);
        expect(await portcullis.platform.proxyCredentials!.get("mirror")).toBeUndefined();
      },
      TIMEOUT,
    );

    it(
      "lets only holders of system.projects name an upstream: not a project admin",
      async () => {
        const store = portcullis.platform.identity!.store;
        await store.createProject({ name: "own" });
        await store.createUser({ name: "lead", password: "project lead password 1" });
        await store.addMember({ project: "own", kind: "user", name: "lead", role: "project-admin" });
        const lead = client(portcullis.url, { name: "lead", secret: "project lead password 1" });
        const refused = await lead.patch("/api/v1/projects/own", {
          settings: { proxy: { upstream: "169.254.169.254", allow: ["*"] } },
        });
        expect(refused.status).toBe(403);
        expect(refused.text).toContain("needs system.projects");
        // Their other settings stay theirs.
        expect((await lead.patch("/api/v1/projects/own", { settings: { quotaBytes: 1024 } })).status).toBe(
          200,
        );
      },
      TIMEOUT,
    );
  },
);
