import type { AccessControl } from "../access.js";
import type { ResourceScope } from "../scope.js";
import type { Identity } from "../types.js";

/** At most this many resource scopes per token request: each costs a check. */
const MAX_SCOPES = 64;

/**
 * What a token request is granted: each requested resource scope narrowed to the actions the identity
 * may take now. A partial or empty grant is not an error (the token specification); the registry then
 * answers 401 or 403 for what the token lacks. Scopes of unknown types are dropped; the same resource
 * asked twice is granted once with the union of its actions.
 */
export async function grantScopes(
  access: AccessControl,
  identity: Identity,
  requested: readonly ResourceScope[],
): Promise<ResourceScope[]> {
  const merged = new Map<string, { type: string; name: string; actions: Set<string> }>();
  for (const scope of requested.slice(0, MAX_SCOPES)) {
    const key = `${scope.type}\0${scope.name}`;
    const entry = merged.get(key) ?? { type: scope.type, name: scope.name, actions: new Set<string>() };
    for (const action of scope.actions) entry.actions.add(action);
    merged.set(key, entry);
  }
  const granted: ResourceScope[] = [];
  for (const { type, name, actions } of merged.values()) {
    if (type === "registry" && name === "catalog" && actions.has("*")) {
      // The catalog lists only what the caller may pull, so anyone may ask for it.
      granted.push({ type, name, actions: ["*"] });
    } else if (type === "repository") {
      const allowed = await access.grantedActions(identity, name, [...actions]);
      if (allowed.length > 0) granted.push({ type, name, actions: allowed });
    }
  }
  return granted;
}
