/**
 * The registry's push gate end to end: a real `portcullis serve` started with PORTCULLIS_POLICY_PUSH,
 * skopeo pushing to it, the 403 DENIED message skopeo shows, and `portcullis audit decisions` listing the
 * decision with an intact hash chain.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  freePort,
  hasCommand,
  PORTCULLIS_BIN,
  REPO_ROOT,
  type RunResult,
  run,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 120_000;
/** The real binary, as users run it (the suite builds dist/ before vitest runs). */
const CLI = [PORTCULLIS_BIN];
const LABEL = "org.opencontainers.image.source";
const POLICY = `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    labels: [{ name: ${LABEL}, from: any }]
`;

interface AuditJson {
  decisions: Array<{ gate: string; image: string; effect: string; reason: string; digest: string }>;
  chain?: { ok: boolean; count: number };
}

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))(
  "registry push gate with skopeo and audit decisions",
  () => {
    const temps: string[] = [];
    let work: string;
    let dataDir: string;
    let host: string;
    let child: ChildProcess;
    let exited: Promise<unknown>;
    let output = "";
    let skopeoEnv: Record<string, string>;
    let skopeoFlags: string[];

    beforeAll(async () => {
      work = await tempDir("portcullis-gate-e2e-", temps);
      dataDir = join(work, "data");
      await writeFile(join(work, "push.yaml"), POLICY);
      const home = join(work, "home");
      await mkdir(home, { recursive: true });
      await writeFile(join(work, "registries.conf"), "unqualified-search-registries = []\n");
      await writeFile(
        join(work, "policy.json"),
        JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }),
      );
      await writeFile(join(work, "auth.json"), JSON.stringify({ auths: {} }));
      await mkdir(join(work, "registries.d"), { recursive: true });
      skopeoEnv = {
        HOME: home,
        CONTAINERS_REGISTRIES_CONF: join(work, "registries.conf"),
        REGISTRY_AUTH_FILE: join(work, "auth.json"),
      };
      skopeoFlags = ["--policy", join(work, "policy.json"), "--registries.d", join(work, "registries.d")];

      const port = await freePort();
      host = `127.0.0.1:${port}`;
      child = spawn(process.execPath, [...CLI, "serve", "--listen", host, "--data", dataDir], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PORTCULLIS_POLICY_PUSH: join(work, "push.yaml"),
          PORTCULLIS_SCAN_ON_PUSH: "false",
          PORTCULLIS_LOG_LEVEL: "warn",
          // Policy changes are looked for only on SIGHUP here, so the test says when.
          PORTCULLIS_POLICY_RELOAD_INTERVAL: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (d) => {
        output += d;
      });
      child.stderr!.on("data", (d) => {
        output += d;
      });
      exited = once(child, "exit");
      for (let i = 0; i < 400; i++) {
        if (
          await fetch(`http://${host}/v2/`).then(
            (r) => r.ok,
            () => false,
          )
        )
          return;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`portcullis serve did not start:\n${output}`);
    }, TIMEOUT);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    function skopeoCopy(layout: string, tag: string, repository: string): Promise<RunResult> {
      return run(
        "skopeo",
        [
          ...skopeoFlags,
          "copy",
          "--retry-times",
          "0",
          "--dest-tls-verify=false",
          "--preserve-digests",
          `oci:${layout}:${tag}`,
          `docker://${host}/${repository}:${tag}`,
        ],
        { env: skopeoEnv, timeoutMs: TIMEOUT - 10_000, allowFailure: true },
      );
    }

    function audit(args: string[]): Promise<RunResult> {
      return run(process.execPath, [...CLI, "audit", "decisions", "--data", dataDir, ...args], {
        cwd: REPO_ROOT,
        timeoutMs: 60_000,
        allowFailure: true,
      });
    }

    it(
      "refuses an unlabelled image with 403 DENIED and the rule's reason, admits a labelled one, and logs both",
      async () => {
        const layout = join(work, "layout");
        const unlabelled = await writeImageLayout(layout, { tag: "v1", layerSizes: [1024] });
        const labelled = await writeImageLayout(layout, {
          tag: "v2",
          seed: "labelled",
          layerSizes: [1024],
          annotations: { [LABEL]: "https://example.com/app" },
        });

        const denied = await skopeoCopy(layout, "v1", "team/app");
        expect(denied.code).not.toBe(0);
        expect(denied.stderr).toMatch(/denied/i);
        expect(denied.stderr).toContain(LABEL);
        const missing = await fetch(`http://${host}/v2/team/app/manifests/v1`);
        expect(missing.status).toBe(404);

        const allowed = await skopeoCopy(layout, "v2", "team/app");
        if (allowed.code !== 0)
          throw new Error(`skopeo copy of the labelled image failed:\n${allowed.stderr}`);

        const listed = await audit(["--image", "team/app", "--since", "1h", "-o", "json", "--verify"]);
        expect(listed.stderr).toBe("");
        expect(listed.code).toBe(0);
        const json = JSON.parse(listed.stdout) as AuditJson;
        expect(json.decisions.map((d) => [d.gate, d.effect, d.digest])).toEqual([
          ["registry-push", "deny", unlabelled.digest],
          ["registry-push", "allow", labelled.digest],
        ]);
        expect(json.decisions[0]!.reason).toContain(LABEL);
        expect(json.chain).toEqual({ ok: true, count: 2 });

        const table = await audit(["--gate", "registry-push", "--verify"]);
        expect(table.code).toBe(0);
        expect(table.stdout).toContain(`${host}/team/app@${unlabelled.digest}`);
        expect(table.stdout).toContain("chain verified: 2 decisions");

        const api = await fetch(`http://${host}/api/v1/audit/decisions?image=team/app&since=1h`);
        expect(api.status).toBe(200);
        const body = (await api.json()) as AuditJson;
        expect(body.decisions.map((d) => d.effect)).toEqual(["deny", "allow"]);
        expect((await fetch(`http://${host}/api/v1/audit/decisions?since=yesterday`)).status).toBe(400);
      },
      TIMEOUT,
    );

    it(
      "follows the policy file on SIGHUP: a broken change is refused and logged, a good one decides the next push",
      async () => {
        const layout = join(work, "layout");
        await writeFile(join(work, "push.yaml"), `${POLICY}  bogus: true\n`);
        child.kill("SIGHUP");
        for (let i = 0; i < 100 && !output.includes("the changed policy was refused"); i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(output).toContain("the changed policy was refused");
        expect(output).toContain("push.yaml:6");
        const stillDenied = await skopeoCopy(layout, "v1", "team/reload");
        expect(stillDenied.code).not.toBe(0);
        expect(stillDenied.stderr).toContain(LABEL);

        await writeFile(
          join(work, "push.yaml"),
          "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { evaluationMode: always-allow }\n",
        );
        child.kill("SIGHUP");
        let pushed: RunResult | undefined;
        for (let i = 0; i < 20; i++) {
          pushed = await skopeoCopy(layout, "v1", "team/reload");
          if (pushed.code === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(pushed?.code, pushed?.stderr).toBe(0);
      },
      TIMEOUT,
    );
  },
);
