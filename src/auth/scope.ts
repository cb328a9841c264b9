import { AuthError } from "./errors.js";

/**
 * The Docker token scope grammar (distribution's `spec/auth/scope.md`):
 *
 *   scope         := resourcescope [ ' ' resourcescope ]*
 *   resourcescope := resourcetype ":" resourcename ":" action [ ',' action ]*
 *   resourcetype  := /[a-z0-9]+/ [ '(' class ')' ]
 *
 * A resource name may hold a registry host with a port (`localhost:5000/team/app`), so a scope is not
 * split on its first two colons: the type ends at the first colon and the actions start after the last.
 */
export interface ResourceScope {
  /** `repository` or `registry`; a `(class)` suffix is dropped, as the spec says it is ignored. */
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

const TYPE = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const ACTION = /^(?:[a-z0-9]+|\*)$/;
/** A scope longer than this is refused before it is split (one repository name is at most 255 here). */
const MAX_SCOPE_LENGTH = 1024;

/** Parses one `scope` parameter, which may hold several space-separated resource scopes. */
export function parseScopes(text: string): ResourceScope[] {
  if (text.length > MAX_SCOPE_LENGTH) throw new AuthError("SCOPE_INVALID", "scope is too long");
  return text
    .split(" ")
    .filter((part) => part !== "")
    .map((part, i) => parseResourceScope(part, i + 1));
}

function parseResourceScope(text: string, position: number): ResourceScope {
  // The message does not quote the scope: whatever a client sends, its answer never echoes it back.
  const invalid = () =>
    new AuthError(
      "SCOPE_INVALID",
      `resource scope ${position} is not type:name:actions (such as repository:team/app:pull,push)`,
    );
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first <= 0 || last === first) throw invalid();
  const rawType = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(",");
  if (!TYPE.test(rawType) || name === "" || actions.some((a) => !ACTION.test(a))) throw invalid();
  return { type: rawType.replace(/\(.*\)$/, ""), name, actions: [...new Set(actions)] };
}

export function formatScope(scope: ResourceScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(",")}`;
}
