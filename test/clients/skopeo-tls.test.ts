/**
 * End-to-end: skopeo (containers/image) pushes to and pulls from `portcullis serve --tls-cert --tls-key`
 * with certificate verification on, trusting only the test CA (`--dest-cert-dir`, `--src-cert-dir`):
 * a real client accepts our HTTPS, and refuses it without the CA.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate, makeCa, opensslUnavailable } from "../support/certificates.js";
import { resolveLayoutTag, type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import { hasCommand, PORTCULLIS_BIN, type RunResult, run, tempDir } from "../support/targets.js";

const TEST_TIMEOUT = 120_000;

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")) || opensslUnavailable())(
  "skopeo over HTTPS",
  () => {
    const temps: string[] = [];
    let work = "";
    let certDir = "";
    let host = "";
    let image: WrittenImage;
    let server: ChildProcess | undefined;
    let env: Record<string, string>;
    let globalFlags: string[];

    beforeAll(async () => {
      work = await tempDir("e2e-skopeo-tls-", temps);
      const ca = makeCa(work);
      const serving = issueCertificate(ca, work, "serving");
      // containers/image reads a certificate directory's *.crt files as CAs to trust.
      certDir = join(work, "certs.d");
      mkdirSync(certDir);
      copyFileSync(ca.cert, join(certDir, "ca.crt"));
      image = await writeImageLayout(join(work, "src"), { tag: "v1" });

      const home = join(work, "home");
      mkdirSync(home);
      writeFileSync(join(work, "registries.conf"), "unqualified-search-registries = []\n");
      writeFileSync(
        join(work, "policy.json"),
        JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }),
      );
      mkdirSync(join(work, "registries.d"));
      mkdirSync(join(work, "tmp"));
      writeFileSync(join(work, "auth.json"), JSON.stringify({ auths: {} }));
      env = {
        HOME: home,
        CONTAINERS_REGISTRIES_CONF: join(work, "registries.conf"),
        REGISTRY_AUTH_FILE: join(work, "auth.json"),
      };
      globalFlags = [
        ...["--policy", join(work, "policy.json"), "--registries.d", join(work, "registries.d")],
        ...["--tmpdir", join(work, "tmp")],
      ];

      // Anonymous on loopback: TLS needs no accounts there.
      const child = spawn(
        process.execPath,
        [
          ...[PORTCULLIS_BIN, "serve", "--listen", "127.0.0.1:0", "--data", join(work, "data")],
          ...["--tls-cert", serving.cert, "--tls-key", serving.key, "--log-format", "json"],
        ],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PORTCULLIS_LOG_LEVEL: "info" } },
      );
      server = child;
      let output = "";
      host = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listen line: ${output}`)), 30_000);
        const take = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /listening on https:\/\/(127\.0\.0\.1:\d+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        child.stdout!.on("data", take);
        child.stderr!.on("data", take);
        child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${output}`)));
      });
    }, TEST_TIMEOUT);

    afterAll(async () => {
      server?.kill("SIGKILL");
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    function skopeo(args: string[], allowFailure = false): Promise<RunResult> {
      return run("skopeo", [...globalFlags, ...args], {
        env,
        timeoutMs: TEST_TIMEOUT - 10_000,
        allowFailure,
      });
    }

    it(
      "pushes, inspects and pulls with verification on, trusting the CA from a cert dir",
      async () => {
        const ref = `docker://${host}/tls/app:v1`;
        await skopeo([
          ...["copy", "--retry-times", "0", "--preserve-digests", "--dest-cert-dir", certDir],
          ...[`oci:${join(work, "src")}:v1`, ref],
        ]);
        const inspected = JSON.parse(
          (await skopeo(["inspect", "--retry-times", "0", "--cert-dir", certDir, ref])).stdout,
        ) as { Digest: string };
        expect(inspected.Digest).toBe(image.digest);

        const out = join(work, "out");
        await skopeo(["copy", "--retry-times", "0", "--src-cert-dir", certDir, ref, `oci:${out}:v1`]);
        expect((await resolveLayoutTag(out, "v1")).digest).toBe(image.digest);
        // The pulled manifest is the pushed one, byte for byte.
        const blob = await readFile(join(out, "blobs", "sha256", image.digest.slice("sha256:".length)));
        expect(blob.equals(image.manifestBytes)).toBe(true);
      },
      TEST_TIMEOUT,
    );

    it(
      "refuses the server without the CA: verification is really on",
      async () => {
        const result = await skopeo(["inspect", "--retry-times", "0", `docker://${host}/tls/app:v1`], true);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/certificate signed by unknown authority|x509/);
      },
      TEST_TIMEOUT,
    );
  },
);
