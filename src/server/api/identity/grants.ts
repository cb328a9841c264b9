import type { Platform } from "../../../app/index.js";
import { AuthError, type Identity, type Permission } from "../../../auth/index.js";
import { holds } from "../../authorize.js";

/**
 * Refuses a grant wider than the granter's own: a member added with a role, a robot created or its
 * secret rotated, only with permissions the caller holds in the project itself. Without it, a custom
 * role holding `member.write` or `robot.write` alone could hand out `project-admin`.
 */
export async function requireHeld(
  platform: Platform,
  caller: Identity,
  project: string,
  permissions: Iterable<Permission>,
  what: string,
): Promise<void> {
  const missing: Permission[] = [];
  for (const permission of new Set(permissions)) {
    if (!(await holds(platform, caller, permission, project))) missing.push(permission);
  }
  if (missing.length > 0) {
    throw new AuthError(
      "DENIED",
      `${caller.subject} may not ${what} in project ${project}: it needs ${missing.join(", ")}, which ${caller.subject} does not hold there`,
    );
  }
}
