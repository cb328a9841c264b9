import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPublicKey } from "../../keys/load.js";
import { loadTrustedRoot, type TrustedRoot } from "./trusted-root.js";
import { type BundleVerification, verifyBundle } from "./verify.js";

/**
 * The Sigstore conformance suite's bundle-verify assets (sigstore/sigstore-conformance
 * test/assets/bundle-verify/README.md): each folder holds a bundle and optionally `artifact`,
 * `identity`, `issuer`, `key.pub` and `trusted_root.json`; names ending `_fail` must fail.
 * Defaults: `a.txt` beside the folders, the GitHub beacon workflow identity, GitHub Actions as
 * issuer, and the public-good trusted root. Test support, kept apart so a CLI self-test can reuse it.
 */
export interface ConformanceCase {
  name: string;
  expectFailure: boolean;
  run(): BundleVerification;
}

const DEFAULT_IDENTITY =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER = "https://token.actions.githubusercontent.com";

function readIf(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function runCase(caseDir: string, defaultArtifact: Buffer, publicGoodRoot: TrustedRoot): BundleVerification {
  const bundle = readFileSync(join(caseDir, "bundle.sigstore.json"));
  const artifactPath = join(caseDir, "artifact");
  const artifact = existsSync(artifactPath) ? readFileSync(artifactPath) : defaultArtifact;
  const rootText = readIf(join(caseDir, "trusted_root.json"));
  const keyText = readIf(join(caseDir, "key.pub"));
  const trustedRoot = rootText ? loadTrustedRoot(rootText) : publicGoodRoot;
  if (keyText) return verifyBundle(bundle, { artifact, trustedRoot, publicKey: loadPublicKey(keyText) });
  return verifyBundle(bundle, {
    artifact,
    trustedRoot,
    identity: {
      subjectAlternativeName: readIf(join(caseDir, "identity"))?.trim() ?? DEFAULT_IDENTITY,
      issuer: readIf(join(caseDir, "issuer"))?.trim() ?? DEFAULT_ISSUER,
    },
  });
}

export function conformanceCases(dir: string, publicGoodRoot: TrustedRoot): ConformanceCase[] {
  const defaultArtifact = readFileSync(join(dir, "a.txt"));
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({
      name: e.name,
      expectFailure: e.name.endsWith("_fail"),
      run(): BundleVerification {
        try {
          return runCase(join(dir, e.name), defaultArtifact, publicGoodRoot);
        } catch (err) {
          // A key or trusted root that the case ships and we cannot read is a failed verification.
          return { ok: false, reason: "UNTRUSTED", message: (err as Error).message };
        }
      },
    }));
}
