import { dirname, isAbsolute, resolve } from "node:path";
import { compileRegExp, describeReadError, readRegularFile } from "../../core/index.js";
import type { Policy } from "../../policy/index.js";
import { policyTrustAnchors } from "../../policy/index.js";
import {
  loadPublicKey,
  MAX_KEY_FILE_BYTES,
  type RegistryTrustAnchor,
  type TrustedRoot,
} from "../../trust/index.js";
import { GateError } from "./errors.js";

/** Who a verified signature is reported as: the key by the policy's own name for it, or an identity. */
export interface AnchorSigner {
  readonly key?: string;
  readonly identity?: string;
  readonly issuer?: string;
}

/** One trust anchor of a policy, ready for trust/registry, or the reason it cannot be used. */
export type GateAnchor =
  | { readonly signer: AnchorSigner; readonly anchor: RegistryTrustAnchor }
  | { readonly signer: AnchorSigner; readonly unavailable: string };

export interface LoadAnchorsOptions {
  /** Sigstore trusted root (Fulcio CAs, Rekor and CT keys) for keyless signers. */
  readonly trustedRoot?: TrustedRoot;
  /** Reads a key file; readKeyFile by default (tests and the server may hand in another). */
  readonly readFile?: (path: string) => string;
}

/** Reads a key file: a regular file of at most MAX_KEY_FILE_BYTES, never a FIFO or a device. */
export function readKeyFile(path: string): string {
  return readRegularFile(path, { maxBytes: MAX_KEY_FILE_BYTES }).toString("utf8");
}

/**
 * The trust anchors a policy names (policyTrustAnchors), loaded: each key file is read relative to the
 * policy file (examples/policies/README.md, "Signers"), as cosign's `--key` reads a path. A key that
 * cannot be read is a configuration error and throws before any decision is made; a keyless signer
 * without a trusted root is kept as unavailable, so its requirement fails with that reason.
 */
export function loadPolicyAnchors(policy: Policy, options: LoadAnchorsOptions = {}): GateAnchor[] {
  const read = options.readFile ?? readKeyFile;
  const anchors = policyTrustAnchors(policy);
  const base = dirname(policy.file);
  const out: GateAnchor[] = [];
  for (const key of anchors.keys) {
    const path = isAbsolute(key) ? key : resolve(base, key);
    let pem: string;
    try {
      pem = read(path);
    } catch (err) {
      const why = describeReadError(err);
      throw new GateError("KEY_UNREADABLE", `${policy.file}: cannot read key ${key} (${path}): ${why}`, {
        cause: err,
        detail: { key, path },
      });
    }
    try {
      out.push({ signer: { key }, anchor: { kind: "key", key: loadPublicKey(pem) } });
    } catch (err) {
      throw new GateError(
        "KEY_UNREADABLE",
        `${policy.file}: key ${key} (${path}) is not a public key: ${(err as Error).message}`,
        { cause: err, detail: { key, path } },
      );
    }
  }
  for (const who of anchors.keyless) {
    const signer: AnchorSigner = {
      issuer: who.issuer,
      ...(who.identity !== undefined ? { identity: who.identity } : {}),
    };
    if (!options.trustedRoot) {
      out.push({ signer, unavailable: "no Sigstore trusted root is configured for keyless signers" });
      continue;
    }
    // The policy compiled identityRegExp to match the whole identity; anchor it the same way here.
    const subjectAlternativeName =
      who.identity !== undefined
        ? who.identity
        : compileRegExp(who.identityRegExp ?? ".*", { anchored: true });
    out.push({
      signer,
      anchor: {
        kind: "keyless",
        trustedRoot: options.trustedRoot,
        identity: { subjectAlternativeName, issuer: who.issuer },
      },
    });
  }
  return out;
}
