import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const EXAMPLES = resolve(import.meta.dirname, "..", "..", "examples", "policies");

/** Runs `portcullis policy ...` in process through main (its one error mapper), returning the exit code. */
function policy(...args: string[]): Promise<number> {
  return main(["node", "portcullis", "policy", ...args]);
}

const io = captureCli("portcullis-policy-cli-");

const BAD =
  "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    scan: { maxAgee: 1d }\n";

describe("portcullis policy test", () => {
  it("passes every recorded case of full.yaml", async () => {
    expect(await policy("test", join(EXAMPLES, "full.yaml"), "--cases", join(EXAMPLES, "cases"))).toBe(0);
    expect(io.out).toMatch(/^pass\s+01-compliant\.json\s+allow\s+/m);
    expect(io.out).toContain("13 passed, 0 failed");
  });

  it("exits 1 and names what differed when a decision changes", async () => {
    const cases = join(io.dir, "cases");
    await cp(join(EXAMPLES, "cases"), cases, { recursive: true });
    const file = join(cases, "02-unsigned.json");
    const recorded = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...recorded, expect: { ...recorded.expect, allowed: true } }));
    expect(await policy("test", join(EXAMPLES, "full.yaml"), "--cases", cases)).toBe(1);
    expect(io.out).toMatch(/^FAIL\s+02-unsigned\.json\s+deny/m);
    expect(io.out).toContain("allowed: expected true, got false");
    expect(io.out).toContain("12 passed, 1 failed");
  });

  it("reports JSON", async () => {
    expect(
      await policy("test", join(EXAMPLES, "full.yaml"), "--cases", join(EXAMPLES, "cases"), "-o", "json"),
    ).toBe(0);
    const report = JSON.parse(io.out);
    expect(report).toMatchObject({ passed: 13, failed: 0 });
    expect(report.results[0].decision.policyDigest).toMatch(/^sha256:/);
  });

  it.each([
    [
      "a malformed policy",
      async () => ["test", await write("bad.yaml", BAD), "--cases", join(EXAMPLES, "cases")],
      /bad\.yaml:5: defaultRule\.require\.scan\.maxAgee: unknown key/,
    ],
    [
      "a malformed case",
      async () => ["test", join(EXAMPLES, "full.yaml"), "--cases", await caseDir("{ nope")],
      /bad\.json: invalid JSON/,
    ],
    [
      "a folder without cases",
      async () => ["test", join(EXAMPLES, "full.yaml"), "--cases", io.dir],
      /holds no \*\.json cases/,
    ],
    ["a missing --cases", async () => ["test", join(EXAMPLES, "full.yaml")], /--cases/],
  ])("exits 2 for %s", async (_name, args, message) => {
    expect(await policy(...(await args()))).toBe(2);
    expect(io.err).toMatch(message);
  });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(io.dir, name);
  await writeFile(path, text);
  return path;
}

async function caseDir(text: string): Promise<string> {
  await write("bad.json", text);
  return io.dir;
}

// Issue 22: allowlist globs became backtracking regular expressions; a dozen stars hung `policy test`.
describe("portcullis policy test with hostile patterns", () => {
  it("decides a dozen-star allowlist and a backtracking-prone matches() at once", async () => {
    const stars = `${"*a".repeat(12)}*b`;
    const file = await write(
      "hostile.yaml",
      `apiVersion: portcullis.dev/v1
kind: Policy
allowlist: ["registry.example.com/**:${stars}"]
defaultRule:
  require:
    custom: [{ name: team, expression: 'image.repository.matches("^team/([a-z0-9]+-?)+$")' }]
`,
    );
    const repository = `team/${"a1".repeat(30)}_b`;
    const cases = join(io.dir, "cases");
    await mkdir(cases, { recursive: true });
    await writeFile(
      join(cases, "hostile.json"),
      JSON.stringify({
        name: "hostile names are denied, quickly",
        now: "2026-06-01T12:00:00Z",
        input: {
          image: {
            reference: `registry.example.com/${repository}:${"a".repeat(120)}`,
            registry: "registry.example.com",
            repository,
            tag: "a".repeat(120),
          },
          request: { kind: "admission", namespace: "apps" },
          evidence: {},
        },
        expect: { allowed: false, rules: { "custom.team": false } },
      }),
    );
    const started = performance.now();
    expect(await policy("test", file, "--cases", cases)).toBe(0);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(io.out).toContain("1 passed, 0 failed");
  });
});

describe("portcullis policy check", () => {
  it("accepts a valid policy and lists its rules and keys", async () => {
    expect(await policy("check", join(EXAMPLES, "full.yaml"), "--no-key-files")).toBe(0);
    expect(io.out).toMatch(/full\.yaml: valid \(sha256:[0-9a-f]{64}\)/);
    expect(io.out).toContain("namespaceRules.kube-system");
  });

  it("reads the key files the policy names, relative to it", async () => {
    expect(await policy("check", join(EXAMPLES, "require-signature.yaml"))).toBe(2);
    expect(io.err).toContain("cannot read key keys/release.pub");
  });

  it("prints JSON", async () => {
    expect(await policy("check", join(EXAMPLES, "block-critical.yaml"), "-o", "json")).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      valid: true,
      keys: [],
      rules: ["defaultRule", "namespaceRules.kube-system"],
    });
  });

  it("exits 2 with file:line for a malformed policy, and for a missing file", async () => {
    expect(await policy("check", await write("bad.yaml", BAD))).toBe(2);
    expect(io.err).toMatch(/bad\.yaml:5: defaultRule\.require\.scan\.maxAgee: unknown key/);
    expect(await policy("check", join(io.dir, "absent.yaml"))).toBe(2);
    expect(io.err).toMatch(
      /absent\.yaml: cannot read policy file: no such file or folder \(check the path\)/,
    );
  });
});

describe("policy check reads only regular files, with a size cap (issue 22, item 3)", () => {
  /** `mkfifo` (coreutils): Node cannot make a FIFO. Missing, the test fails naming it. */
  function makeFifo(path: string): void {
    try {
      execFileSync("mkfifo", [path], { stdio: "pipe" });
    } catch (err) {
      throw new Error(`this test needs the mkfifo tool (coreutils): ${(err as Error).message}`);
    }
  }
  const signedBy = (key: string) =>
    `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy: [{ key: ${JSON.stringify(key)} }]\n`;

  it("a FIFO as key: exit 2 at once, naming it, instead of waiting for a writer", async () => {
    makeFifo(join(io.dir, "release.pub"));
    expect(await policy("check", await write("p.yaml", signedBy("release.pub")))).toBe(2);
    expect(io.err).toContain(`${join(io.dir, "release.pub")} is a FIFO, not a regular file`);
  });

  it("/dev/zero as key and as policy: exit 2, nothing read", async () => {
    expect(await policy("check", await write("p.yaml", signedBy("/dev/zero")))).toBe(2);
    expect(io.err).toContain("cannot read key /dev/zero (/dev/zero): /dev/zero is a character device");
    expect(await policy("check", "/dev/zero")).toBe(2);
    expect(io.err).toContain("/dev/zero: cannot read policy file: /dev/zero is a character device");
  });

  it("a directory as key, and a FIFO as policy: exit 2 naming what they are", async () => {
    await mkdir(join(io.dir, "keys"));
    expect(await policy("check", await write("p.yaml", signedBy("keys")))).toBe(2);
    expect(io.err).toContain("is a directory, not a regular file");
    makeFifo(join(io.dir, "fifo.yaml"));
    expect(await policy("check", join(io.dir, "fifo.yaml"))).toBe(2);
    expect(io.err).toContain("fifo.yaml is a FIFO, not a regular file");
  });

  it("a key file over 64 KiB is refused, even when it begins with a valid key", async () => {
    const pem = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    await write("release.pub", pem);
    expect(await policy("check", await write("p.yaml", signedBy("release.pub")))).toBe(0);
    await write("release.pub", `${pem}${"# padding\n".repeat(7000)}`);
    expect(await policy("check", join(io.dir, "p.yaml"))).toBe(2);
    expect(io.err).toContain("release.pub is larger than the 65536-byte limit");
  });
});
