import type { Command } from "commander";
import { formatByteSize, parseByteSize } from "../core/index.js";
import {
  type ApiFlags,
  collect,
  connect,
  outputOf,
  printAnswer,
  readPassword,
  when,
  withApiFlags,
} from "./account-options.js";
import type { Member, Project, SettingsPatch } from "./api-client.js";

type ProxySettingInput = NonNullable<SettingsPatch["proxy"]>;

import { registerProjectRetention } from "./project-retention.js";
import { registerProjectWebhook } from "./project-webhook.js";
import { UsageError } from "./trust/usage-error.js";

function projectRows(projects: readonly Project[]): string[][] {
  return projects.map((p) => [
    p.name,
    p.public ? "public" : "private",
    p.settings.certifiedPolicy ?? "",
    usageText(p.usage),
    (p.settings.immutableTags ?? []).join(","),
    p.settings.proxy ? `${p.settings.proxy.upstream} (${p.settings.proxy.allow.length} allowed)` : "",
    when(p.createdAt),
  ]);
}
const MEMBER_HEADER = ["id", "kind", "name", "role", "repositories"];
const PROJECT_HEADER = [
  "project",
  "visibility",
  "certified policy",
  "usage",
  "immutable tags",
  "proxy of",
  "created",
];

/** `1.2 GiB of 10.0 GiB (12%)`, or the bytes alone without a quota. */
function usageText(usage: Project["usage"]): string {
  if (usage.quotaBytes === null) return formatByteSize(usage.bytes);
  const percent = usage.quotaBytes === 0 ? 100 : Math.round((usage.bytes / usage.quotaBytes) * 100);
  return `${formatByteSize(usage.bytes)} of ${formatByteSize(usage.quotaBytes)} (${percent}%)`;
}

/** `--quota 10GiB` (binary units, or bytes) into bytes; a usage error names the flag. */
function quotaBytes(text: string): number {
  let bytes: number;
  try {
    bytes = parseByteSize(text);
  } catch {
    bytes = Number.NaN;
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new UsageError(`--quota takes a size such as 500MiB, 10GiB or 1TiB, not ${JSON.stringify(text)}`);
  return bytes;
}

/** `--immutable-tags 'v*,app:stable'`: comma-separated (tags and repository names hold no comma). */
function immutableTagRules(text: string): string[] {
  const rules = text
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "");
  if (rules.length === 0)
    throw new UsageError(
      "--immutable-tags takes rules such as 'v*' or 'app:release-*' (--no-immutable-tags drops them)",
    );
  return rules;
}

/** The settings the flags change, as PATCH merges them: a flag not given is left out, `--no-…` is null. */
function settingsPatch(flags: SetFlags): SettingsPatch {
  const change = <T>(flag: string | false | undefined, parse: (text: string) => T): T | null | undefined =>
    flag === false ? null : flag === undefined ? undefined : parse(flag);
  const policy = change(flags.certifiedPolicy, (name) => name);
  const bytes = change(flags.quota, quotaBytes);
  const tags = change(flags.immutableTags, immutableTagRules);
  return {
    ...(policy === undefined ? {} : { certifiedPolicy: policy }),
    ...(bytes === undefined ? {} : { quotaBytes: bytes }),
    ...(tags === undefined ? {} : { immutableTags: tags }),
  };
}

function memberRows(members: readonly Member[]): string[][] {
  return members.map((m) => [String(m.id), m.kind, m.name, m.role, m.repositories.join(",")]);
}

function memberId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new UsageError(`member id must be a number (see project member list), not ${JSON.stringify(text)}`);
  return id;
}

/** `--proxy-allow` is repeated, never split: a semver range may hold spaces, an entry holds no comma anyway. */
function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface ProxyFlags {
  proxyUpstream?: string | false;
  proxyAllow?: string[];
  proxyNamespace?: string;
  proxyInsecure?: boolean;
  proxyUsername?: string;
  proxyPasswordStdin?: boolean;
}

/** The proxy setting the flags describe (the whole setting: PATCH replaces it), null for --no-proxy-upstream. */
function proxySetting(flags: ProxyFlags): ProxySettingInput | null | undefined {
  if (flags.proxyUpstream === false) return null;
  if (flags.proxyUpstream === undefined) {
    if (
      flags.proxyAllow ||
      flags.proxyNamespace ||
      flags.proxyInsecure ||
      flags.proxyUsername ||
      flags.proxyPasswordStdin
    )
      throw new UsageError("the --proxy-… flags go with --proxy-upstream");
    return undefined;
  }
  if (flags.proxyPasswordStdin && !flags.proxyUsername)
    throw new UsageError("--proxy-password-stdin goes with --proxy-username");
  return {
    upstream: flags.proxyUpstream,
    allow: flags.proxyAllow ?? [],
    ...(flags.proxyNamespace ? { namespace: flags.proxyNamespace } : {}),
    ...(flags.proxyInsecure ? { insecure: true } : {}),
    ...(flags.proxyUsername ? { username: flags.proxyUsername } : {}),
  };
}

/** The proxy setting with its password read from stdin (never an argument) when the flags ask for it. */
async function proxySettingWithPassword(flags: ProxyFlags): Promise<ProxySettingInput | null | undefined> {
  const proxy = proxySetting(flags);
  if (!proxy || !flags.proxyPasswordStdin) return proxy;
  return { ...proxy, password: await readPassword(true, "") };
}

/** The proxy flags `create` and `set` share. */
function withProxyFlags(command: Command): Command {
  return command
    .option(
      "--proxy-upstream <host>",
      "make it a proxy project (pull-through cache) of this registry: docker.io, ghcr.io, HOST:PORT",
    )
    .option(
      "--proxy-allow <rule>",
      "what may be pulled through (repeat): REPO_GLOB, REPO_GLOB:TAG_GLOB or REPO_GLOB@SEMVER_RANGE",
      repeat,
    )
    .option("--proxy-namespace <name>", "the upstream namespace of one-component names (docker.io: library)")
    .option("--proxy-insecure", "plain HTTP to a non-loopback upstream")
    .option("--proxy-username <name>", "the upstream's user name")
    .option(
      "--proxy-password-stdin",
      "read the upstream's password from stdin (sealed at rest, never shown)",
    );
}

interface SetFlags extends ApiFlags, ProxyFlags {
  public?: boolean;
  private?: boolean;
  certifiedPolicy?: string | false;
  quota?: string | false;
  immutableTags?: string | false;
}

interface MemberFlags extends ApiFlags {
  user?: string;
  group?: string;
  role: string;
  repository: string[];
}

/** `portcullis project ...` and `project member ...` over the accounts API. */
export function registerProject(program: Command, setExit: (code: number) => void): void {
  const project = program.command("project").description("projects: the first component of repository names");

  withApiFlags(project.command("list").description("list the projects you may read")).action(
    async (flags: ApiFlags) => {
      const format = outputOf(flags);
      const { projects } = await connect(flags).client.listProjects();
      printAnswer(format, { projects }, PROJECT_HEADER, () => projectRows(projects));
      setExit(0);
    },
  );

  withApiFlags(
    withProxyFlags(
      project
        .command("create")
        .description("create a project (system.projects)")
        .argument("<name>")
        .option("--public", "anyone, also anonymous, may pull from it"),
    ),
  ).action(async (name: string, flags: ApiFlags & ProxyFlags & { public?: boolean }) => {
    const format = outputOf(flags);
    const proxy = await proxySettingWithPassword(flags);
    const created = await connect(flags).client.createProject({
      name,
      ...(flags.public ? { public: true } : {}),
      ...(proxy ? { settings: { proxy } } : {}),
    });
    printAnswer(format, created, PROJECT_HEADER, () => projectRows([created]));
    setExit(0);
  });

  withApiFlags(project.command("show").description("a project and its settings").argument("<name>")).action(
    async (name: string, flags: ApiFlags) => {
      const format = outputOf(flags);
      const shown = await connect(flags).client.getProject(name);
      printAnswer(format, shown, PROJECT_HEADER, () => projectRows([shown]));
      setExit(0);
    },
  );

  withApiFlags(
    withProxyFlags(
      project
        .command("set")
        .alias("update")
        .description("change a project's visibility or settings (project.write)")
        .argument("<name>")
        .option("--public", "anyone may pull")
        .option("--private", "members only")
        .option(
          "--certified-policy <name>",
          "certified images only: the named policy (policy.library) every push and pull must pass",
        )
        .option("--no-certified-policy", "drop the certified-images policy")
        .option(
          "--quota <size>",
          "storage quota: 500MiB, 10GiB, 1TiB or bytes (distinct blobs and manifests)",
        )
        .option("--no-quota", "drop the storage quota")
        .option(
          "--immutable-tags <rules>",
          "comma-separated TAG_GLOB or REPOSITORY_GLOB:TAG_GLOB rules; matching tags never move (replaces the list)",
        )
        .option("--no-immutable-tags", "drop every immutable-tag rule"),
    ).option("--no-proxy-upstream", "make it an ordinary project again (what it cached stays)"),
  ).action(async (name: string, flags: SetFlags) => {
    const format = outputOf(flags);
    if (flags.public && flags.private) throw new UsageError("--public and --private do not go together");
    const visibility = flags.public ? { public: true } : flags.private ? { public: false } : {};
    const proxy = await proxySettingWithPassword(flags);
    const settingsChange =
      flags.certifiedPolicy !== undefined ||
      flags.quota !== undefined ||
      flags.immutableTags !== undefined ||
      proxy !== undefined;
    if (!settingsChange && !("public" in visibility))
      throw new UsageError(
        "nothing to change: give --public, --private, --certified-policy, --quota, --immutable-tags or --proxy-upstream",
      );
    // Flags are read before the server is asked, so a malformed --quota stops here (exit 2).
    if (typeof flags.quota === "string") quotaBytes(flags.quota);
    if (typeof flags.immutableTags === "string") immutableTagRules(flags.immutableTags);
    const { client } = connect(flags);
    // PATCH merges: only the settings the flags name change, whatever another caller changed meanwhile.
    const settings = settingsChange
      ? { ...settingsPatch(flags), ...(proxy === undefined ? {} : { proxy }) }
      : undefined;
    const changed = await client.updateProject(name, { ...visibility, ...(settings ? { settings } : {}) });
    printAnswer(format, changed, PROJECT_HEADER, () => projectRows([changed]));
    setExit(0);
  });

  withApiFlags(
    project.command("delete").description("delete an empty project (project.delete)").argument("<name>"),
  ).action(async (name: string, flags: ApiFlags) => {
    await connect(flags).client.deleteProject(name);
    process.stdout.write(`Project ${name} deleted.\n`);
    setExit(0);
  });

  registerProjectRetention(project, setExit);
  registerProjectWebhook(project, setExit);

  const member = project.command("member").description("who holds which role in a project");

  withApiFlags(member.command("list").description("list members (member.read)").argument("<project>")).action(
    async (name: string, flags: ApiFlags) => {
      const format = outputOf(flags);
      const { members } = await connect(flags).client.listMembers(name);
      printAnswer(format, { members }, MEMBER_HEADER, () => memberRows(members));
      setExit(0);
    },
  );

  withApiFlags(
    member
      .command("add")
      .description("grant a user or group a role (member.write; only roles whose permissions you hold)")
      .argument("<project>")
      .option("--user <name>")
      .option("--group <name>")
      .requiredOption("--role <role>", "a built-in role (limited-guest ... project-admin) or a custom one")
      .option("--repository <glob>", "only these repositories (repeatable; default every one)", collect, []),
  ).action(async (name: string, flags: MemberFlags) => {
    const format = outputOf(flags);
    if ((flags.user === undefined) === (flags.group === undefined))
      throw new UsageError("give exactly one of --user and --group");
    const added = await connect(flags).client.addMember(name, {
      kind: flags.user !== undefined ? "user" : "group",
      name: (flags.user ?? flags.group)!,
      role: flags.role,
      ...(flags.repository.length > 0 ? { repositories: flags.repository } : {}),
    });
    printAnswer(format, added, MEMBER_HEADER, () => memberRows([added]));
    setExit(0);
  });

  withApiFlags(
    member
      .command("set")
      .description("change a member's role (member.write)")
      .argument("<project>")
      .argument("<id>", "the member's id (project member list)")
      .requiredOption("--role <role>"),
  ).action(async (name: string, id: string, flags: ApiFlags & { role: string }) => {
    const format = outputOf(flags);
    const changed = await connect(flags).client.setMemberRole(name, memberId(id), flags.role);
    printAnswer(format, changed, MEMBER_HEADER, () => memberRows([changed]));
    setExit(0);
  });

  withApiFlags(
    member
      .command("remove")
      .description("remove a member's grant (member.write)")
      .argument("<project>")
      .argument("<id>", "the member's id (project member list)"),
  ).action(async (name: string, id: string, flags: ApiFlags) => {
    await connect(flags).client.removeMember(name, memberId(id));
    process.stdout.write(`Member ${id} removed from ${name}.\n`);
    setExit(0);
  });
}
