import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../policy/index.js";
import { loadPolicyAnchors } from "./anchors.js";

const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
  type: "spki",
  format: "pem",
}) as string;
/** An RSA public key with e=1 (RFC 7518 JWK; no private half needed): any padded digest is its own signature. */
const exponentOneKeyPem = createPublicKey({
  key: { kty: "RSA", n: Buffer.alloc(256, 0xc3).toString("base64url"), e: "AQ" },
  format: "jwk",
})
  .export({ type: "spki", format: "pem" })
  .toString();
const POLICY = `
apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    signedBy:
      - key: keys/release.pub
      - issuer: https://token.actions.githubusercontent.com
        identityRegExp: "https://github.com/example/.*"
`;

describe("loadPolicyAnchors", () => {
  it("reads keys relative to the policy file and marks keyless signers without a trusted root", () => {
    const read: string[] = [];
    const anchors = loadPolicyAnchors(parsePolicy(POLICY, "/etc/portcullis/policy.yaml"), {
      readFile: (path) => {
        read.push(path);
        return pem;
      },
    });
    expect(read).toEqual(["/etc/portcullis/keys/release.pub"]);
    expect(anchors).toHaveLength(2);
    expect(anchors[0]).toMatchObject({ signer: { key: "keys/release.pub" }, anchor: { kind: "key" } });
    expect(anchors[1]).toMatchObject({
      signer: { issuer: "https://token.actions.githubusercontent.com" },
      unavailable: expect.stringContaining("trusted root"),
    });
  });

  it.each([
    [
      "a missing key file",
      () => {
        throw Object.assign(new Error("nope"), { code: "ENOENT" });
      },
      "ENOENT",
    ],
    ["a file that is not a key", () => "hello", "is not a public key"],
    [
      "an RSA key with e=1, with which anyone can forge signatures (issue 22, item 13)",
      () => exponentOneKeyPem,
      "RSA public exponent 1 is refused: only 65537 is accepted",
    ],
  ])("fails with KEY_UNREADABLE for %s", (_name, readFile, message) => {
    const policy = parsePolicy(POLICY, "policy.yaml");
    expect(() => loadPolicyAnchors(policy, { readFile })).toThrow(
      expect.objectContaining({ code: "KEY_UNREADABLE", message: expect.stringContaining(message) }),
    );
  });
});
