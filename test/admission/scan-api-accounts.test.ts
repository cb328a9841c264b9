import type { ChildProcess } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/app/index.js";
import { digestOf, pushImage, startTestServer, type TestServer } from "../../src/server/testing.js";
import { unavailable } from "../support/requirements.js";
import { PORTCULLIS_BIN, type RunResult, run, tempDir } from "../support/targets.js";
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
 * The scan API behind accounts mode: `admission serve --scan-api` and `verify --scan api` read scan
 * reports from a Portcullis server whose reports need `scan.read`, with a robot's name and secret from
 * PORTCULLIS_SCAN_API_USERNAME/_PASSWORD or a docker config. The project is public, so the registry
 * reads for evidence need no credentials and only the scan API's do. Without credentials, or with wrong
 * ones, or a robot of another project, the scan is unavailable and the image is denied (fail closed);
 * no secret reaches an output.
 */
const POLICY = join(TESTDATA, "block-critical.yaml");
const ADMIN = { name: "root", password: "administrator password" };

function portcullis(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(process.execPath, [PORTCULLIS_BIN, ...args], {
    allowFailure: true,
    env: { NO_COLOR: "1", DOCKER_CONFIG: "/nonexistent", ...env },
  });
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("the scan API of a server in accounts mode", () => {
  const dirs: string[] = [];
  let server: TestServer;
  let host = "";
  let certs: TestCerts;
  let webhook: ChildProcess | undefined;
  let webhookPort = 0;
  let webhookLines: string[] = [];
  let scanner = "";
  let stranger = "";
  let clean = "";
  let vulnerable = "";
  let dockerConfigDir = "";

  beforeAll(async () => {
    server = await startTestServer({
      database: "sqlite",
      captureLogs: true,
      config: { "auth.mode": "accounts", "scan.onPush": false },
    });
    host = new URL(server.url).host;
    const store = server.platform.identity!.store;
    await store.createProject({ name: "open", public: true });
    await store.createProject({ name: "other" });
    await store.createUser({ ...ADMIN, admin: true });
    scanner = (
      await store.createRobot({
        name: "scanner",
        project: "open",
        grants: [{ project: "open", repositories: ["*"], permissions: ["scan.read"] }],
        createdBy: "test",
      })
    ).secret;
    stranger = (
      await store.createRobot({
        name: "scanner",
        project: "other",
        grants: [{ project: "other", repositories: ["*"], permissions: ["scan.read"] }],
        createdBy: "test",
      })
    ).secret;
    const auth = `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString("base64")}`;
    clean = (await pushImage(server.url, "open/app", { tag: "clean", seed: "clean", authorization: auth }))
      .digest;
    vulnerable = (
      await pushImage(server.url, "open/app", { tag: "vulnerable", seed: "vulnerable", authorization: auth })
    ).digest;
    const now = new Date();
    for (const [digest, findings] of [
      [clean, []],
      [
        vulnerable,
        [
          {
            id: "GHSA-test-left-pad-critical",
            aliases: ["CVE-2099-4242"],
            severity: "CRITICAL",
            package: { name: "left-pad" },
          },
        ],
      ],
    ] as const) {
      await server.platform.scans.request(digest, "open/app", now);
      await server.platform.scans.complete(digest, {
        sbom: Buffer.from("{}"),
        sbomDigest: digestOf("{}"),
        report: { scannedAt: now.toISOString(), findings } as unknown as ScanReport,
        at: now,
      });
    }
    const work = await tempDir("scan-api-accounts-", dirs);
    dockerConfigDir = join(work, "docker");
    await mkdir(dockerConfigDir);
    await writeFile(
      join(dockerConfigDir, "config.json"),
      JSON.stringify({
        auths: { [host]: { auth: Buffer.from(`robot$open+scanner:${scanner}`).toString("base64") } },
      }),
    );
    certs = makeCerts();
    ({
      child: webhook,
      port: webhookPort,
      lines: webhookLines,
    } = await startAdmissionServe(serveArgs(certs, POLICY, "--timeout", "5s", "--scan-api", server.url), {
      PORTCULLIS_SCAN_API_USERNAME: "robot$open+scanner",
      PORTCULLIS_SCAN_API_PASSWORD: scanner,
    }));
  }, 120_000);

  afterAll(async () => {
    webhook?.kill("SIGKILL");
    certs?.cleanup();
    await server?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const review = async (images: string[]) =>
    (await post(webhookPort, "/validate", JSON.stringify(podReview(images)), certs.ca))
      .body as ReviewResponseBody;
  const verify = (image: string, env: Record<string, string>) =>
    portcullis(["verify", image, "--policy", POLICY, "--scan", "api", "--scan-api", server.url], env);

  it("the webhook reads scans as the robot of PORTCULLIS_SCAN_API_USERNAME/_PASSWORD", async () => {
    const allowed = await review([`${host}/open/app@${clean}`]);
    expect(allowed.response.allowed, allowed.response.status?.message).toBe(true);
    const denied = await review([`${host}/open/app@${vulnerable}`]);
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toContain("GHSA-test-left-pad-critical");
    // The server saw the robot, not anonymous.
    const apiRequests = server.logs.filter(
      (l) => l.msg === "request" && String(l.path).startsWith("/api/v1/"),
    );
    expect(apiRequests.length).toBeGreaterThan(0);
    expect(new Set(apiRequests.map((l) => l.subject))).toEqual(new Set(["robot$open+scanner"]));
  });

  it("verify reads scans with the docker config's or the environment's credentials", async () => {
    const withConfig = await verify(`${host}/open/app@${clean}`, { DOCKER_CONFIG: dockerConfigDir });
    expect(withConfig.code, withConfig.stdout + withConfig.stderr).toBe(0);
    const withEnv = await verify(`${host}/open/app@${vulnerable}`, {
      PORTCULLIS_SCAN_API_USERNAME: "robot$open+scanner",
      PORTCULLIS_SCAN_API_PASSWORD: scanner,
    });
    expect(withEnv.code, withEnv.stdout + withEnv.stderr).toBe(1);
    expect(withEnv.stdout).toContain("GHSA-test-left-pad-critical");
    const half = await verify(`${host}/open/app@${clean}`, {
      PORTCULLIS_SCAN_API_USERNAME: "robot$open+scanner",
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("PORTCULLIS_SCAN_API_PASSWORD");
  });

  it("fails closed without credentials, with wrong ones and with a robot of another project", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["none", {}, /answered 401/],
      [
        "wrong",
        { PORTCULLIS_SCAN_API_USERNAME: "robot$open+scanner", PORTCULLIS_SCAN_API_PASSWORD: `${scanner}x` },
        /answered 401/,
      ],
      [
        "stranger",
        { PORTCULLIS_SCAN_API_USERNAME: "robot$other+scanner", PORTCULLIS_SCAN_API_PASSWORD: stranger },
        /answered 403/,
      ],
    ];
    for (const [name, env, why] of cases) {
      const result = await verify(`${host}/open/app@${clean}`, env);
      expect({ name, code: result.code }).toEqual({ name, code: 1 });
      expect(result.stdout + result.stderr).toMatch(why);
      expect(result.stdout + result.stderr).not.toContain(scanner);
      expect(result.stdout + result.stderr).not.toContain(stranger);
    }
    expect(webhookLines.join("\n")).not.toContain(scanner);
    expect(server.logs.map((l) => JSON.stringify(l)).join("\n")).not.toContain(scanner);
  });
});
