/**
 * Issue 11, item 1, end to end: a multi-platform index whose signed images are labelled so that only a
 * normalising matcher (containerd) picks them, {"os":"Linux","architecture":"x86_64"} and
 * {"os":"linux","architecture":"aarch64"}, beside unsigned plain linux/amd64 and linux/arm64 images that
 * an exact matcher (containers/image: skopeo, podman, CRI-O) picks. Built in Node as an OCI layout,
 * pushed whole with skopeo to a real `serve`, signed with `portcullis sign`, then checked through all
 * three gates: `verify --policy` exits 1 naming the unsigned image, the webhook's /validate denies and
 * /mutate pins nothing, and the registry's pull gate refuses. skopeo shows the image a runtime gets is
 * the unsigned one the gates named. An index of the signed images under plain labels passes all three.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
} from "../admission/support.js";
import {
  MEDIA_TYPE_OCI_INDEX,
  type Platform,
  readLayoutIndex,
  sha256,
  type WrittenImage,
  writeImageLayout,
} from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import {
  hasCommand,
  PORTCULLIS_BIN,
  type RegistryServer,
  run,
  startPortcullis,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 180_000;
const PASSWORD = "platform confusion test";
const HAS_SKOPEO = hasCommand("skopeo");
const HAS_OPENSSL = hasOpenssl();
// With CI set a missing tool fails the run, naming it; locally the suite is skipped.
if (process.env.CI && !HAS_SKOPEO) throw new Error("skopeo is required for the platform-confusion e2e test");
if (process.env.CI && !HAS_OPENSSL)
  throw new Error("openssl is required for the platform-confusion e2e test");

/** Writes an index of `entries` into the layout and tags it (the support helper writes only its own images). */
async function writeIndex(dir: string, tag: string, entries: [WrittenImage, Platform][]): Promise<string> {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: entries.map(([image, platform]) => ({ ...image.manifestDescriptor, platform })),
    }),
  );
  const digest = sha256(bytes);
  await writeFile(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), bytes);
  const layout = await readLayoutIndex(dir);
  layout.manifests.push({
    mediaType: MEDIA_TYPE_OCI_INDEX,
    digest,
    size: bytes.length,
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  await writeFile(join(dir, "index.json"), JSON.stringify(layout));
  return digest;
}

describe.skipIf(unavailable("skopeo", HAS_SKOPEO) || unavailable("openssl", HAS_OPENSSL))(
  "a multi-platform index that confuses platform matchers",
  () => {
    const temps: string[] = [];
    let work: string;
    let data: string;
    let server: RegistryServer | undefined;
    let skopeoFlags: string[];
    let signedAmd: WrittenImage;
    let unsignedAmd: WrittenImage;
    let signedArm: WrittenImage;
    let unsignedArm: WrittenImage;
    let confused: string;
    let good: string;

    const portcullis = (args: string[]) =>
      run(process.execPath, [PORTCULLIS_BIN, ...args], {
        allowFailure: true,
        env: { PORTCULLIS_PASSWORD: PASSWORD },
      });
    const skopeo = (args: string[]) => run("skopeo", [...skopeoFlags, ...args], { allowFailure: true });
    /** The digest of the one image skopeo copied into `dir` (it keeps the registry's bytes). */
    const copiedDigest = async (dir: string) => (await readLayoutIndex(dir)).manifests[0]?.digest;

    beforeAll(async () => {
      work = await tempDir("portcullis-platform-confusion-", temps);
      data = join(work, "data");
      await writeFile(
        join(work, "policy.json"),
        JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }),
      );
      skopeoFlags = ["--policy", join(work, "policy.json")];

      const layout = join(work, "layout");
      const image = (tag: string, architecture: string) =>
        writeImageLayout(layout, { tag, seed: tag, layerSizes: [1024], architecture, os: "linux" });
      signedAmd = await image("signed-amd64", "amd64");
      unsignedAmd = await image("unsigned-amd64", "amd64");
      signedArm = await image("signed-arm64", "arm64");
      unsignedArm = await image("unsigned-arm64", "arm64");
      confused = await writeIndex(layout, "confused", [
        [signedAmd, { os: "Linux", architecture: "x86_64" }],
        [unsignedAmd, { os: "linux", architecture: "amd64" }],
        [signedArm, { os: "linux", architecture: "aarch64" }],
        [unsignedArm, { os: "linux", architecture: "arm64" }],
      ]);
      good = await writeIndex(layout, "good", [
        [signedAmd, { os: "linux", architecture: "amd64" }],
        [signedArm, { os: "linux", architecture: "arm64", variant: "v8" }],
      ]);

      server = await startPortcullis({ dataDir: data, env: { PORTCULLIS_SCAN_ON_PUSH: "false" } });
      for (const tag of ["confused", "good"]) {
        const pushed = await skopeo([
          "copy",
          "--all",
          "--preserve-digests",
          "--dest-tls-verify=false",
          `oci:${layout}:${tag}`,
          `docker://${server.host}/team/app:${tag}`,
        ]);
        expect(pushed.code, pushed.stderr).toBe(0);
      }
      await mkdir(join(work, "keys"));
      const keygen = await portcullis(["keygen", "--output-prefix", join(work, "keys", "release")]);
      expect(keygen.code, keygen.stderr).toBe(0);
      // The publisher signs its two images by digest; nobody signs the index or the plain-labelled images.
      for (const signed of [signedAmd, signedArm]) {
        const r = await portcullis([
          "sign",
          `${server.host}/team/app@${signed.digest}`,
          "--key",
          join(work, "keys", "release.key"),
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
      await writeFile(
        join(work, "policy.yaml"),
        "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: keys/release.pub\n",
      );
    }, TIMEOUT);

    afterAll(async () => {
      await server?.dispose();
      const { rm } = await import("node:fs/promises");
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    it(
      "skopeo (containers/image) gets the unsigned image on amd64 and on arm64 nodes",
      async () => {
        const raw = await skopeo([
          "inspect",
          "--raw",
          "--tls-verify=false",
          `docker://${server!.host}/team/app:confused`,
        ]);
        expect(raw.code, raw.stderr).toBe(0);
        expect(sha256(Buffer.from(raw.stdout))).toBe(confused);
        for (const [arch, expected] of [
          ["amd64", unsignedAmd.digest],
          ["arm64", unsignedArm.digest],
        ] as const) {
          const out = join(work, `pulled-${arch}`);
          const copied = await skopeo([
            "copy",
            "--override-os",
            "linux",
            "--override-arch",
            arch,
            "--preserve-digests",
            "--src-tls-verify=false",
            `docker://${server!.host}/team/app:confused`,
            `oci:${out}:run`,
          ]);
          expect(copied.code, copied.stderr).toBe(0);
          expect(await copiedDigest(out)).toBe(expected);
        }
      },
      TIMEOUT,
    );

    it(
      "verify --policy exits 1 naming the unsigned image a runtime would run, for each node platform",
      async () => {
        const image = `${server!.host}/team/app:confused`;
        const policy = join(work, "policy.yaml");
        const all = await portcullis(["verify", image, "--policy", policy]);
        expect(all.code, all.stderr).toBe(1);
        expect(all.stdout).toContain(`image ${unsignedAmd.digest} ({"os":"linux","architecture":"amd64"})`);
        expect(all.stdout).toContain(`image ${unsignedArm.digest} ({"os":"linux","architecture":"arm64"})`);
        for (const [platform, unsigned, other] of [
          ["linux/amd64", unsignedAmd, unsignedArm],
          ["linux/arm64", unsignedArm, unsignedAmd],
        ] as const) {
          const r = await portcullis([
            "verify",
            image,
            "--policy",
            policy,
            "--platform",
            platform,
            "-o",
            "json",
          ]);
          expect(r.code, r.stderr).toBe(1);
          const out = JSON.parse(r.stdout) as {
            allowed: boolean;
            reason: string;
            entries: { digest: string; allowed: boolean }[];
          };
          expect(out.allowed).toBe(false);
          expect(out.reason).toContain(`image ${unsigned.digest}`);
          expect(out.entries.find((e) => e.digest === unsigned.digest)?.allowed).toBe(false);
          expect(out.entries.map((e) => e.digest)).not.toContain(other.digest);
        }
        const ok = await portcullis(["verify", `${server!.host}/team/app:good`, "--policy", policy]);
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "the webhook's /validate denies naming the unsigned image, and /mutate pins only the good index",
      async () => {
        const certs = makeCerts();
        const admission = await startAdmissionServe(
          serveArgs(certs, join(work, "policy.yaml"), "--timeout", "10s"),
        );
        try {
          const review = (image: string) => JSON.stringify(podReview([`${server!.host}/team/app:${image}`]));
          const denied = (await post(admission.port, "/validate", review("confused"), certs.ca))
            .body as ReviewResponseBody;
          expect(denied.response.allowed).toBe(false);
          expect(denied.response.status?.message).toContain(`image ${unsignedAmd.digest}`);
          const mutated = (await post(admission.port, "/mutate", review("confused"), certs.ca))
            .body as ReviewResponseBody;
          expect(mutated.response.allowed).toBe(true);
          expect(mutated.response.patch).toBeUndefined();

          const allowed = (await post(admission.port, "/validate", review("good"), certs.ca))
            .body as ReviewResponseBody;
          expect(allowed.response.allowed, JSON.stringify(allowed.response)).toBe(true);
          const pinned = (await post(admission.port, "/mutate", review("good"), certs.ca))
            .body as ReviewResponseBody;
          const patch = JSON.parse(Buffer.from(pinned.response.patch ?? "", "base64").toString("utf8")) as {
            value: string;
          }[];
          expect(patch.map((op) => op.value)).toContain(`${server!.host}/team/app@${good}`);
        } finally {
          admission.child.kill("SIGTERM");
          certs.cleanup();
        }
      },
      TIMEOUT,
    );

    it(
      "the registry's pull gate refuses the index, naming the unsigned image, and serves the good one",
      async () => {
        const port = Number(server!.host.split(":")[1]);
        await server!.stop();
        server = await startPortcullis({
          dataDir: data,
          port,
          env: {
            PORTCULLIS_SCAN_ON_PUSH: "false",
            PORTCULLIS_POLICY_PULL: join(work, "policy.yaml"),
            PORTCULLIS_POLICY_DECISION_CACHE: "0",
          },
        });
        const pull = (tag: string, arch: string) =>
          skopeo([
            "copy",
            "--retry-times",
            "0",
            "--override-os",
            "linux",
            "--override-arch",
            arch,
            "--src-tls-verify=false",
            `docker://${server!.host}/team/app:${tag}`,
            `oci:${join(work, `gated-${tag}-${arch}`)}:run`,
          ]);
        for (const arch of ["amd64", "arm64"]) {
          const denied = await pull("confused", arch);
          expect(denied.code).not.toBe(0);
          expect(denied.stderr).toMatch(/denied/i);
          expect(denied.stderr).toContain(unsignedAmd.digest.slice("sha256:".length, 20));
          const ok = await pull("good", arch);
          expect(ok.code, ok.stderr).toBe(0);
        }
      },
      TIMEOUT,
    );
  },
);
