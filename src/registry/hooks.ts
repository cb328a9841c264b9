import type { Actor } from "./events.js";

/**
 * Gates the registry asks before it stores or serves a manifest. `app/` wires the policy engine
 * here; the registry only knows that a hook may veto with a reason (reported to clients as DENIED).
 */
export interface ManifestPutContext {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly content: Buffer;
  readonly tags: readonly string[];
  readonly actor: Actor;
}

export interface ManifestGetContext {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly reference: string;
  readonly actor: Actor;
}

export type HookVerdict = { allow: true } | { allow: false; reason: string };

export interface RegistryHooks {
  beforeManifestPut?(context: ManifestPutContext): Promise<HookVerdict> | HookVerdict;
  beforeManifestGet?(context: ManifestGetContext): Promise<HookVerdict> | HookVerdict;
}
