/**
 * End to end through the real binary (`npm run build` first): `verify IMAGE --policy FILE` against a
 * real listening Portcullis (allow, deny, exit codes, JSON, usage errors), and `policy test` /
 * `policy check` on the example policies.
 */

import { generateKeyPairSync } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference, RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { resolveImage, type SigningKey, signImage } from "../../src/trust/index.js";
import { classifyKey } from "../../src/trust/keys/policy.js";
import { buildImageLayout } from "../support/image-builder.js";
import { pushLayoutImage, pushTinyImage } from "../support/push-image.js";
import { PORTCULLIS_BIN, REPO_ROOT, type RunResult, run, tempDir } from "../support/targets.js";

const EXAMPLES = join(REPO_ROOT, "examples", "policies");
const OSV = join(REPO_ROOT, "src", "vuln", "testdata", "osv", "handmade");

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

describe("portcullis verify --policy and policy (real binary)", () => {
  const temps: string[] = [];
  let server: TestServer;
  let host: string;
  let work: string;
  let signedDigest: string;

  function portcullis(args: string[]): Promise<RunResult> {
    return run(process.execPath, [PORTCULLIS_BIN, ...args], {
      cwd: work,
      env: { DOCKER_CONFIG: join(work, "docker"), NO_COLOR: "1" },
      allowFailure: true,
      timeoutMs: 60_000,
    });
  }

  beforeAll(async () => {
    work = await tempDir("e2e-gates-", temps);
    server = await startTestServer({ database: "sqlite", storage: "memory" });
    host = new URL(server.url).host;
    const client = new RegistryClient({ registry: host });
    // The example policies, with a real release key beside them (keys/ is relative to the policy).
    await cp(EXAMPLES, join(work, "policies"), { recursive: true });
    await mkdir(join(work, "policies", "keys"), { recursive: true });
    const release = newKey();
    await writeFile(
      join(work, "policies", "keys", "release.pub"),
      release.publicKey.export({ type: "spki", format: "pem" }) as string,
    );
    signedDigest = await pushTinyImage(client, "team/app", "v1", { config: { User: "1000" } });
    await signImage(client, await resolveImage(client, parseImageReference(`${host}/team/app:v1`)), release);
    await pushTinyImage(client, "team/app", "unsigned", { config: { User: "1000" } });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("allows a signed image: exit 0, the Decision as JSON with the digest it checked", async () => {
    const policy = join("policies", "require-signature.yaml");
    const result = await portcullis(["verify", `${host}/team/app:v1`, "--policy", policy, "-o", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const decision = JSON.parse(result.stdout);
    expect(decision).toMatchObject({
      allowed: true,
      effect: "allow",
      verdict: "pass",
      ruleSource: "defaultRule",
      image: { digest: signedDigest, tag: "v1" },
    });
    expect(decision.policyDigest).toMatch(/^sha256:/);
    expect(decision.rules.map((r: { rule: string; passed: boolean }) => [r.rule, r.passed])).toEqual([
      ["digest", true],
      ["signedBy", true],
    ]);
  });

  it("denies an unsigned image: exit 1, a table naming the failed requirement and why", async () => {
    const policy = join("policies", "require-signature.yaml");
    const result = await portcullis(["verify", `${host}/team/app:unsigned`, "--policy", policy]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^pass\s+digest\s+".*" was resolved to sha256:/m);
    expect(result.stdout).toMatch(/^FAIL\s+signedBy\s+no signature found; required: key keys\/release.pub$/m);
    expect(result.stdout).toContain("DENY: denied by defaultRule: signedBy: no signature found");
  });

  it("applies the namespace rule given with --namespace", async () => {
    const policy = join("policies", "require-signature.yaml");
    const args = [
      "verify",
      `${host}/team/app:unsigned`,
      "--policy",
      policy,
      "--namespace",
      "kube-system",
      "-o",
      "json",
    ];
    const result = await portcullis(args);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      allowed: true,
      ruleSource: "namespaceRules.kube-system",
    });
  });

  it("exits 0 with a warning in warn mode", async () => {
    const text = (await readFile(join(work, "policies", "require-signature.yaml"), "utf8")).replace(
      "enforcementMode: enforce",
      "enforcementMode: warn",
    );
    await writeFile(join(work, "policies", "warn.yaml"), text);
    const result = await portcullis([
      "verify",
      `${host}/team/app:unsigned`,
      "--policy",
      "policies/warn.yaml",
      "-o",
      "json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ allowed: true, effect: "warn", verdict: "fail" });
  });

  it("stops (exit 2, one line naming it) when --db names no advisory database, as scan does (issue 12)", async () => {
    const result = await portcullis([
      "verify",
      `${host}/team/app@${signedDigest}`,
      "--policy",
      join("policies", "block-critical.yaml"),
      "--scan",
      "local",
      "--db",
      join(work, "missing.db"),
      "-o",
      "json",
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("no advisory database at");
    expect(result.stderr).toContain("missing.db");
  });

  it("scans locally with --scan local and denies a vulnerable image, naming the finding", async () => {
    const client = new RegistryClient({ registry: host });
    const layout = await buildImageLayout(join(work, "vulnerable"), [
      {
        "etc/": "",
        "etc/os-release": 'NAME="Debian GNU/Linux"\nVERSION_ID="7"\nID=debian\n',
        "var/lib/dpkg/status":
          "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 4.2+dfsg-0.1\n",
      },
    ]);
    const digest = await pushLayoutImage(client, "team/vulnerable", layout, "v1");
    const db = join(work, "advisories.db");
    const imported = await portcullis(["db", "import", "--db", db, join(OSV, "DEBIAN-CVE-2014-6271.json")]);
    expect(imported.code, imported.stderr).toBe(0);
    await writeFile(
      join(work, "policies", "no-findings.yaml"),
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    scan: { maxAge: 1h, maxSeverity: none }\n",
    );
    const args = ["verify", `${host}/team/vulnerable:v1`, "--policy", "policies/no-findings.yaml"];
    const result = await portcullis([...args, "--scan", "local", "--db", db, "-o", "json"]);
    expect(result.code, result.stderr).toBe(1);
    const decision = JSON.parse(result.stdout);
    expect(decision.image.digest).toBe(digest);
    expect(decision.rules).toEqual([
      expect.objectContaining({
        rule: "scan",
        passed: false,
        reason: expect.stringContaining("CVE-2014-6271"),
      }),
    ]);
    // Without a scan source the requirement cannot be checked: fail closed, and say so.
    const unscanned = await portcullis([...args, "-o", "json"]);
    expect(unscanned.code).toBe(1);
    expect(JSON.parse(unscanned.stdout).reason).toContain("no scan source is configured");
  });

  it.each([
    [
      "a malformed policy (file:line: key)",
      ["--policy", "bad.yaml"],
      /bad\.yaml:5: defaultRule\.require\.scan\.maxAgee: unknown key/,
    ],
    [
      "--policy with --key",
      ["--policy", "policies/require-signature.yaml", "--key", "k.pub"],
      /--policy takes whom to trust from the policy file; drop --key/,
    ],
    [
      "--namespace without --policy",
      ["--key", "k.pub", "--namespace", "x"],
      /--namespace need --policy FILE/,
    ],
    ["a missing key file", ["--policy", "policies/full.yaml"], /cannot read key keys\/builder.pub/],
    ["a bad --scan", ["--policy", "policies/require-signature.yaml", "--scan", "remote"], /--scan/],
  ])("exits 2 for %s", async (_name, extra, message) => {
    await writeFile(
      join(work, "bad.yaml"),
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    scan: { maxAgee: 1d }\n",
    );
    const result = await portcullis(["verify", `${host}/team/app:v1`, ...extra]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  describe("policy", () => {
    it("test: every recorded case of full.yaml passes", async () => {
      const result = await portcullis([
        "policy",
        "test",
        join(EXAMPLES, "full.yaml"),
        "--cases",
        join(EXAMPLES, "cases"),
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("13 passed, 0 failed");
    });

    it("test: a case whose decision differs exits 1 and says what differed", async () => {
      const cases = join(work, "cases");
      await cp(join(EXAMPLES, "cases"), cases, { recursive: true });
      const file = join(cases, "02-unsigned.json");
      const recorded = JSON.parse(await readFile(file, "utf8"));
      recorded.expect = { ...recorded.expect, allowed: true };
      await writeFile(file, JSON.stringify(recorded));
      const result = await portcullis([
        "policy",
        "test",
        join(EXAMPLES, "full.yaml"),
        "--cases",
        cases,
        "-o",
        "json",
      ]);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report).toMatchObject({ passed: 12, failed: 1 });
      expect(report.results.find((r: { passed: boolean }) => !r.passed).mismatches).toEqual([
        "allowed: expected true, got false",
      ]);
    });

    it("check: a valid policy exits 0; a malformed one exits 2 with file:line", async () => {
      const ok = await portcullis(["policy", "check", join("policies", "require-signature.yaml")]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("require-signature.yaml: valid (sha256:");
      const missingKeys = await portcullis(["policy", "check", join("policies", "full.yaml")]);
      expect(missingKeys.code).toBe(2);
      const skipKeys = await portcullis(["policy", "check", join("policies", "full.yaml"), "--no-key-files"]);
      expect(skipKeys.code).toBe(0);
      const bad = await portcullis(["policy", "check", "bad.yaml"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/bad\.yaml:5: defaultRule\.require\.scan\.maxAgee: unknown key/);
    });
  });
});
