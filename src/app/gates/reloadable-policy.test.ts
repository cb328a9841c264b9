import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Policy, policyTrustAnchors } from "../../policy/index.js";
import { ReloadablePolicy } from "./reloadable-policy.js";

const policyText = (keyFile: string, mode = "enforce") =>
  `apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  enforcementMode: ${mode}
  require:
    signedBy: [{ key: ${keyFile} }]
`;

describe("ReloadablePolicy", () => {
  let dir: string;
  let path: string;
  let builds: number;

  /** Builds "a gate" that is just the policy's mode and the key file's text, read as a real build reads it. */
  const build = (policy: Policy, readFile: (path: string) => string) => {
    builds++;
    const keys = policyTrustAnchors(policy).keys.map((k) => readFile(join(dir, k)));
    return { mode: policy.defaultRule.enforcementMode, keys };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-reload-"));
    path = join(dir, "policy.yaml");
    builds = 0;
    await writeFile(join(dir, "release.pub"), "key one");
    await writeFile(path, policyText("release.pub"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads at once and refuses to start on a broken policy", async () => {
    const reloadable = new ReloadablePolicy({ path, build });
    expect(reloadable.current).toEqual({ mode: "enforce", keys: ["key one"] });
    expect(reloadable.check()).toEqual({ result: "unchanged" });
    expect(builds).toBe(1);
    await writeFile(path, "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { bogus: 1 }\n");
    expect(() => new ReloadablePolicy({ path, build })).toThrow(/policy\.yaml:3/);
    expect(() => new ReloadablePolicy({ path: join(dir, "none.yaml"), build })).toThrow(
      /none\.yaml: cannot read policy file: ENOENT/,
    );
  });

  it("reloads when the policy file or a key file it read changes", async () => {
    const reloadable = new ReloadablePolicy({ path, build });
    const before = reloadable.policy.digest;
    await writeFile(path, policyText("release.pub", "warn"));
    const outcome = reloadable.check();
    expect(outcome).toMatchObject({ result: "reloaded", previousDigest: before });
    expect(reloadable.current.mode).toBe("warn");
    expect(reloadable.policy.digest).not.toBe(before);

    await writeFile(join(dir, "release.pub"), "key two");
    expect(reloadable.check().result).toBe("reloaded");
    expect(reloadable.current.keys).toEqual(["key two"]);
    expect(reloadable.check()).toEqual({ result: "unchanged" });
    expect(builds).toBe(3);
  });

  it("keeps the previous policy when the new one is broken, says so once, and retries on the next change", async () => {
    const reloadable = new ReloadablePolicy({ path, build });
    await writeFile(
      path,
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { evaluationMode: sometimes }\n",
    );
    const failed = reloadable.check();
    expect(failed).toMatchObject({ result: "failed", repeated: false });
    expect(String((failed as { error: unknown }).error)).toMatch(/policy\.yaml:3/);
    expect(reloadable.current.mode).toBe("enforce");
    expect(reloadable.check()).toMatchObject({ result: "failed", repeated: true });

    // A policy naming a key that is not there yet: refused until the key appears.
    await writeFile(path, policyText("next.pub", "warn"));
    expect(reloadable.check()).toMatchObject({ result: "failed", repeated: false });
    expect(reloadable.check()).toMatchObject({ result: "failed", repeated: true });
    await writeFile(join(dir, "next.pub"), "next key");
    expect(reloadable.check()).toMatchObject({ result: "reloaded" });
    expect(reloadable.current).toEqual({ mode: "warn", keys: ["next key"] });
  });

  it("treats a deleted policy file as a failed reload, not as no policy", async () => {
    const reloadable = new ReloadablePolicy({ path, build });
    await rm(path);
    expect(reloadable.check()).toMatchObject({ result: "failed", repeated: false });
    expect(reloadable.current.mode).toBe("enforce");
    await writeFile(path, policyText("release.pub", "dry-run"));
    expect(reloadable.check().result).toBe("reloaded");
    expect(reloadable.current.mode).toBe("dry-run");
  });

  describe("files that are not files (issue 22, item 3)", () => {
    /** `mkfifo` (coreutils): Node cannot make a FIFO. Missing, the test fails naming it. */
    function makeFifo(fifo: string): void {
      try {
        execFileSync("mkfifo", [fifo], { stdio: "pipe" });
      } catch (err) {
        throw new Error(`this test needs the mkfifo tool (coreutils): ${(err as Error).message}`);
      }
    }

    it("a key replaced by a FIFO: the reload is refused at once naming it, the previous policy keeps deciding", async () => {
      const reloadable = new ReloadablePolicy({ path, build });
      const key = join(dir, "release.pub");
      await rm(key);
      makeFifo(key);
      // Should a read block (as readFileSync does on a FIFO), this writer unblocks every read after a while
      // with an empty key, which would then be "reloaded": the test fails instead of hanging.
      const writer = spawn("sh", ["-c", 'sleep 5; while :; do : >"$0"; done', key], {
        detached: true,
        stdio: "ignore",
      });
      try {
        const outcome = reloadable.check();
        expect(outcome).toMatchObject({ result: "failed", repeated: false });
        expect(String((outcome as { error: unknown }).error)).toContain(
          `${key} is a FIFO, not a regular file`,
        );
        expect(reloadable.current).toEqual({ mode: "enforce", keys: ["key one"] });
        // The check for changes does not block on it either.
        expect(reloadable.check()).toMatchObject({ result: "failed", repeated: true });
      } finally {
        process.kill(-writer.pid!, "SIGKILL");
      }
      await rm(key);
      await writeFile(key, "key two");
      expect(reloadable.check().result).toBe("reloaded");
      expect(reloadable.current.keys).toEqual(["key two"]);
    });

    it("a policy swapped for /dev/zero, and a key over 64 KiB, are refused without reading them whole", async () => {
      const reloadable = new ReloadablePolicy({ path, build });
      await rm(path);
      await symlink("/dev/zero", path);
      const zero = reloadable.check();
      expect(zero).toMatchObject({ result: "failed" });
      expect(String((zero as { error: unknown }).error)).toContain("is a character device");
      await rm(path);
      await writeFile(path, policyText("release.pub", "warn"));
      await writeFile(join(dir, "release.pub"), "k".repeat(64 * 1024 + 1));
      const big = reloadable.check();
      expect(big).toMatchObject({ result: "failed" });
      expect(String((big as { error: unknown }).error)).toContain("larger than the 65536-byte limit");
      expect(reloadable.current).toEqual({ mode: "enforce", keys: ["key one"] });
    });
  });
});
