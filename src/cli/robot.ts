import type { Command } from "commander";
import {
  type ApiFlags,
  collect,
  connect,
  outputOf,
  permissionName,
  printJson,
  when,
  withApiFlags,
} from "./account-options.js";
import type { Robot, RobotRequest } from "./api-client.js";
import { printTable } from "./output.js";
import { UsageError } from "./trust/usage-error.js";

const HEADER = ["robot", "state", "expires", "grants", "description"];

function rows(robots: readonly Robot[]): string[][] {
  return robots.map((r) => [
    r.name,
    r.disabled ? "revoked" : r.expired ? "expired" : "active",
    when(r.expiresAt),
    [
      ...r.grants.map((g) => `${g.project}[${g.repositories.join(",")}]: ${g.permissions.join(",")}`),
      ...(r.systemPermissions.length > 0 ? [`system: ${r.systemPermissions.join(",")}`] : []),
    ].join("; "),
    r.description,
  ]);
}

/**
 * A robot named in full (`robot$team+ci`, `robot$mirror`) or by its own name with --project: the
 * project (undefined for a system robot) and the own name the API's paths take.
 */
function target(name: string, project: string | undefined): { project: string | undefined; name: string } {
  const full = /^robot\$(?:([^+]+)\+)?(.+)$/.exec(name);
  if (!full) return { project, name };
  if (project !== undefined && full[1] !== project)
    throw new UsageError(`${name} is not a robot of project ${project}`);
  return { project: full[1], name: full[2]! };
}

/** `--expires 90d`, `never`, or a time (2027-01-31T00:00:00Z). */
function expiry(text: string | undefined): { expiresAt?: string | null; expiresIn?: string } {
  if (text === undefined) return {};
  if (text === "never") return { expiresAt: null };
  if (/^\d/.test(text) && !Number.isNaN(Date.parse(text)) && text.includes("-")) return { expiresAt: text };
  return { expiresIn: text };
}

/** `PROJECT:PERMISSION,...[:GLOB,...]`, one grant of a system robot. */
function grant(text: string) {
  const [project, permissions, globs, ...rest] = text.split(":");
  if (!project || !permissions || rest.length > 0)
    throw new UsageError(
      `--grant ${text}: give PROJECT:PERMISSIONS[:REPOSITORY-GLOBS], such as team:pull,push:app/*`,
    );
  return {
    project,
    permissions: permissions.split(",").map(permissionName),
    ...(globs ? { repositories: globs.split(",") } : {}),
  };
}

interface CreateFlags extends ApiFlags {
  project?: string;
  permission: string[];
  repository: string[];
  grant: string[];
  systemPermission: string[];
  expires?: string;
  description?: string;
}

/** `portcullis robot ...`: project robots (--project) and system robots over the accounts API. */
export function registerRobot(program: Command, setExit: (code: number) => void): void {
  const robot = program
    .command("robot")
    .description("robot accounts for CI and automation: scoped permissions, an expiry, a secret shown once");

  withApiFlags(
    robot
      .command("list")
      .description("list a project's robots (robot.read), or the system robots (system.robots)")
      .option("--project <name>", "the project (default: system robots)"),
  ).action(async (flags: ApiFlags & { project?: string }) => {
    const format = outputOf(flags);
    const { robots } = await connect(flags).client.listRobots(flags.project);
    if (format === "json") printJson({ robots });
    else printTable(HEADER, rows(robots));
    setExit(0);
  });

  withApiFlags(
    robot
      .command("create")
      .description(
        "create a robot: with --project and --permission a project robot (robot.write), with --grant a system robot (system.robots); prints its secret once",
      )
      .argument("<name>")
      .option("--project <name>", "a project robot of this project")
      .option(
        "-p, --permission <permission>",
        "project robot: pull, push, delete or any project permission (repeatable)",
        collect,
        [],
      )
      .option(
        "--repository <glob>",
        "project robot: only these repositories (repeatable; default every one)",
        collect,
        [],
      )
      .option(
        "--grant <grant>",
        "system robot: PROJECT:PERMISSIONS[:GLOBS] (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option(
        "--system-permission <permission>",
        "system robot: a system permission it holds, runtime.write to post Falco alerts and audit events (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      )
      .option("--expires <when>", "a duration (90d), a time (2027-01-31T00:00:00Z) or never (default 90d)")
      .option("--description <text>"),
  ).action(async (name: string, flags: CreateFlags) => {
    const format = outputOf(flags);
    const { project, name: own } = target(name, flags.project);
    let body: RobotRequest;
    if (project !== undefined) {
      if (flags.grant.length > 0 || flags.systemPermission.length > 0)
        throw new UsageError(
          "--grant and --system-permission are for system robots; a project robot takes --permission",
        );
      if (flags.permission.length === 0)
        throw new UsageError("give at least one --permission (pull, push, ...)");
      body = {
        name: own,
        permissions: flags.permission.map(permissionName),
        ...(flags.repository.length > 0 ? { repositories: flags.repository } : {}),
        ...expiry(flags.expires),
        ...(flags.description ? { description: flags.description } : {}),
      };
    } else {
      if (flags.grant.length === 0 && flags.systemPermission.length === 0)
        throw new UsageError(
          "give --project and --permission for a project robot, or --grant or --system-permission for a system robot",
        );
      if (flags.permission.length > 0 || flags.repository.length > 0)
        throw new UsageError("--permission and --repository need --project; a system robot takes --grant");
      body = {
        name: own,
        grants: flags.grant.map(grant),
        ...(flags.systemPermission.length > 0 ? { systemPermissions: flags.systemPermission } : {}),
        ...expiry(flags.expires),
        ...(flags.description ? { description: flags.description } : {}),
      };
    }
    const created = await connect(flags).client.createRobot(project, body);
    if (format === "json") printJson(created);
    else {
      printTable(HEADER, rows([created.robot]));
      process.stdout.write(
        `\nSecret of ${created.robot.name} (shown once, store it now; log in with the name above):\n${created.secret}\n`,
      );
    }
    setExit(0);
  });

  withApiFlags(
    robot
      .command("rotate")
      .description("a new secret, printed once; the old one stops working at once")
      .argument("<name>")
      .option("--project <name>"),
  ).action(async (name: string, flags: ApiFlags & { project?: string }) => {
    const format = outputOf(flags);
    const { project, name: own } = target(name, flags.project);
    const rotated = await connect(flags).client.rotateRobot(project, own);
    if (format === "json") printJson(rotated);
    else
      process.stdout.write(`New secret of ${rotated.name} (shown once, store it now):\n${rotated.secret}\n`);
    setExit(0);
  });

  for (const [verb, description] of [
    ["revoke", "disable a robot at once, whatever tokens it holds"],
    ["delete", "delete a robot"],
  ] as const) {
    withApiFlags(
      robot.command(verb).description(description).argument("<name>").option("--project <name>"),
    ).action(async (name: string, flags: ApiFlags & { project?: string }) => {
      const { project, name: own } = target(name, flags.project);
      const { client } = connect(flags);
      if (verb === "revoke") await client.revokeRobot(project, own);
      else await client.deleteRobot(project, own);
      process.stdout.write(`${name} ${verb === "revoke" ? "revoked" : "deleted"}.\n`);
      setExit(0);
    });
  }
}
