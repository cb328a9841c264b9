import type { Command } from "commander";
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
import type { ReplicationRule, ReplicationRun } from "./api-client.js";
import { printTable } from "./output.js";
import { UsageError } from "./trust/usage-error.js";

const HEADER = ["name", "direction", "registry", "repositories", "tags", "triggers", "options"];

function rows(rules: readonly ReplicationRule[]): string[][] {
  return rules.map((r) => [
    r.name,
    r.direction,
    r.registry,
    r.repositories.length === 0 ? "*" : r.repositories.join(","),
    r.tags.length === 0 ? "*" : r.tags.join(","),
    [
      r.enabled ? "" : "disabled",
      r.direction === "push" && r.onPush ? "on push" : "",
      r.intervalSeconds > 0 ? `every ${r.intervalSeconds}s` : "",
    ]
      .filter(Boolean)
      .join(", ") || "manual",
    [
      r.signedOnly ? "signed only" : "",
      r.deletion ? "deletions" : "",
      r.destinationNamespace ? `into ${r.destinationNamespace}/` : "",
      r.hasSecret ? `as ${r.username}` : "",
    ]
      .filter(Boolean)
      .join(", "),
  ]);
}

const RUN_HEADER = [
  "run",
  "trigger",
  "state",
  "started",
  "copied",
  "present",
  "skipped",
  "deleted",
  "failed",
  "bytes",
];

function runRows(runs: readonly ReplicationRun[]): string[][] {
  return runs.map((r) => [
    String(r.id),
    r.trigger,
    r.error ? `${r.state}: ${r.error}` : r.state,
    when(r.startedAt),
    String(r.copied),
    String(r.present),
    String(r.skipped),
    String(r.deleted),
    String(r.failed),
    String(r.bytes),
  ]);
}

const RESULT_HEADER = ["kind", "repository", "reference", "outcome", "bytes", "detail"];

function printRun(format: "table" | "json", run: ReplicationRun): void {
  printAnswer(format, run, RUN_HEADER, () => runRows([run]));
  if (format === "table" && run.results && run.results.length > 0) {
    process.stdout.write("\n");
    printTable(
      RESULT_HEADER,
      run.results.map((r) => [r.kind, r.repository, r.reference, r.outcome, String(r.bytes), r.detail ?? ""]),
    );
  }
}

interface AddFlags extends ApiFlags {
  push?: string;
  pull?: string;
  repository: string[];
  tag: string[];
  signedOnly?: boolean;
  namespace?: string;
  deletions?: boolean;
  onPush: boolean;
  every?: string;
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  disabled?: boolean;
}

/** `30s`, `15m`, `6h`, `1d` or plain seconds. */
function seconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match)
    throw new UsageError(`--every: ${JSON.stringify(text)} is not a duration such as 15m, 6h or 1d`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "" | "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** `portcullis replication list|add|show|rm|run|history|results` over the management API (system.config). */
export function registerReplication(program: Command, setExit: (code: number) => void): void {
  const replication = program
    .command("replication")
    .description("replication rules between this registry and others (administrators)");

  withApiFlags(replication.command("list").description("list replication rules")).action(
    async (flags: ApiFlags) => {
      const format = outputOf(flags);
      const { rules } = await connect(flags).client.listReplicationRules();
      printAnswer(format, { rules }, HEADER, () => rows(rules));
      setExit(0);
    },
  );

  withApiFlags(
    replication
      .command("add")
      .description("create a rule: --push REGISTRY copies from here to it, --pull REGISTRY from it to here")
      .argument("<name>")
      .option("--push <registry>", "copy this registry's images to REGISTRY (host[:port])")
      .option("--pull <registry>", "copy REGISTRY's images into this registry")
      .option("-r, --repository <glob>", "source repositories (repeatable; default all)", collect, [])
      .option("-t, --tag <glob>", "tags (repeatable; default all)", collect, [])
      .option("--signed-only", "only images with a signature present at the source")
      .option("--namespace <prefix>", "put the copies under this repository prefix")
      .option("--deletions", "remove at the destination the tags the source dropped")
      .option("--no-on-push", "push rules: do not run on each push here")
      .option("--every <duration>", "also run on a schedule (15m, 6h, 1d; at least 1m)")
      .option("--username <name>", "the remote's user or robot; its password or token is read from stdin")
      .option("--password-stdin", "read the remote's password or token from stdin")
      .option("--insecure", "plain HTTP to a remote other than loopback")
      .option("--disabled", "create it disabled"),
  ).action(async (name: string, flags: AddFlags) => {
    const format = outputOf(flags);
    if ((flags.push === undefined) === (flags.pull === undefined)) {
      throw new UsageError("give one of --push REGISTRY or --pull REGISTRY");
    }
    const secret = flags.username
      ? await readPassword(flags.passwordStdin, `Password for ${flags.username}: `)
      : undefined;
    const rule = await connect(flags).client.createReplicationRule({
      name,
      direction: flags.push !== undefined ? "push" : "pull",
      registry: (flags.push ?? flags.pull)!,
      repositories: flags.repository,
      tags: flags.tag,
      signedOnly: Boolean(flags.signedOnly),
      destinationNamespace: flags.namespace ?? "",
      deletion: Boolean(flags.deletions),
      onPush: flags.onPush,
      intervalSeconds: flags.every ? seconds(flags.every) : 0,
      insecure: Boolean(flags.insecure),
      enabled: !flags.disabled,
      ...(flags.username ? { username: flags.username, secret } : {}),
    });
    printAnswer(format, rule, HEADER, () => rows([rule]));
    setExit(0);
  });

  withApiFlags(replication.command("show").description("one rule").argument("<rule>")).action(
    async (rule: string, flags: ApiFlags) => {
      const format = outputOf(flags);
      const found = await connect(flags).client.getReplicationRule(rule);
      printAnswer(format, found, HEADER, () => rows([found]));
      setExit(0);
    },
  );

  withApiFlags(
    replication.command("rm").description("delete a rule with its history").argument("<rule>"),
  ).action(async (rule: string, flags: ApiFlags) => {
    await connect(flags).client.deleteReplicationRule(rule);
    process.stdout.write(`${rule} deleted.\n`);
    setExit(0);
  });

  withApiFlags(
    replication
      .command("run")
      .description("run a rule now and show what it copied; exit 1 when an artifact failed")
      .argument("<rule>"),
  ).action(async (rule: string, flags: ApiFlags) => {
    const format = outputOf(flags);
    const run = await connect(flags).client.runReplicationRule(rule);
    printRun(format, run);
    setExit(run.state === "succeeded" ? 0 : 1);
  });

  withApiFlags(
    replication
      .command("history")
      .description("a rule's runs, newest first")
      .argument("<rule>")
      .option("--limit <n>", "at most this many (default 50)", (v: string) => Number.parseInt(v, 10)),
  ).action(async (rule: string, flags: ApiFlags & { limit?: number }) => {
    const format = outputOf(flags);
    const { runs } = await connect(flags).client.replicationRuns(rule, flags.limit);
    printAnswer(format, { runs }, RUN_HEADER, () => runRows(runs));
    setExit(0);
  });

  withApiFlags(
    replication.command("results").description("one run with each artifact's result").argument("<run>"),
  ).action(async (id: string, flags: ApiFlags) => {
    const format = outputOf(flags);
    if (!/^\d+$/.test(id)) throw new UsageError(`run must be a number, not ${JSON.stringify(id)}`);
    printRun(format, await connect(flags).client.replicationRun(Number(id)));
    setExit(0);
  });
}
