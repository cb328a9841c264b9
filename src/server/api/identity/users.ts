import { z } from "zod";
import { AuthError, generateSecret } from "../../../auth/index.js";
import { type IdentityRoute, route } from "./route.js";
import { Name, RevokedTokens, User, UserCreated, UserList } from "./schemas.js";
import type { IdentityServices } from "./services.js";
import { userWire } from "./wire.js";

const UserParams = z.object({ user: Name });

async function requireUser(identity: IdentityServices, name: string) {
  const user = await identity.store.findUser(name);
  if (!user) throw new AuthError("NOT_FOUND", `no user ${name}`);
  return user;
}

/**
 * Refuses to take the last enabled administrator away (disable, delete, demote): nobody could then
 * manage accounts except `portcullis admin reset-password` on the server's host.
 */
async function keepAnAdministrator(identity: IdentityServices, name: string, what: string): Promise<void> {
  const user = await requireUser(identity, name);
  if (user.admin && !user.disabled && (await identity.store.countAdmins()) <= 1) {
    throw new AuthError(
      "CONFLICT",
      `cannot ${what} ${name}: it is the last administrator (make another user an administrator first)`,
    );
  }
}

export const USER_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listUsers",
    method: "GET",
    path: "/api/v1/users",
    summary: "List users",
    tag: "users",
    access: { kind: "permission", permission: "system.users" },
    response: UserList,
    handle: async ({ identity }) => ({ users: (await identity.store.listUsers()).map(userWire) }),
  }),

  route({
    id: "createUser",
    method: "POST",
    path: "/api/v1/users",
    summary: "Create a local user; without a password, a one-time password is generated and returned once",
    tag: "users",
    access: { kind: "permission", permission: "system.users" },
    event: "user.changed",
    body: z.strictObject({
      name: Name,
      password: z.string().min(1).max(1024).optional(),
      email: z.string().max(320).optional(),
      admin: z.boolean().optional(),
      mustChangePassword: z
        .boolean()
        .optional()
        .describe("default true: a password someone else chose is for one login, then the user sets theirs"),
    }),
    response: UserCreated,
    status: 201,
    handle: async ({ identity, body, record }) => {
      const generated = body.password === undefined ? generateSecret("") : undefined;
      const user = await identity.store.createUser({
        name: body.name,
        password: body.password ?? generated!,
        ...(body.email === undefined ? {} : { email: body.email }),
        admin: body.admin ?? false,
        mustChangePassword: generated !== undefined || (body.mustChangePassword ?? true),
      });
      record(`user:${user.name}`, `created${user.admin ? " as an administrator" : ""}`);
      return { user: userWire(user), ...(generated === undefined ? {} : { password: generated }) };
    },
  }),

  route({
    id: "getUser",
    method: "GET",
    path: "/api/v1/users/{user}",
    summary: "A user (one's own account, or any with system.users)",
    tag: "users",
    access: { kind: "self-or", permission: "system.users", user: "user" },
    params: UserParams,
    response: User,
    handle: async ({ identity, params }) => userWire(await requireUser(identity, params.user)),
  }),

  route({
    id: "changePassword",
    method: "PUT",
    path: "/api/v1/users/{user}/password",
    summary:
      "Change a password: one's own (with the current password), or another user's with system.users (one-time)",
    tag: "users",
    access: { kind: "self-or", permission: "system.users", user: "user" },
    event: "user.changed",
    duringPasswordChange: true,
    params: UserParams,
    body: z.strictObject({
      password: z.string().min(1).max(1024),
      currentPassword: z.string().min(1).max(1024).optional(),
    }),
    handle: async ({ identity, caller, params, body, request, record }) => {
      const user = await requireUser(identity, params.user);
      const self = caller.kind === "user" && caller.subject === user.name;
      if (self) {
        // Whoever holds the session must also know the password: the check counts towards lockout.
        const proven =
          body.currentPassword !== undefined &&
          (await identity.authenticator.login(user.name, body.currentPassword, request.ip)) !== undefined;
        if (!proven) throw new AuthError("DENIED", "the current password is missing or wrong");
      }
      await identity.store.setPassword(user.name, body.password, { mustChange: !self });
      const revoked = await identity.store.revokeRefreshTokens({ kind: "user", id: user.id });
      record(
        `user:${user.name}`,
        self
          ? `password changed${revoked ? `; ${revoked} refresh token(s) revoked` : ""}`
          : `password reset (one-time)${revoked ? `; ${revoked} refresh token(s) revoked` : ""}`,
      );
      return undefined;
    },
  }),

  ...(["disable", "enable"] as const).map((verb) =>
    route({
      id: `${verb}User`,
      method: "POST",
      path: `/api/v1/users/{user}/${verb}`,
      summary:
        verb === "disable"
          ? "Disable a user: refused at once on every replica, whatever tokens it holds"
          : "Enable a disabled user",
      tag: "users",
      access: { kind: "permission", permission: "system.users" },
      event: "user.changed",
      params: UserParams,
      handle: async ({ identity, params, record }) => {
        if (verb === "disable") await keepAnAdministrator(identity, params.user, "disable");
        const user = await requireUser(identity, params.user);
        await identity.store.setUserFlags(user.name, { disabled: verb === "disable" });
        if (verb === "disable") await identity.store.revokeRefreshTokens({ kind: "user", id: user.id });
        record(`user:${user.name}`, `${verb}d`);
        return undefined;
      },
    }),
  ),

  route({
    id: "setAdmin",
    method: "PUT",
    path: "/api/v1/users/{user}/admin",
    summary: "Make a user an administrator, or no longer one",
    tag: "users",
    access: { kind: "permission", permission: "system.users" },
    event: "user.changed",
    params: UserParams,
    body: z.strictObject({ admin: z.boolean() }),
    handle: async ({ identity, params, body, record }) => {
      if (!body.admin) await keepAnAdministrator(identity, params.user, "demote");
      await identity.store.setUserFlags(params.user, { admin: body.admin });
      record(`user:${params.user}`, body.admin ? "made an administrator" : "no longer an administrator");
      return undefined;
    },
  }),

  route({
    id: "deleteUser",
    method: "DELETE",
    path: "/api/v1/users/{user}",
    summary: "Delete a user with its memberships and refresh tokens",
    tag: "users",
    access: { kind: "permission", permission: "system.users" },
    event: "user.changed",
    params: UserParams,
    handle: async ({ identity, params, record }) => {
      await keepAnAdministrator(identity, params.user, "delete");
      await identity.store.deleteUser(params.user);
      record(`user:${params.user}`, "deleted");
      return undefined;
    },
  }),

  route({
    id: "revokeUserTokens",
    method: "DELETE",
    path: "/api/v1/users/{user}/tokens",
    summary: "Revoke a user's refresh tokens (one's own, or any with system.users)",
    tag: "users",
    access: { kind: "self-or", permission: "system.users", user: "user" },
    event: "user.changed",
    params: UserParams,
    response: RevokedTokens,
    handle: async ({ identity, params, record }) => {
      const user = await requireUser(identity, params.user);
      const revoked = await identity.store.revokeRefreshTokens({ kind: "user", id: user.id });
      record(`user:${user.name}`, `${revoked} refresh token(s) revoked`);
      return { revoked };
    },
  }),
];
