/**
 * The signing benchmark (issue 4, section 8), against a running registry (the local Portcullis of
 * `npm run bench`): ECDSA P-256 signature verifications per second with a warm cache, the time to
 * sign an image and push its signature by both schemes, and the time to verify one image's
 * signatures cold (resolve, discover by both schemes, fetch, verify).
 */

import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cachedClients,
  createPolicyGate,
  registryDigestResolver,
  registryEvidencePorts,
} from "../src/app/index.js";
import { parseImageReference, RegistryClient } from "../src/oci/index.js";
import { parsePolicy } from "../src/policy/index.js";
import { type SigningKey, toVerificationKey } from "../src/trust/index.js";
import { classifyKey } from "../src/trust/keys/policy.js";
import {
  type CachedImage,
  loadImage,
  resolveImage,
  signImage,
  VerificationCache,
  verifyImageSignatures,
} from "../src/trust/registry/index.js";
import { pushTinyImage } from "../test/support/push-image.js";

export interface TrustBenchOptions {
  /** The registry: "127.0.0.1:5000" or "http://127.0.0.1:5000". */
  registry: string;
  /** Images signed and verified cold (default 20). */
  images?: number;
  /** How long the warm loop runs (default 2000 ms). */
  warmMs?: number;
}

export interface TrustBenchResult {
  registry: string;
  images: number;
  /** Signature verifications per second with a warm cache, all schemes; per scheme below. */
  warmVerificationsPerSecond: number;
  warmTagSchemePerSecond: number;
  warmBundlePerSecond: number;
  /** Median and p95 of sign + push (both schemes), milliseconds. */
  signPushMs: { median: number; p95: number };
  /** Median and p95 of one cold verification (resolve, discover, fetch, verify), milliseconds. */
  coldVerifyMs: { median: number; p95: number };
  /** Median and p95 of one cold policy decision through the gate (signedBy a key), milliseconds. */
  coldGateDecisionMs?: { median: number; p95: number };
  error?: string;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Verifications per second over a fixed discovery, for `ms` milliseconds. */
function warmRate(
  image: CachedImage,
  anchor: Parameters<typeof verifyImageSignatures>[1],
  ms: number,
): number {
  let checks = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) {
      const result = verifyImageSignatures(image, anchor);
      if (!result.ok) throw new Error("a warm verification failed");
      checks += result.checks.length;
    }
    elapsed = performance.now() - started;
  }
  return checks / (elapsed / 1000);
}

export async function benchTrust(
  options: TrustBenchOptions | string,
  log: (line: string) => void,
): Promise<TrustBenchResult> {
  const opts = typeof options === "string" ? { registry: options } : options;
  const registry = opts.registry.replace(/^https?:\/\//, "").replace(/\/$/, "");
  const count = opts.images ?? 20;
  const warmMs = opts.warmMs ?? 2000;
  const client = new RegistryClient({ registry, insecure: opts.registry.startsWith("http://") });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key: SigningKey = { privateKey, publicKey, kind: classifyKey(publicKey) };
  const anchor = { anchor: { kind: "key" as const, key: toVerificationKey(publicKey) } };
  const repo = `bench/trust-${process.pid}`;

  log(`trust: pushing ${count} images to ${registry}/${repo}`);
  for (let i = 0; i < count; i++)
    await pushTinyImage(client, repo, `v${i}`, { seed: `bench ${i} ${Date.now()} ${Math.random()}` });

  const signTimes: number[] = [];
  const digests: string[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const target = await resolveImage(client, parseImageReference(`${registry}/${repo}:v${i}`));
    await signImage(client, target, key);
    signTimes.push(performance.now() - started);
    digests.push(target.digest);
  }
  log(`trust: sign + push median ${percentile(signTimes, 50).toFixed(1)} ms`);

  const coldTimes: number[] = [];
  for (const digest of digests) {
    const started = performance.now();
    const image = await loadImage(client, parseImageReference(`${registry}/${repo}@${digest}`));
    const result = verifyImageSignatures(image, anchor);
    coldTimes.push(performance.now() - started);
    if (!result.ok) throw new Error(`cold verification of ${digest} failed`);
  }
  log(`trust: cold verify median ${percentile(coldTimes, 50).toFixed(1)} ms`);

  const cache = new VerificationCache();
  const ref = parseImageReference(`${registry}/${repo}@${digests[0]}`);
  const warm = await loadImage(client, ref, cache);
  const only = (source: "tag" | "referrer"): CachedImage => ({
    ...warm,
    discovery: { ...warm.discovery, artifacts: warm.discovery.artifacts.filter((a) => a.source === source) },
  });
  // The full path as a CLI or gate calls it: cache lookup, then verification of every signature.
  let checks = 0;
  const started = performance.now();
  while (performance.now() - started < warmMs) {
    const image = await loadImage(client, ref, cache);
    checks += verifyImageSignatures(image, anchor).checks.length;
  }
  const warmAll = checks / ((performance.now() - started) / 1000);
  const warmTag = warmRate(only("tag"), anchor, warmMs / 2);
  const warmBundle = warmRate(only("referrer"), anchor, warmMs / 2);
  log(
    `trust: warm ${Math.round(warmAll)} verifications/s (tag ${Math.round(warmTag)}/s, bundle ${Math.round(warmBundle)}/s)`,
  );

  const gateMs = await coldGateDecisions(client, registry, repo, count, publicKey, log);

  return {
    registry,
    images: count,
    coldGateDecisionMs: gateMs,
    warmVerificationsPerSecond: warmAll,
    warmTagSchemePerSecond: warmTag,
    warmBundlePerSecond: warmBundle,
    signPushMs: { median: percentile(signTimes, 50), p95: percentile(signTimes, 95) },
    coldVerifyMs: { median: percentile(coldTimes, 50), p95: percentile(coldTimes, 95) },
  };
}

function mark(ok: boolean): string {
  return ok ? "✅" : "❌";
}

export function renderTrustSection(result: TrustBenchResult): string {
  const lines = ["", "## Signing and verification", ""];
  if (result.error) {
    lines.push(`Failed: ${result.error.replace(/\|/g, "/").slice(0, 300)}.`, "");
    return lines.join("\n");
  }
  const rate = (n: number) => Math.round(n).toLocaleString("en-US");
  lines.push(
    `ECDSA P-256 keys; ${result.images} images on the local registry (${result.registry}), each signed by both ` +
      "schemes (cosign `.sig` tag and a Sigstore bundle referrer), so one image verification checks two signatures.",
    "",
    "| Measure | Result | Target (issue) |",
    "| --- | ---: | --- |",
    `| Signature verifications per second, warm cache (both schemes) | ${rate(result.warmVerificationsPerSecond)} | ≥ 1,000: ${mark(result.warmVerificationsPerSecond >= 1000)} |`,
    `| … cosign tag-scheme signatures only | ${rate(result.warmTagSchemePerSecond)} | — |`,
    `| … Sigstore bundle referrers only | ${rate(result.warmBundlePerSecond)} | — |`,
    `| Sign and push one signature, both schemes (median / p95) | ${result.signPushMs.median.toFixed(1)} / ${result.signPushMs.p95.toFixed(1)} ms | — |`,
    `| Verify one image cold: resolve, discover, fetch, verify (median / p95) | ${result.coldVerifyMs.median.toFixed(1)} / ${result.coldVerifyMs.p95.toFixed(1)} ms | < 50 ms: ${mark(result.coldVerifyMs.median < 50)} |`,
    ...(result.coldGateDecisionMs
      ? [
          `| Policy decision cold (\`verify --policy\` path: resolve the tag, fetch config, verify signatures, evaluate; fresh caches) (median / p95) | ${result.coldGateDecisionMs.median.toFixed(1)} / ${result.coldGateDecisionMs.p95.toFixed(1)} ms | < 50 ms: ${mark(result.coldGateDecisionMs.median < 50)} |`,
        ]
      : []),
    "",
  );
  return lines.join("\n");
}

/**
 * The gate's cold path, as `verify --policy` and the admission webhook take it for an image they have
 * not seen: a fresh gate (no evidence or verification cache) per image, policy "signed by this key".
 */
async function coldGateDecisions(
  client: RegistryClient,
  registry: string,
  repo: string,
  count: number,
  publicKey: KeyObject,
  log: (line: string) => void,
): Promise<{ median: number; p95: number }> {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-gate-"));
  try {
    writeFileSync(join(dir, "release.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const file = join(dir, "policy.yaml");
    writeFileSync(
      file,
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: release.pub\n",
    );
    const policy = parsePolicy(readFileSync(file), file);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const clientFor = cachedClients(() => client);
      const gate = createPolicyGate({
        policy,
        ports: registryEvidencePorts({ policy, clientFor }),
        resolver: registryDigestResolver(clientFor),
        timeoutMs: 10_000,
      });
      const started = performance.now();
      const decision = await gate.decide({ image: `${registry}/${repo}:v${i}`, request: { kind: "ci" } });
      times.push(performance.now() - started);
      if (!decision.allowed) throw new Error(`cold gate decision for v${i} denied: ${decision.reason}`);
    }
    log(`trust: cold policy decision median ${percentile(times, 50).toFixed(1)} ms`);
    return { median: percentile(times, 50), p95: percentile(times, 95) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
