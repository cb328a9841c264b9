import { z } from "zod";
import { AuthError } from "../../../auth/index.js";
import { type IdentityRoute, route } from "./route.js";
import { Group, GroupList, Name } from "./schemas.js";

const GroupParams = z.object({ group: Name });
const GroupMemberParams = z.object({ group: Name, user: Name });

/** Groups of users: a project grant to a group applies to each of its members. */
export const GROUP_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listGroups",
    method: "GET",
    path: "/api/v1/groups",
    summary: "List groups and their members",
    tag: "groups",
    access: { kind: "permission", permission: "system.users" },
    response: GroupList,
    handle: async ({ identity }) => ({ groups: await identity.store.listGroups() }),
  }),

  route({
    id: "createGroup",
    method: "POST",
    path: "/api/v1/groups",
    summary: "Create a group",
    tag: "groups",
    access: { kind: "permission", permission: "system.users" },
    event: "group.changed",
    body: z.strictObject({ name: Name }),
    response: Group,
    status: 201,
    handle: async ({ identity, body, record }) => {
      await identity.store.createGroup(body.name);
      record(`group:${body.name}`, "created");
      return { name: body.name, members: [] };
    },
  }),

  route({
    id: "deleteGroup",
    method: "DELETE",
    path: "/api/v1/groups/{group}",
    summary: "Delete a group and the project grants made to it",
    tag: "groups",
    access: { kind: "permission", permission: "system.users" },
    event: "group.changed",
    params: GroupParams,
    handle: async ({ identity, params, record }) => {
      await identity.store.deleteGroup(params.group);
      record(`group:${params.group}`, "deleted");
      return undefined;
    },
  }),

  ...(
    [
      ["addGroupMember", "PUT", true],
      ["removeGroupMember", "DELETE", false],
    ] as const
  ).map(([id, method, member]) =>
    route({
      id,
      method,
      path: "/api/v1/groups/{group}/members/{user}",
      summary: member ? "Add a user to a group" : "Remove a user from a group",
      tag: "groups",
      access: { kind: "permission", permission: "system.users" },
      event: "group.changed",
      params: GroupMemberParams,
      handle: async ({ identity, params, record }) => {
        if (!member) {
          const group = (await identity.store.listGroups()).find((g) => g.name === params.group);
          if (group && !group.members.includes(params.user)) {
            throw new AuthError("NOT_FOUND", `${params.user} is not a member of ${params.group}`);
          }
        }
        await identity.store.setGroupMember(params.group, params.user, member);
        record(`group:${params.group}`, `${params.user} ${member ? "added" : "removed"}`);
        return undefined;
      },
    }),
  ),
];
