import type { Permission } from "./permissions.js";
import type { Action } from "./types.js";

/** The permission each registry action needs. */
export const ACTION_PERMISSION: Readonly<Record<Action, Permission>> = {
  pull: "repository.pull",
  push: "repository.push",
  delete: "repository.delete",
  catalog: "project.read",
};

/** Token scope actions (`repository:<name>:pull,push,delete,*`) and the permissions they stand for. */
export const SCOPE_ACTIONS: Readonly<Record<string, readonly Permission[]>> = {
  pull: ["repository.pull"],
  push: ["repository.push"],
  delete: ["repository.delete"],
  "*": ["repository.pull", "repository.push", "repository.delete"],
};

export function permissionFor(action: Action | Permission): Permission {
  return (ACTION_PERMISSION as Record<string, Permission>)[action] ?? (action as Permission);
}

/** The project a repository is in: its first path component (`team/app` is in `team`). */
export function projectOf(repository: string): string {
  const slash = repository.indexOf("/");
  return slash === -1 ? repository : repository.slice(0, slash);
}

/** The repository's path inside its project, which grant globs match (`team/app/api` → `app/api`). */
export function pathInProject(repository: string): string {
  const slash = repository.indexOf("/");
  return slash === -1 ? "" : repository.slice(slash + 1);
}
