/**
 * The registry's pull gate with a signature requirement, end to end: images pushed with skopeo and one
 * of them signed with `portcullis sign` while no pull policy is set; then `serve` restarts on the same
 * data with `policy.pull` requiring that key. The signed image pulls; the unsigned one is refused with
 * the reason until it is signed (signing reads only the manifest's HEAD, which the gate lets through),
 * and is served on the very next pull after signing although its denial is in the decision cache.
 * Signatures are read in-process from the registry's own tags and referrers.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeImageLayout, writeIndexLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  hasCommand,
  PORTCULLIS_BIN,
  type RegistryServer,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 120_000;
const PASSWORD = "pull gate test";

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))(
  "registry pull gate requiring a signature",
  () => {
    const temps: string[] = [];
    let work: string;
    let server: RegistryServer | undefined;
    let skopeoFlags: string[];

    const portcullis = (args: string[]) =>
      run(process.execPath, [PORTCULLIS_BIN, ...args], {
        allowFailure: true,
        env: { PORTCULLIS_PASSWORD: PASSWORD },
      });
    const skopeo = (args: string[]) => run("skopeo", [...skopeoFlags, ...args], { allowFailure: true });

    beforeAll(async () => {
      work = await tempDir("portcullis-pull-gate-", temps);
      const data = join(work, "data");
      await writeFile(
        join(work, "policy.json"),
        JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }),
      );
      skopeoFlags = ["--policy", join(work, "policy.json")];
      const layout = join(work, "layout");
      await writeImageLayout(layout, { tag: "v1", layerSizes: [1024] });

      server = await startPortcullis({ dataDir: data, env: { PORTCULLIS_SCAN_ON_PUSH: "false" } });
      for (const tag of ["signed", "unsigned"]) {
        const pushed = await skopeo([
          "copy",
          "--dest-tls-verify=false",
          `oci:${layout}:v1`,
          `docker://${server.host}/team/app:${tag}`,
        ]);
        expect(pushed.code, pushed.stderr).toBe(0);
      }
      // A second, different image for the unsigned tag, so the two tags do not share one digest.
      const other = join(work, "other");
      await writeImageLayout(other, { tag: "v1", layerSizes: [2048], seed: "unsigned" });
      const pushed = await skopeo([
        "copy",
        "--dest-tls-verify=false",
        `oci:${other}:v1`,
        `docker://${server.host}/team/app:unsigned`,
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);

      // A multi-platform index, pushed whole: `portcullis sign` on its tag signs the index (as cosign
      // does), and the gate judges each platform image a client fetches.
      const multi = join(work, "multi");
      await writeIndexLayout(multi, undefined, { tag: "multi", layerSizes: [512], seed: "multi" });
      for (const target of ["team/multi:multi-signed", "team/other-multi:multi"]) {
        const copied = await skopeo([
          "copy",
          "--all",
          "--dest-tls-verify=false",
          `oci:${multi}:multi`,
          `docker://${server.host}/${target}`,
        ]);
        expect(copied.code, copied.stderr).toBe(0);
      }

      await mkdir(join(work, "keys"));
      const keygen = await portcullis(["keygen", "--output-prefix", join(work, "keys", "release")]);
      expect(keygen.code, keygen.stderr).toBe(0);
      const signed = await portcullis([
        "sign",
        `${server.host}/team/app:signed`,
        "--key",
        join(work, "keys", "release.key"),
      ]);
      expect(signed.code, signed.stderr).toBe(0);

      const signedIndex = await portcullis([
        "sign",
        `${server.host}/team/multi:multi-signed`,
        "--key",
        join(work, "keys", "release.key"),
      ]);
      expect(signedIndex.code, signedIndex.stderr).toBe(0);

      await writeFile(
        join(work, "pull.yaml"),
        "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: keys/release.pub\n",
      );
      const port = Number(server.host.split(":")[1]);
      await server.stop();
      server = await startPortcullis({
        dataDir: data,
        port,
        env: {
          PORTCULLIS_SCAN_ON_PUSH: "false",
          PORTCULLIS_POLICY_PULL: join(work, "pull.yaml"),
          // The decision cache stays on (an hour, far past the test): a denial must not outlive its
          // reason, so signing has to reach it at once (issue 11, item 9).
          PORTCULLIS_POLICY_DECISION_CACHE: "1h",
        },
      });
    }, TIMEOUT);

    afterAll(async () => {
      await server?.dispose();
      const { rm } = await import("node:fs/promises");
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    it(
      "serves the signed image and refuses the unsigned one with the reason",
      async () => {
        const ok = await skopeo([
          "copy",
          "--src-tls-verify=false",
          `docker://${server!.host}/team/app:signed`,
          `oci:${join(work, "out")}:a`,
        ]);
        expect(ok.code, ok.stderr).toBe(0);
        const denied = await skopeo([
          "copy",
          "--retry-times",
          "0",
          "--src-tls-verify=false",
          `docker://${server!.host}/team/app:unsigned`,
          `oci:${join(work, "out")}:b`,
        ]);
        expect(denied.code).not.toBe(0);
        expect(denied.stderr).toMatch(/denied/i);
        expect(denied.stderr).toMatch(/signature/i);

        // Signing resolves the tag with HEAD, which the pull gate does not refuse; then the image is served
        // on the very next pull, though the denial above is cached: the new .sig tag forgets it.
        const signed = await portcullis([
          "sign",
          `${server!.host}/team/app:unsigned`,
          "--key",
          join(work, "keys", "release.key"),
        ]);
        expect(signed.code, signed.stderr).toBe(0);
        const now = await skopeo([
          "copy",
          "--src-tls-verify=false",
          `docker://${server!.host}/team/app:unsigned`,
          `oci:${join(work, "out")}:c`,
        ]);
        expect(now.code, now.stderr).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "serves every platform image of a signed index, since the index lists them by digest",
      async () => {
        const ok = await skopeo([
          "copy",
          "--all",
          "--src-tls-verify=false",
          `docker://${server!.host}/team/multi:multi-signed`,
          `oci:${join(work, "out-multi")}:signed`,
        ]);
        expect(ok.code, ok.stderr).toBe(0);
        // The same index in another repository: signatures are looked up where the image is, and none is.
        const denied = await skopeo([
          "copy",
          "--all",
          "--retry-times",
          "0",
          "--src-tls-verify=false",
          `docker://${server!.host}/team/other-multi:multi`,
          `oci:${join(work, "out-multi")}:other`,
        ]);
        expect(denied.code).not.toBe(0);
        expect(denied.stderr).toMatch(/no signature found/);
      },
      TIMEOUT,
    );
  },
);
