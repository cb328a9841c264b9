import type { OccurrenceSource, ScanReportSource } from "../../evidence/index.js";
import { isIndexMediaType, type ParsedManifest, parseManifest } from "../../oci/index.js";
import type { Decision, Policy, RequestKind } from "../../policy/index.js";
import {
  type Actor,
  type HookVerdict,
  type Registry,
  type RegistryEvent,
  type RegistryHooks,
  SYSTEM_ACTOR,
} from "../../registry/index.js";
import {
  type ArtifactLimits,
  artifactLimits,
  type TrustedRoot,
  VerificationCache,
} from "../../trust/index.js";
import type { DecisionRecorder } from "./audit.js";
import {
  type CertifiedChoice,
  type CertifiedPolicies,
  certifiedChoice,
  certifiedLabel,
  labelled,
  refusedDecision,
} from "./certified.js";
import { createPolicyGate, type GateRequest, type PolicyGate } from "./gate.js";
import { IMAGE_MANIFEST_TYPES, isGatedImage, isGatedIndex } from "./gated.js";
import { registryServiceUserSource } from "./image-user.js";
import { registryEvidencePorts } from "./ports.js";
import { affectedBy, PullDecisionCache } from "./pull-cache.js";
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
  /**
   * Certified images only: the named policy a repository's project requires is asked too, on push and
   * on pull (both must allow); a name that is not loaded refuses. No certified gate without it.
   */
  readonly certified?: CertifiedPolicies;
  /** Stored scan reports (storedScanSource over the ScanStore). */
  readonly scans?: ScanReportSource;
  /** Grafeas occurrences posted about images (storedOccurrenceSource), for the `occurrences` requirement. */
  readonly occurrences?: OccurrenceSource;
  /** Every evaluated decision is recorded here (the audit log). */
  readonly recorder?: DecisionRecorder;
  /**
   * How long a pull decision is reused for the same input (repository, digest, request), in ms (0:
   * never); forgotten earlier when `events` or `scanChanges` say something it read changed.
   */
  readonly cacheTtlMs?: number;
  /** The registry's events (EventBus.on): signatures, attestations, referrers and indexes arriving. */
  readonly events?: { on(type: "*", listener: (event: RegistryEvent) => void): () => void };
  /** Scan reports stored or changed (ScanStore.onChange). */
  readonly scanChanges?: (listener: (digest: string) => void) => () => void;
  /**
   * Says when every remembered verdict must go: another replica's change that cannot be narrowed, or
   * changes that may have been missed (the invalidation bus reconnected).
   */
  readonly forgetAll?: (listener: () => void) => () => void;
  /** Deadline of each evidence lookup, in ms. */
  readonly timeoutMs?: number;
  /** Bounds on what a pull decision reads from signature and attestation artifacts (trust's defaults). */
  readonly artifactLimits?: Partial<ArtifactLimits>;
  readonly warn?: (message: string) => void;
  /** A gate that could not decide, or a decision that could not be recorded. */
  readonly onError?: (err: unknown, what: string) => void;
  readonly now?: () => number;
  /** Sigstore trusted root for the policies' keyless signers (config trust.trustedRoot). */
  readonly trustedRoot?: TrustedRoot;
  /** Reads the pull policy's key files (node:fs by default). */
  readonly readFile?: (path: string) => string;
}

/** A policy, or where to find the current one when it can change while the registry runs. */
export type PolicySource = Policy | (() => Policy);

/** A gate per policy, built on first use: a reloaded policy gets its own gate (and key files read anew). */
function gatesOf(source: PolicySource, build: (policy: Policy) => PolicyGate): () => PolicyGate {
  const current = typeof source === "function" ? source : () => source;
  const gateFor = gateCache(build);
  return () => gateFor(current());
}

/**
 * A number per gate, for cache keys: a reloaded policy (or the same policy text with a changed key file,
 * which keeps its digest) is a new gate and never reuses its predecessor's verdicts.
 */
function gateIds(): (gate: PolicyGate) => number {
  const ids = new WeakMap<PolicyGate, number>();
  let next = 0;
  return (gate) => {
    let id = ids.get(gate);
    if (id === undefined) {
      id = ++next;
      ids.set(gate, id);
    }
    return id;
  };
}

export { isGatedImage, isGatedIndex } from "./gated.js";

const ALLOW: HookVerdict = { allow: true };
const MAX_CACHED = 10_000;

/**
 * The registry's policy gates: the push policy is asked before an image manifest is stored, the pull
 * policy before one is served. A failing decision in enforce mode becomes 403 DENIED carrying the
 * decision's reason (every failing requirement); warn mode allows and logs a warning; dry-run allows.
 * Every evaluated decision is recorded. A gate that cannot decide fails closed. Pull decisions are reused
 * for `cacheTtlMs` per repository and digest so a busy pull path does not evaluate every request. With
 * `certified`, a repository whose project names a policy is held to it as well (certified.ts).
 */
export function registryGateHooks(options: RegistryGateOptions): RegistryHooks {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const ttl = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const pending = new Map<string, { manifest: PendingManifest; holders: number }>();
  const config = registryServiceConfigSource(options.registry, (digest) => pending.get(digest)?.manifest);
  const users = registryServiceUserSource(options.registry, (digest) => pending.get(digest)?.manifest);
  const scanAndOccurrences = {
    ...(options.scans ? { scans: options.scans } : {}),
    ...(options.occurrences ? { occurrences: options.occurrences } : {}),
  };
  const ports = { config, users, ...scanAndOccurrences };
  const pushGate = options.push
    ? gatesOf(options.push, (policy) => createPolicyGate({ policy, ports, timeoutMs, now }))
    : undefined;
  const limits = artifactLimits(options.artifactLimits);
  // Pull verdicts, keyed by gate and input, forgotten when what they read changes (pull-cache.ts).
  const pulls = new PullDecisionCache<Promise<HookVerdict>>({
    max: MAX_CACHED,
    ttlMs: ttl,
    now: options.now,
  });
  // One cache of discovered artifacts for every pull policy: what is attached to a digest does not
  // depend on the policy, and one place to forget it when a signature arrives.
  const verificationCache = new VerificationCache({ ttlMs: ttl, maxEntries: 1024 });
  // A pulled image is stored: its signatures and attestations are read in-process, through the same
  // verifiers as `verify --policy` (key files relative to the pull policy, read when its gate is built).
  /** Signatures and attestations as the registry holds them, verified with `policy`'s anchors. */
  const storedEvidence = (policy: Policy) =>
    registryEvidencePorts({
      policy,
      clientFor: () => inProcessRegistryReader(options.registry, options.host),
      // A signed index vouches for the images it lists: `cosign sign` on a multi-platform tag
      // signs the index, and a client pulling it fetches (and this gate judges) each child.
      // Recorded, so a signature arriving for the index forgets its children's verdicts.
      parents: async (repository, digest) => {
        const parents = await options.registry().manifests.parents(repository, digest);
        pulls.bind(digest, parents);
        return parents;
      },
      verificationCache,
      artifactLimits: limits,
      ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
      ...(options.readFile ? { readFile: options.readFile } : {}),
    });
  const buildPullGate = (policy: Policy) =>
    createPolicyGate({
      policy,
      ports: { ...storedEvidence(policy), config, users, ...scanAndOccurrences },
      timeoutMs,
      now,
    });
  const pullGate = options.pull ? gatesOf(options.pull, buildPullGate) : undefined;
  // A certified policy judges a push with everything the registry holds about the digest, as a pull:
  // signatures and attestations already stored in the repository (a signed image promoted with its
  // signature, or pushed again) besides the pushed config. The pushed manifest is not stored yet, so no
  // relations: it is an image (isGatedImage), and no index it is listed in has been pushed after it.
  const buildCertifiedPushGate = (policy: Policy) => {
    const { relations: _, ...stored } = storedEvidence(policy);
    return createPolicyGate({
      policy,
      ports: { ...stored, config, users, ...scanAndOccurrences },
      timeoutMs,
      now,
    });
  };
  const certifiedGates = {
    "registry-push": gateCache(buildCertifiedPushGate),
    "registry-pull": gateCache(buildPullGate),
  };
  const idOf = gateIds();

  const forget = (digest: string) => {
    for (const d of pulls.invalidate(digest)) verificationCache.invalidateDigest(d);
  };
  const onEvent = (event: RegistryEvent) => {
    const affected = affectedBy(event);
    if (affected.all) {
      pulls.clear();
      verificationCache.clear();
      return;
    }
    for (const digest of affected.digests) forget(digest);
    // A new index vouches for its children (once it is signed): read it to know them. Until this read
    // finishes a child's verdict may be the old one; a signature for the index, when it comes, is
    // handled at once through the bindings recorded at decision time.
    if (affected.index !== undefined && event.type === "manifest.pushed") {
      childrenOf(options.registry(), event.repository, affected.index).then(
        (children) => {
          for (const child of children) forget(child);
        },
        (err) => options.onError?.(err, `reading index ${affected.index} to refresh pull decisions`),
      );
    }
  };
  if (options.pull || options.certified) {
    options.events?.on("*", onEvent);
    options.scanChanges?.(forget);
    options.forgetAll?.(() => {
      pulls.clear();
      verificationCache.clear();
    });
  }

  const decide = async (
    gate: PolicyGate,
    kind: RequestKind,
    digest: string,
    check: Pick<GateRequest, "image" | "request">,
    actor: Actor,
    label?: string,
  ): Promise<HookVerdict> => {
    const { image } = check;
    let decision: Decision;
    try {
      decision = await gate.decide(check);
    } catch (err) {
      options.onError?.(err, `${kind} gate for ${image}`);
      return {
        allow: false,
        reason: `${label ? `${label}: ` : ""}the ${kind} policy could not decide about ${image}: ${(err as Error).message}`,
      };
    }
    if (label !== undefined) decision = labelled(decision, label);
    return recordAndVerdict(decision, kind, digest, image, actor);
  };
  const recordAndVerdict = async (
    decision: Decision,
    kind: RequestKind,
    digest: string,
    image: string,
    actor: Actor,
  ): Promise<HookVerdict> => {
    try {
      await options.recorder?.record(decision, { gate: kind, image, digest, actor: actor.subject });
    } catch (err) {
      options.onError?.(err, `recording the ${kind} decision for ${image}`);
    }
    if (decision.effect === "warn") options.warn?.(`${kind} of ${image}: ${decision.reason}`);
    return decision.allowed ? ALLOW : { allow: false, reason: decision.reason };
  };
  /** The one input a gate decides on, built once: the cache key is derived from it, not beside it. */
  const checkOf = (kind: RequestKind, repository: string, digest: string, actor: Actor) => ({
    image: `${options.host}/${repository}@${digest}`,
    request: { kind, user: actor.subject },
  });

  /**
   * The certified verdict of a repository's project: allowed when it requires no policy, refused (and
   * recorded) when its policy is not loaded or its settings cannot be read, else `judge`'s.
   */
  const certifiedVerdict = async (
    kind: RequestKind,
    repository: string,
    digest: string,
    check: Pick<GateRequest, "image" | "request">,
    actor: Actor,
    judge: (gate: PolicyGate, label: string) => Promise<HookVerdict>,
    known?: { choice: CertifiedChoice },
  ): Promise<HookVerdict> => {
    if (!options.certified) return ALLOW;
    const choice = known ? known.choice : await certifiedChoice(options.certified, repository);
    if (choice === undefined) return ALLOW;
    if ("refusal" in choice) {
      return recordAndVerdict(refusedDecision(choice.refusal), kind, digest, check.image, actor);
    }
    return judge(
      certifiedGates[kind === "registry-push" ? "registry-push" : "registry-pull"](choice.policy),
      certifiedLabel(repository, choice.name),
    );
  };

  const hooks: RegistryHooks = {};
  if (pushGate || options.certified) {
    hooks.beforeManifestPut = async (context) => {
      // Without a push policy only a project's certified policy can refuse: when the project names
      // none (most projects), the push is allowed before the manifest is parsed a second time.
      const certified = options.certified
        ? { choice: await certifiedChoice(options.certified, context.repository) }
        : undefined;
      if (!pushGate && certified?.choice === undefined) return ALLOW;
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
        const kind = "registry-push";
        const check = checkOf(kind, context.repository, context.digest, context.actor);
        // Both gates decide (and are recorded); a denial by either refuses the push.
        return firstDenial(
          await Promise.all([
            pushGate ? decide(pushGate(), kind, context.digest, check, context.actor) : ALLOW,
            certifiedVerdict(
              kind,
              context.repository,
              context.digest,
              check,
              context.actor,
              (gate, label) => decide(gate, kind, context.digest, check, context.actor, label),
              certified,
            ),
          ]),
        );
      } finally {
        const entry = pending.get(context.digest);
        if (entry && --entry.holders === 0) pending.delete(context.digest);
      }
    };
  }
  if (pullGate || options.certified) {
    const evaluatePull = async (
      gate: PolicyGate,
      repository: string,
      digest: string,
      check: Pick<GateRequest, "image" | "request">,
      actor: Actor,
      label?: string,
    ): Promise<HookVerdict> => {
      const stored = await options.registry().manifests.get(repository, digest, SYSTEM_ACTOR, false);
      let parsed: ParsedManifest | undefined;
      try {
        parsed = parseManifest(stored.content, stored.mediaType);
      } catch {
        parsed = undefined;
      }
      if (parsed && !isGatedImage(parsed) && !isGatedIndex(parsed)) return ALLOW;
      return decide(gate, "registry-pull", digest, check, actor, label);
    };
    /** A gate's pull verdict for the check, reused from the cache while nothing it read changed. */
    const cachedPull = (
      gate: PolicyGate,
      context: { repository: string; digest: string; actor: Actor },
      check: Pick<GateRequest, "image" | "request">,
      label?: string,
    ): Promise<HookVerdict> => {
      const key = `${idOf(gate)}|${JSON.stringify(check)}`;
      const cached = pulls.get(key);
      if (cached !== undefined) return cached;
      const verdict = evaluatePull(gate, context.repository, context.digest, check, context.actor, label);
      if (ttl > 0) {
        pulls.set(key, context.digest, verdict);
        verdict.catch(() => pulls.delete(key));
      }
      return verdict;
    };
    // The gate each policy last decided with (the pull policy under "", certified ones by name): a
    // reloaded policy (or key file) is a new gate, and every cached verdict is dropped with it.
    const lastGates = new Map<string, PolicyGate>();
    const current = (name: string, gate: PolicyGate) => {
      const last = lastGates.get(name);
      if (last !== undefined && last !== gate) {
        pulls.clear();
        verificationCache.clear();
      }
      lastGates.set(name, gate);
    };
    hooks.beforeManifestGet = async (context) => {
      if (!IMAGE_MANIFEST_TYPES.has(context.mediaType) && !isIndexMediaType(context.mediaType)) return ALLOW;
      const kind = "registry-pull";
      const check = checkOf(kind, context.repository, context.digest, context.actor);
      const global = (): Promise<HookVerdict> => {
        if (!pullGate) return Promise.resolve(ALLOW);
        const gate = pullGate();
        current("", gate);
        return cachedPull(gate, context, check);
      };
      return firstDenial(
        await Promise.all([
          global(),
          certifiedVerdict(kind, context.repository, context.digest, check, context.actor, (gate, label) => {
            current(`certified ${gate.policy.file}`, gate);
            return cachedPull(gate, context, check, label);
          }),
        ]),
      );
    };
  }
  return hooks;
}

/** The first refusal among verdicts (deny wins), else allowed. */
function firstDenial(verdicts: readonly HookVerdict[]): HookVerdict {
  return verdicts.find((v) => !v.allow) ?? ALLOW;
}

/** A gate per policy object, built on first use (a reloaded policy is a new object, so a new gate). */
function gateCache(build: (policy: Policy) => PolicyGate): (policy: Policy) => PolicyGate {
  const built = new WeakMap<Policy, PolicyGate>();
  return (policy) => {
    let gate = built.get(policy);
    if (!gate) {
      gate = build(policy);
      built.set(policy, gate);
    }
    return gate;
  };
}

/** The manifests an index lists (empty for anything else). */
async function childrenOf(registry: Registry, repository: string, digest: string): Promise<string[]> {
  const stored = await registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
  const parsed = parseManifest(stored.content, stored.mediaType);
  return parsed.kind === "index" ? parsed.manifests.map((m) => m.digest) : [];
}
