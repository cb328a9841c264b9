import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolicyLibrary } from "./policy-library.js";

const SHIPPED = fileURLToPath(new URL("../../../examples/policies/library", import.meta.url));
const policy = (label: string) =>
  `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { labels: [${label}] }\n`;

describe("PolicyLibrary", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-library-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the shipped policies, signed with the release key put beside them", () => {
    cpSync(SHIPPED, dir, { recursive: true });
    mkdirSync(join(dir, "keys"));
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(dir, "keys", "release.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const library = new PolicyLibrary(dir);
    expect(library.names()).toEqual(["scanned", "signed"]);
    expect(library.get("signed")?.defaultRule.require.signedBy).toEqual([
      { kind: "key", key: "keys/release.pub" },
    ]);
    expect(library.get("scanned")?.defaultRule.require.scan).toMatchObject({ maxSeverity: "high" });
    expect(library.get("nope")).toBeUndefined();
  });

  it("refuses to start without its folder, naming the key", () => {
    expect(() => new PolicyLibrary(join(dir, "missing"))).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("policy.library") }),
    );
  });

  it("refuses to start with a broken policy, naming its file", () => {
    writeFileSync(join(dir, "ok.yaml"), policy("a"));
    writeFileSync(join(dir, "broken.yaml"), "apiVersion: portcullis.dev/v1\nkind: Policy\n");
    expect(() => new PolicyLibrary(dir)).toThrow(/broken\.yaml/);
  });

  it("names each policy by its file's stem and skips what is no policy file", () => {
    writeFileSync(join(dir, "prod.yaml"), policy("a"));
    writeFileSync(join(dir, "edge.yml"), policy("b"));
    writeFileSync(join(dir, "README.md"), "not a policy");
    writeFileSync(join(dir, "Upper.yaml"), "not a policy name");
    mkdirSync(join(dir, "keys.yaml"));
    mkdirSync(join(dir, "..data"));
    symlinkSync(join(dir, "prod.yaml"), join(dir, "linked.yaml"));
    expect(new PolicyLibrary(dir).names()).toEqual(["edge", "linked", "prod"]);
  });

  it("follows the folder: a broken change keeps the previous version, files come and go", () => {
    writeFileSync(join(dir, "prod.yaml"), policy("a"));
    const library = new PolicyLibrary(dir);
    const first = library.get("prod");
    expect(library.check()).toEqual([]);

    writeFileSync(join(dir, "prod.yaml"), "apiVersion: portcullis.dev/v1\nkind: Nope\n");
    const [refused] = library.check();
    expect(refused).toMatchObject({ name: "prod", outcome: { result: "failed", repeated: false } });
    expect(library.get("prod")).toBe(first);

    writeFileSync(join(dir, "prod.yaml"), policy("b"));
    expect(library.check()).toMatchObject([{ name: "prod", outcome: { result: "reloaded" } }]);
    expect(library.get("prod")?.defaultRule.require.labels?.[0]?.name).toBe("b");

    // A new broken file is not known (and said once), until it loads.
    writeFileSync(join(dir, "new.yaml"), "kind: Policy\n");
    expect(library.check()).toMatchObject([{ name: "new", outcome: { result: "failed", repeated: false } }]);
    expect(library.check()).toMatchObject([{ name: "new", outcome: { result: "failed", repeated: true } }]);
    expect(library.names()).toEqual(["prod"]);
    writeFileSync(join(dir, "new.yaml"), policy("c"));
    expect(library.check()).toMatchObject([{ name: "new", outcome: { result: "added" } }]);
    expect(library.names()).toEqual(["new", "prod"]);

    unlinkSync(join(dir, "prod.yaml"));
    expect(library.check()).toMatchObject([{ name: "prod", outcome: { result: "removed" } }]);
    expect(library.get("prod")).toBeUndefined();
    expect(library.names()).toEqual(["new"]);
  });
});
