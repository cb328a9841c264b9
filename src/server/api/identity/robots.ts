import { z } from "zod";
import { AuthError, type RobotGrant } from "../../../auth/index.js";
import { parseDuration } from "../../../core/index.js";
import { holds } from "../../authorize.js";
import { requireHeld } from "./grants.js";
import { type Access, type IdentityRoute, route } from "./route.js";
import {
  CreateProjectRobot,
  CreateSystemRobot,
  Name,
  RobotCreated,
  RobotList,
  Robot as RobotSchema,
  RobotSecret,
} from "./schemas.js";
import type { IdentityServices } from "./services.js";
import { robotWire } from "./wire.js";

/** A robot without an expiry asked for stops working after this; `expiresAt: null` asks for none. */
const DEFAULT_EXPIRY_MS = 90 * 86_400_000;

function expiryOf(body: { expiresAt?: string | null; expiresIn?: string }, now: number): number | null {
  if (body.expiresAt !== undefined && body.expiresIn !== undefined)
    throw new AuthError("INVALID", "give expiresAt or expiresIn, not both");
  if (body.expiresIn !== undefined) {
    const ms = parseDuration(body.expiresIn);
    if (ms <= 0) throw new AuthError("INVALID", "expiresIn must be longer than 0");
    return now + ms;
  }
  if (body.expiresAt === null) return null;
  if (body.expiresAt === undefined) return now + DEFAULT_EXPIRY_MS;
  const at = Date.parse(body.expiresAt);
  if (at <= now) throw new AuthError("INVALID", "expiresAt is in the past");
  return at;
}

function describeGrants(grants: readonly RobotGrant[]): string {
  return grants
    .map((g) => `${g.project}[${g.repositories.join(",")}]: ${g.permissions.join(",")}`)
    .join("; ");
}

/**
 * Project robots (`robot$PROJECT+NAME`, robot.read and robot.write in that project) and system robots
 * (`robot$NAME`, grants in any projects, system.robots), with the same six routes each. A secret is
 * returned by create and rotate, once; the store keeps its SHA-256 only.
 */
type Params = { robot: string; project?: string };

interface Scope {
  readonly kind: "Project" | "System";
  readonly base: string;
  readonly params: z.ZodType<Params>;
  readonly collectionParams?: z.ZodType<{ project: string }>;
  readonly read: Access;
  readonly write: Access;
  fullName(params: { robot: string; project?: string }): string;
}

const PROJECT: Scope = {
  kind: "Project",
  base: "/api/v1/projects/{project}/robots",
  params: z.object({ project: Name, robot: Name }),
  collectionParams: z.object({ project: Name }),
  read: { kind: "permission", permission: "robot.read", project: "project" },
  write: { kind: "permission", permission: "robot.write", project: "project" },
  fullName: (p) => `robot$${p.project}+${p.robot}`,
};

const SYSTEM: Scope = {
  kind: "System",
  base: "/api/v1/robots",
  params: z.object({ robot: Name }),
  read: { kind: "permission", permission: "system.robots" },
  write: { kind: "permission", permission: "system.robots" },
  fullName: (p) => `robot$${p.robot}`,
};

async function requireRobot(
  identity: IdentityServices,
  scope: Scope,
  params: { robot: string; project?: string },
) {
  const robot = await identity.store.findRobot(scope.fullName(params));
  // A system route never reaches a project robot (`robot$team+ci` through /api/v1/robots/team+ci).
  if (!robot || (scope.kind === "System") !== (robot.project === undefined))
    throw new AuthError("NOT_FOUND", `no robot ${scope.fullName(params)}`);
  return robot;
}

function robotRoutes(scope: Scope): IdentityRoute[] {
  const tag = "robots";
  const what = scope.kind === "Project" ? "the project's robots" : "system robots";
  return [
    route({
      id: `list${scope.kind}Robots`,
      method: "GET",
      path: scope.base,
      summary: `List ${what}`,
      tag,
      access: scope.read,
      ...(scope.collectionParams ? { params: scope.collectionParams } : {}),
      response: RobotList,
      handle: async ({ identity, params }) => {
        const project = (params as { project?: string }).project;
        if (project !== undefined && !(await identity.store.findProject(project)))
          throw new AuthError("NOT_FOUND", `no project ${project}`);
        const robots = (await identity.store.listRobots(project)).filter(
          (r) => project !== undefined || r.project === undefined,
        );
        return { robots: robots.map((r) => robotWire(r)) };
      },
    }),

    route({
      id: `create${scope.kind}Robot`,
      method: "POST",
      path: scope.base,
      summary: `Create one of ${what}; the answer holds its secret, shown this once`,
      tag,
      access: scope.write,
      event: "robot.changed",
      ...(scope.collectionParams ? { params: scope.collectionParams } : {}),
      body: scope.kind === "Project" ? CreateProjectRobot : CreateSystemRobot,
      response: RobotCreated,
      status: 201,
      handle: async (context) => {
        const { platform, identity, caller, record } = context;
        const body = context.body as z.output<typeof CreateProjectRobot> & z.output<typeof CreateSystemRobot>;
        const project = (context.params as { project?: string }).project;
        let grants: RobotGrant[];
        if (project !== undefined) {
          await requireHeld(
            platform,
            caller,
            project,
            body.permissions,
            "create a robot with these permissions",
          );
          grants = [{ project, repositories: body.repositories ?? ["*"], permissions: body.permissions }];
        } else {
          grants = body.grants.map((g) => ({
            project: g.project,
            repositories: g.repositories ?? ["*"],
            permissions: g.permissions,
          }));
          for (const g of grants) {
            if (!(await identity.store.findProject(g.project)))
              throw new AuthError("NOT_FOUND", `no project ${g.project}`);
          }
          // A robot gets no system permission its creator does not hold.
          for (const permission of body.systemPermissions ?? []) {
            if (!(await holds(platform, caller, permission)))
              throw new AuthError("DENIED", `${caller.subject} may not grant ${permission}`);
          }
        }
        const { robot, secret } = await identity.store.createRobot({
          name: body.name,
          ...(project === undefined ? {} : { project }),
          ...(body.description === undefined ? {} : { description: body.description }),
          grants,
          ...(project === undefined && body.systemPermissions
            ? { systemPermissions: body.systemPermissions }
            : {}),
          expiresAt: expiryOf(body, Date.now()),
          createdBy: caller.subject,
        });
        const expires = robot.expiresAt === null ? "never" : new Date(robot.expiresAt).toISOString();
        const system =
          robot.systemPermissions.length > 0 ? `; system: ${robot.systemPermissions.join(",")}` : "";
        record(
          `robot:${robot.name}`,
          `created: ${describeGrants(robot.grants)}${system}; expires ${expires}`,
        );
        return { robot: robotWire(robot), secret };
      },
    }),

    route({
      id: `get${scope.kind}Robot`,
      method: "GET",
      path: `${scope.base}/{robot}`,
      summary: `One of ${what} (never its secret)`,
      tag,
      access: scope.read,
      params: scope.params,
      response: RobotSchema,
      handle: async ({ identity, params }) => robotWire(await requireRobot(identity, scope, params)),
    }),

    route({
      id: `rotate${scope.kind}Robot`,
      method: "POST",
      path: `${scope.base}/{robot}/rotate`,
      summary: "A new secret, shown this once; the old one stops working at once",
      tag,
      access: scope.write,
      event: "robot.changed",
      params: scope.params,
      response: RobotSecret,
      handle: async ({ platform, identity, caller, params, record }) => {
        const robot = await requireRobot(identity, scope, params);
        // The new secret carries the robot's grants: only someone holding them may have it.
        for (const g of robot.grants) {
          await requireHeld(platform, caller, g.project, g.permissions, `rotate the secret of ${robot.name}`);
        }
        const secret = await identity.store.rotateRobot(robot.name);
        await identity.store.revokeRefreshTokens({ kind: "robot", id: robot.id });
        record(
          `robot:${robot.name}`,
          "secret rotated; the previous secret and refresh tokens no longer work",
        );
        return { name: robot.name, secret };
      },
    }),

    route({
      id: `revoke${scope.kind}Robot`,
      method: "POST",
      path: `${scope.base}/{robot}/revoke`,
      summary: "Disable a robot: refused at once on every replica, whatever tokens it holds",
      tag,
      access: scope.write,
      event: "robot.changed",
      params: scope.params,
      handle: async ({ identity, params, record }) => {
        const robot = await requireRobot(identity, scope, params);
        await identity.store.setRobotDisabled(robot.name, true);
        await identity.store.revokeRefreshTokens({ kind: "robot", id: robot.id });
        record(`robot:${robot.name}`, "revoked");
        return undefined;
      },
    }),

    route({
      id: `delete${scope.kind}Robot`,
      method: "DELETE",
      path: `${scope.base}/{robot}`,
      summary: "Delete a robot",
      tag,
      access: scope.write,
      event: "robot.changed",
      params: scope.params,
      handle: async ({ identity, params, record }) => {
        const robot = await requireRobot(identity, scope, params);
        await identity.store.revokeRefreshTokens({ kind: "robot", id: robot.id });
        await identity.store.deleteRobot(robot.name);
        record(`robot:${robot.name}`, "deleted");
        return undefined;
      },
    }),
  ];
}

export const ROBOT_ROUTES: readonly IdentityRoute[] = [...robotRoutes(PROJECT), ...robotRoutes(SYSTEM)];
