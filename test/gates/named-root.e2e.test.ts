/**
 * issue 11, item 4: a config `User` that names uid 0 (`svc` with `svc:x:0:0` in the image's
 * /etc/passwd) must fail `nonRoot: true` at all three gates. Real OCI images are built here (tar
 * layers, config, manifest) and pushed over HTTP to a real `portcullis serve`; then `verify --policy`
 * (exit 1, naming uid 0), the registry's pull gate (403 on a second `serve` started with policy.pull)
 * and `admission serve` (denied; allowed when the pod's securityContext runAsUser overrides) decide.
 */
import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewOf } from "../../src/admission/testing.js";
import type { TestEntry } from "../../src/oci/image/testing/layers.js";
import { RegistryClient } from "../../src/oci/index.js";
import { buildImage } from "../../src/oci/sources/testing/build.js";
import {
  hasOpenssl,
  makeCerts,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  type TestCerts,
} from "../admission/support.js";
import { pushBuiltImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import {
  PORTCULLIS_BIN,
  type RegistryServer,
  type RunResult,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";

const POLICY = `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  evaluationMode: require
  enforcementMode: enforce
  require:
    nonRoot: true
`;
const PASSWD_ROOT = "root:x:0:0:root:/root:/bin/sh\nsvc:x:0:0:looks harmless:/srv:/bin/sh\n";
const PASSWD_USER = "root:x:0:0:root:/root:/bin/sh\nsvc:x:1000:1000:service:/srv:/bin/sh\n";
const GROUP = "root:x:0:\nsvc:x:1000:\n";

/** The images, by tag: each is `User: "svc"`, and its layers say who svc is. */
const IMAGES: Record<string, TestEntry[][]> = {
  // svc is uid 0 in the only /etc/passwd.
  "named-root": [
    [
      { name: "etc/passwd", content: PASSWD_ROOT },
      { name: "etc/group", content: GROUP },
    ],
  ],
  // A later layer replaces a harmless /etc/passwd with one where svc is uid 0.
  replaced: [
    [
      { name: "etc/passwd", content: PASSWD_USER },
      { name: "etc/group", content: GROUP },
    ],
    [{ name: "etc/passwd", content: PASSWD_ROOT }],
  ],
  // /etc/passwd is a symlink into /usr/lib, where svc is uid 0.
  symlinked: [
    [
      { name: "usr/lib/passwd", content: PASSWD_ROOT },
      { name: "etc/group", content: GROUP },
    ],
    [{ name: "etc/passwd", type: "symlink", linkname: "../usr/lib/passwd" }],
  ],
  // The control: the last layer makes svc uid 1000, so every gate admits it.
  "named-user": [
    [
      { name: "etc/passwd", content: PASSWD_ROOT },
      { name: "etc/group", content: GROUP },
    ],
    [{ name: "etc/passwd", content: PASSWD_USER }],
  ],
};
const ROOT_TAGS = ["named-root", "replaced", "symlinked"];

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "nonRoot and a User that names uid 0, at all three gates",
  () => {
    const dirs: string[] = [];
    let policy: string;
    let plain: RegistryServer;
    let gated: RegistryServer;
    let certs: TestCerts;
    let webhook: ChildProcess;
    let webhookPort = 0;
    const digests: Record<string, string> = {};

    const portcullis = (args: string[]): Promise<RunResult> =>
      run(process.execPath, [PORTCULLIS_BIN, ...args], { allowFailure: true, env: { NO_COLOR: "1" } });

    beforeAll(async () => {
      const work = await tempDir("portcullis-named-root-", dirs);
      policy = join(work, "non-root.yaml");
      await writeFile(policy, POLICY);
      // Two registries: one without gates (verify and the webhook read it) and one whose pull gate
      // asks the policy, so a pull refused there is the gate's own answer.
      plain = await startPortcullis({ env: { PORTCULLIS_SCAN_ON_PUSH: "false" } });
      gated = await startPortcullis({
        env: {
          PORTCULLIS_SCAN_ON_PUSH: "false",
          PORTCULLIS_POLICY_PULL: policy,
          PORTCULLIS_POLICY_RELOAD_INTERVAL: "0",
        },
      });
      for (const server of [plain, gated]) {
        const client = new RegistryClient({ registry: server.host });
        for (const [tag, layers] of Object.entries(IMAGES)) {
          const image = await buildImage(layers, { user: "svc" });
          digests[tag] = await pushBuiltImage(client, "team/app", tag, image);
        }
      }
      if (!hasOpenssl()) throw new Error("openssl is required for the admission webhook's certificates");
      certs = makeCerts();
      ({ child: webhook, port: webhookPort } = await startAdmissionServe(
        serveArgs(certs, policy, "--timeout", "10s"),
      ));
    }, 120_000);

    afterAll(async () => {
      webhook?.kill("SIGKILL");
      certs?.cleanup();
      await plain?.dispose();
      await gated?.dispose();
      const { rm } = await import("node:fs/promises");
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it.each(ROOT_TAGS)("verify --policy: %s exits 1 naming uid 0", async (tag) => {
      const result = await portcullis(["verify", `${plain.host}/team/app:${tag}`, "--policy", policy]);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toMatch(/FAIL\s+nonRoot\s+the image runs as root: config User "svc" is uid 0/);
    });

    it("verify --policy: the image whose last layer makes svc uid 1000 passes", async () => {
      const result = await portcullis(["verify", `${plain.host}/team/app:named-user`, "--policy", policy]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain("uid 1000 in the image's /etc/passwd");
    });

    it("the registry's pull gate refuses the named-root images and serves the other", async () => {
      const accept = "application/vnd.oci.image.manifest.v1+json";
      for (const tag of ROOT_TAGS) {
        const res = await fetch(`${gated.url}/v2/team/app/manifests/${tag}`, { headers: { accept } });
        const body = await res.text();
        expect(res.status, body).toBe(403);
        expect(body).toContain("is uid 0");
      }
      const ok = await fetch(`${gated.url}/v2/team/app/manifests/named-user`, { headers: { accept } });
      expect(ok.status).toBe(200);
    });

    const review = async (image: string, securityContext?: Record<string, unknown>) => {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace: "apps" },
        spec: { containers: [{ name: "app", image, ...(securityContext ? { securityContext } : {}) }] },
      };
      const reply = await post(
        webhookPort,
        "/validate",
        JSON.stringify(reviewOf(pod, { namespace: "apps" })),
        certs.ca,
      );
      return (reply.body as ReviewResponseBody).response;
    };

    it.each(ROOT_TAGS)("the admission webhook denies %s", async (tag) => {
      const response = await review(`${plain.host}/team/app@${digests[tag]}`);
      expect(response.allowed).toBe(false);
      expect(response.status?.message).toContain('config User "svc" is uid 0');
    });

    it("the webhook admits it when the container's securityContext runAsUser: 1000 overrides the image", async () => {
      const response = await review(`${plain.host}/team/app@${digests["named-root"]}`, { runAsUser: 1000 });
      expect(response.allowed, response.status?.message).toBe(true);
    });

    it("the webhook denies a named user with runAsNonRoot alone, with the kubelet's reason", async () => {
      const response = await review(`${plain.host}/team/app@${digests["named-user"]}`, {
        runAsNonRoot: true,
      });
      expect(response.allowed).toBe(false);
      expect(response.status?.message).toContain(
        "image has non-numeric user (svc), cannot verify user is non-root",
      );
      const admitted = await review(`${plain.host}/team/app@${digests["named-user"]}`);
      expect(admitted.allowed, admitted.status?.message).toBe(true);
    });
  },
);
