import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../trust/index.js";
import { anchorFrom, collectPair, UsageError } from "./common.js";
import { registerKeygen } from "./keygen.js";
import { renderVerification } from "./render.js";
import { registerSign } from "./sign.js";

describe("collectPair", () => {
  it("collects repeated key=value pairs, keeping '=' in values", () => {
    expect(collectPair("b=x=y", collectPair("a=1"))).toEqual({ a: "1", b: "x=y" });
  });
  it.each(["novalue", "=x"])("refuses %s", (text) => {
    expect(() => collectPair(text)).toThrow(InvalidArgumentError);
  });
});

describe("anchorFrom", () => {
  const dir = mkdtempSync(join(tmpdir(), "trust-cli-"));
  it("reads a public key", async () => {
    const pair = await generateKeyPair("pw", { strength: "legacy" });
    writeFileSync(join(dir, "k.pub"), pair.publicKeyPem);
    expect(anchorFrom({ key: join(dir, "k.pub") })).toMatchObject({ kind: "key" });
  });
  it.each([
    [{}, /say whom to trust/],
    [{ key: "k.pub", certificateIdentity: "a@b" }, /not both/],
    [{ certificateIdentity: "a@b", trustedRoot: "r.json" }, /--certificate-oidc-issuer/],
    [{ certificateIdentity: "a@b", certificateOidcIssuer: "https://i" }, /--trusted-root/],
    [{ certificateOidcIssuer: "https://i", trustedRoot: "r.json" }, /exactly one of/],
    [{ certificateIdentityRegexp: "(", certificateOidcIssuer: "https://i", trustedRoot: "r.json" }, /regexp/],
    [{ key: join(dir, "absent.pub") }, /cannot read key file/],
  ])("refuses %j", (flags, message) => {
    expect(() => anchorFrom(flags)).toThrow(UsageError);
    expect(() => anchorFrom(flags)).toThrow(message);
  });
});

describe("trust commands", () => {
  it("exit with code 2 for bad flags", async () => {
    const program = new Command().exitOverride();
    registerKeygen(program, () => {});
    registerSign(program, () => {});
    const stderr = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await expect(program.parseAsync(["node", "p", "sign", "img"])).rejects.toMatchObject({ exitCode: 2 });
      await expect(program.parseAsync(["node", "p", "keygen", "--algorithm", "dsa"])).rejects.toMatchObject({
        exitCode: 2,
      });
    } finally {
      process.stderr.write = stderr;
    }
  });
});

describe("renderVerification", () => {
  it("prints who signed what, and why a signature failed", () => {
    const text = renderVerification(
      {
        image: "r.example/app:1",
        digest: "sha256:ab",
        ok: true,
        checks: [
          {
            kind: "signature",
            source: "tag",
            where: "sha256-ab.sig[0]",
            format: "cosign",
            ok: true,
            signer: "key sha256:cd",
            dockerReference: "r.example/app",
            warnings: [],
          },
          {
            kind: "signature",
            source: "referrer",
            where: "sha256:ef",
            format: "sigstore-bundle",
            ok: false,
            reason: "DIGEST_MISMATCH",
            message: "no subject names sha256:ab",
            warnings: [],
          },
        ],
      },
      "signature",
    );
    expect(text).toContain("r.example/app:1 (sha256:ab)");
    expect(text).toMatch(/ok +cosign tag +sha256-ab\.sig\[0\] +key sha256:cd +r\.example\/app/);
    expect(text).toMatch(/DIGEST_MISMATCH +referrer +sha256:ef .*no subject names sha256:ab/);
    expect(text).toContain("1 of 2 signatures valid");
  });
});
