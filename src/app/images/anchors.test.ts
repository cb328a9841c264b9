import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../policy/index.js";
import { loadTrustedRoot } from "../../trust/index.js";
import { pullPolicyAnchors } from "./anchors.js";

const POLICY = parsePolicy(
  `
apiVersion: portcullis.dev/v1
kind: Policy
defaultRule:
  require:
    signedBy:
      - issuer: https://token.actions.githubusercontent.com
        identityRegExp: "https://github.com/slsa-framework/.*"
`,
  "/etc/portcullis/pull.yaml",
);
const trustedRoot = loadTrustedRoot(readFileSync(new URL("testdata/trusted_root_pgi.json", import.meta.url)));

describe("pullPolicyAnchors", () => {
  it("keeps a keyless signer unavailable, with the reason, when the server has no trusted root", () => {
    const anchors = pullPolicyAnchors(() => POLICY)();
    expect(anchors).toEqual([
      {
        signer: { issuer: "https://token.actions.githubusercontent.com" },
        unavailable: "no Sigstore trusted root is configured for keyless signers",
      },
    ]);
  });

  it("makes the keyless signer usable with the server's trusted root (config trust.trustedRoot)", () => {
    const anchors = pullPolicyAnchors(() => POLICY, trustedRoot)();
    expect(anchors).toHaveLength(1);
    expect(anchors?.[0]).toMatchObject({
      signer: { issuer: "https://token.actions.githubusercontent.com" },
      anchor: {
        kind: "keyless",
        trustedRoot,
        identity: { issuer: "https://token.actions.githubusercontent.com" },
      },
    });
  });

  it("names nothing without a pull policy", () => {
    expect(pullPolicyAnchors(undefined, trustedRoot)()).toBeUndefined();
  });
});
