import { mkdtemp, rm, writeFile } from "node:fs/promises";
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
});
