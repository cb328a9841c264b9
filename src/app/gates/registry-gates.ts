import type { ScanReportSource } from "../../evidence/index.js";
import { type ParsedManifest, parseManifest } from "../../oci/index.js";
import type { Decision, Policy, RequestKind } from "../../policy/index.js";
import {
  type Actor,
  type HookVerdict,
  type Registry,
  type RegistryHooks,
  SYSTEM_ACTOR,
} from "../../registry/index.js";
import { VerificationCache } from "../../trust/index.js";
import type { DecisionRecorder } from "./audit.js";
import { createPolicyGate, type PolicyGate } from "./gate.js";
import { registryServiceUserSource } from "./image-user.js";
import { registryEvidencePorts } from "./ports.js";
import { type PendingManifest, registryServiceConfigSource } from "./registry-config.js";
import { inProcessRegistryReader } from "./registry-reader.js";

export interface RegistryGateOptions {
  /** The registry the hooks are installed in (a function: the hooks exist before the registry). */
  readonly registry: () => Registry;
  /** HOST:PORT clients reach this registry at: the registry part of the image the policy sees. */
  readonly host: string;
  /**
   * The push policy (config `policy.push`), or a function returning the current one (a reloaded policy
   * takes effect on the next push); no push gate without it.
   */
  readonly push?: PolicySource;
  /** The pull policy (config `policy.pull`), or a function returning the current one; no pull gate without it. */
  readonly pull?: PolicySource;
  /** Stored scan reports (storedScanSource over the ScanStore). */
  readonly scans?: ScanReportSource;
  /** Every evaluated decision is recorded here (the audit log). */
  readonly recorder?: DecisionRecorder;
  /** How long a pull decision is reused for the same repository and digest, in ms (0: never). */
  readonly cacheTtlMs?: number;
  /** Deadline of each evidence lookup, in ms. */
  readonly timeoutMs?: number;
  readonly warn?: (message: string) => void;
  /** A gate that could not decide, or a decision that could not be recorded. */
  readonly onError?: (err: unknown, what: string) => void;
  readonly now?: () => number;
  /** Reads the pull policy's key files (node:fs by default). */
  readonly readFile?: (path: string) => string;
}

/** A policy, or where to find the current one when it can change while the registry runs. */
export type PolicySource = Policy | (() => Policy);

/** A gate per policy, built on first use: a reloaded policy gets its own gate (and key files read anew). */
function gatesOf(source: PolicySource, build: (policy: Policy) => PolicyGate): () => PolicyGate {
  const current = typeof source === "function" ? source : () => source;
  const built = new WeakMap<Policy, PolicyGate>();
  return () => {
    const policy = current();
    let gate = built.get(policy);
    if (!gate) {
      gate = build(policy);
      built.set(policy, gate);
    }
    return gate;
  };
}

const ALLOW: HookVerdict = { allow: true };
const IMAGE_MANIFEST_TYPES = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
]);
const IMAGE_CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);
/** OCI image-spec layer types and Docker's rootfs layers; anything else in `layers` is artifact content. */
const IMAGE_LAYER = /^application\/vnd\.(oci\.image\.layer\.|docker\.image\.rootfs\.)/;
/** cosign's tag scheme for signatures, attestations and SBOMs of a digest (`sha256-<hex>.sig`). */
const SIGSTORE_TAG = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/;
const MAX_CACHED = 10_000;

/**
 * Whether a manifest is an image the gates judge. Not gated: indexes (a client runs one of the children,
 * which is judged when it is pushed or pulled), referrers (a `subject`, distribution-spec 1.1), OCI
 * artifacts (`artifactType`, or a config that is not an image config: image-spec manifest.md
 * "Guidelines for Artifact Usage"), and cosign's tag-scheme signatures and attestations, which use an
 * image config but carry no image layers.
 */
export function isGatedImage(parsed: ParsedManifest, tags: readonly string[] = []): boolean {
  if (parsed.kind !== "image" || !IMAGE_MANIFEST_TYPES.has(parsed.mediaType)) return false;
  if (parsed.subject || parsed.artifactType) return false;
  if (!parsed.config || !IMAGE_CONFIG_TYPES.has(parsed.config.mediaType)) return false;
  if (tags.length > 0 && tags.every((t) => SIGSTORE_TAG.test(t))) return false;
  if (parsed.layers.length > 0 && !parsed.layers.some((l) => IMAGE_LAYER.test(l.mediaType))) return false;
  return true;
}

/**
 * The registry's policy gates: the push policy is asked before an image manifest is stored, the pull
 * policy before one is served. A failing decision in enforce mode becomes 403 DENIED carrying the
 * decision's reason (every failing requirement); warn mode allows and logs a warning; dry-run allows.
 * Every evaluated decision is recorded. A gate that cannot decide fails closed. Pull decisions are reused
 * for `cacheTtlMs` per repository and digest so a busy pull path does not evaluate every request.
 */
export function registryGateHooks(options: RegistryGateOptions): RegistryHooks {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ttl = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const pending = new Map<string, { manifest: PendingManifest; holders: number }>();
  const config = registryServiceConfigSource(options.registry, (digest) => pending.get(digest)?.manifest);
  const users = registryServiceUserSource(options.registry, (digest) => pending.get(digest)?.manifest);
  const ports = { config, users, ...(options.scans ? { scans: options.scans } : {}) };
  const pushGate = options.push
    ? gatesOf(options.push, (policy) => createPolicyGate({ policy, ports, timeoutMs, now }))
    : undefined;
  // A pulled image is stored: its signatures and attestations are read in-process, through the same
  // verifiers as `verify --policy` (key files relative to the pull policy, read when its gate is built).
  const pullGate = options.pull
    ? gatesOf(options.pull, (policy) =>
        createPolicyGate({
          policy,
          ports: {
            ...registryEvidencePorts({
              policy,
              clientFor: () => inProcessRegistryReader(options.registry, options.host),
              // A signed index vouches for the images it lists: `cosign sign` on a multi-platform tag
              // signs the index, and a client pulling it fetches (and this gate judges) each child.
              parents: (repository, digest) => options.registry().manifests.parents(repository, digest),
              // Found signatures are reused no longer than a decision: a newly signed image is served
              // once the decision cache (policy.decisionCache) lets go of the old verdict.
              verificationCache: new VerificationCache({ ttlMs: ttl }),
              ...(options.readFile ? { readFile: options.readFile } : {}),
            }),
            config,
            users,
            ...(options.scans ? { scans: options.scans } : {}),
          },
          timeoutMs,
          now,
        }),
      )
    : undefined;
  const pulls = new Map<string, { verdict: Promise<HookVerdict>; expires: number }>();

  const decide = async (
    gate: PolicyGate,
    kind: RequestKind,
    repository: string,
    digest: string,
    actor: Actor,
  ): Promise<HookVerdict> => {
    const image = `${options.host}/${repository}@${digest}`;
    let decision: Decision;
    try {
      decision = await gate.decide({ image, request: { kind, user: actor.subject } });
    } catch (err) {
      options.onError?.(err, `${kind} gate for ${image}`);
      return {
        allow: false,
        reason: `the ${kind} policy could not decide about ${image}: ${(err as Error).message}`,
      };
    }
    try {
      await options.recorder?.record(decision, { gate: kind, image, digest, actor: actor.subject });
    } catch (err) {
      options.onError?.(err, `recording the ${kind} decision for ${image}`);
    }
    if (decision.effect === "warn") options.warn?.(`${kind} of ${image}: ${decision.reason}`);
    return decision.allowed ? ALLOW : { allow: false, reason: decision.reason };
  };

  const hooks: RegistryHooks = {};
  if (pushGate) {
    hooks.beforeManifestPut = async (context) => {
      let parsed: ParsedManifest;
      try {
        parsed = parseManifest(context.content, context.mediaType);
      } catch {
        return ALLOW; // the registry has validated it already; what it accepts but we cannot parse is no image
      }
      if (!isGatedImage(parsed, context.tags)) return ALLOW;
      const held = pending.get(context.digest);
      if (held) held.holders++;
      else pending.set(context.digest, { manifest: context, holders: 1 });
      try {
        return await decide(pushGate(), "registry-push", context.repository, context.digest, context.actor);
      } finally {
        const entry = pending.get(context.digest);
        if (entry && --entry.holders === 0) pending.delete(context.digest);
      }
    };
  }
  if (pullGate) {
    const evaluatePull = async (
      gate: PolicyGate,
      repository: string,
      digest: string,
      actor: Actor,
    ): Promise<HookVerdict> => {
      const stored = await options.registry().manifests.get(repository, digest, SYSTEM_ACTOR, false);
      let parsed: ParsedManifest | undefined;
      try {
        parsed = parseManifest(stored.content, stored.mediaType);
      } catch {
        parsed = undefined;
      }
      if (parsed && !isGatedImage(parsed)) return ALLOW;
      return decide(gate, "registry-pull", repository, digest, actor);
    };
    hooks.beforeManifestGet = async (context) => {
      if (!IMAGE_MANIFEST_TYPES.has(context.mediaType)) return ALLOW;
      const gate = pullGate();
      // Keyed by the policy too: a reloaded policy does not inherit the previous one's verdicts.
      const key = `${gate.policy.digest}|${context.repository}@${context.digest}`;
      const at = now();
      const cached = pulls.get(key);
      if (cached && cached.expires > at) return cached.verdict;
      const verdict = evaluatePull(gate, context.repository, context.digest, context.actor);
      if (ttl > 0) {
        pulls.delete(key);
        if (pulls.size >= MAX_CACHED) pulls.delete(pulls.keys().next().value as string);
        pulls.set(key, { verdict, expires: at + ttl });
        verdict.catch(() => pulls.delete(key));
      }
      return verdict;
    };
  }
  return hooks;
}
