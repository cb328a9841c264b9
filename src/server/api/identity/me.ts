import { AuthError, SYSTEM_PERMISSIONS } from "../../../auth/index.js";
import { type IdentityRoute, openRoute } from "./route.js";
import { Me } from "./schemas.js";
import { rolePermissions } from "./wire.js";

/**
 * Who is asking and what they hold: `portcullis login` checks credentials with it, and the console hides
 * what the caller may not do. In anonymous mode it answers for the open mode's one principal, which may
 * do everything (the server is on loopback); in accounts mode an anonymous caller gets 401.
 */
export const ME_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "me",
    method: "GET",
    path: "/api/v1/me",
    summary: "Who the caller is, and every grant it holds",
    tag: "me",
    access: { kind: "signed-in" },
    duringPasswordChange: true,
    response: Me,
    handle: async ({ identity, caller }) => {
      if (!identity) {
        return {
          name: caller.subject,
          kind: "anonymous" as const,
          admin: true,
          mustChangePassword: false,
          systemPermissions: [...SYSTEM_PERMISSIONS],
          grants: [],
        };
      }
      if (caller.kind === "robot") {
        const robot = await identity.store.findRobot(caller.subject);
        if (!robot) throw new AuthError("NOT_FOUND", `no robot ${caller.subject}`);
        return {
          name: robot.name,
          kind: "robot" as const,
          admin: false,
          mustChangePassword: false,
          systemPermissions: [],
          grants: robot.grants.map((g) => ({
            project: g.project,
            repositories: [...g.repositories],
            permissions: [...g.permissions],
          })),
        };
      }
      const user = caller.id === undefined ? undefined : await identity.store.userById(caller.id);
      if (!user) throw new AuthError("NOT_FOUND", `no user ${caller.subject}`);
      const groups = (await identity.store.listGroups())
        .filter((g) => g.members.includes(user.name))
        .map((g) => g.name);
      const members = (await identity.store.listMembers()).filter((m) =>
        m.principalKind === "user" ? m.principalName === user.name : groups.includes(m.principalName),
      );
      const grants = [];
      for (const m of members) {
        grants.push({
          project: m.project,
          role: m.role,
          ...(m.principalKind === "group" ? { group: m.principalName } : {}),
          repositories: [...m.repositories],
          // A custom role deleted under a grant grants nothing (AccessControl reads it so too).
          permissions: [...(await rolePermissions(identity, m.role).catch(() => []))],
        });
      }
      return {
        name: user.name,
        kind: "user" as const,
        admin: user.admin,
        mustChangePassword: user.mustChangePassword,
        systemPermissions: user.admin ? [...SYSTEM_PERMISSIONS] : [],
        grants,
      };
    },
  }),
];
