import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { readRegularFile } from "../core/index.js";
import { type ApiFlags, connect, outputOf, printJson, when, withApiFlags } from "./account-options.js";
import type { Retention, RetentionRun } from "./api-client.js";
import { fromInputFile } from "./failure.js";
import { printTable } from "./output.js";

function ruleRows(retention: Retention): string[][] {
  const excluded =
    retention.excludeTags.length > 0
      ? [["excluded", "*", retention.excludeTags.join(","), "never deleted"]]
      : [];
  return retention.rules
    .map((rule, n) => [
      String(n + 1),
      rule.repositories,
      rule.tags + (rule.untagged ? " +untagged" : ""),
      rule.keep === "latestPushed" || rule.keep === "latestPulled"
        ? `${rule.keep} ${rule.count}`
        : rule.keep === "always"
          ? "always"
          : `${rule.keep} ${rule.days}d`,
    ])
    .concat(excluded);
}
const RULE_HEADER = ["#", "repositories", "tags", "keep"];

/** Sha256 digests shortened as `docker images` does; the JSON output has them whole. */
const short = (digest: string) => digest.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, "$1");

function runRows(run: RetentionRun): string[][] {
  return run.artifacts.map((a) => [
    a.repository,
    short(a.digest),
    a.tags.join(","),
    when(a.pushedAt),
    a.pulledAt === null ? "never" : when(a.pulledAt),
    a.action + (a.followers.length > 0 ? ` +${a.followers.length}` : ""),
    a.reasons.join("; "),
  ]);
}
const RUN_HEADER = ["repository", "digest", "tags", "pushed", "pulled", "action", "why"];

/** `portcullis project retention show|set|run`: a project's retention rules over the accounts API. */
export function registerProjectRetention(project: Command, setExit: (code: number) => void): void {
  const retention = project
    .command("retention")
    .description(
      "retention rules: which artifacts a project keeps (an artifact is kept if any rule keeps it)",
    );

  withApiFlags(
    retention.command("show").description("a project's retention rules").argument("<project>"),
  ).action(async (name: string, flags: ApiFlags) => {
    const format = outputOf(flags);
    const rules = await connect(flags).client.getRetention(name);
    if (format === "json") printJson(rules);
    else printTable(RULE_HEADER, ruleRows(rules));
    setExit(0);
  });

  withApiFlags(
    retention
      .command("set")
      .description("replace a project's retention rules (retention.write); an empty list turns retention off")
      .argument("<project>")
      .requiredOption(
        "-f, --file <path>",
        'the rules, YAML or JSON: { rules: [{ keep: latestPushed, count: 10, tags: "*" }] }',
      ),
  ).action(async (name: string, flags: ApiFlags & { file: string }) => {
    const format = outputOf(flags);
    const rules = fromInputFile("--file", flags.file, () =>
      parseYaml(readRegularFile(flags.file, { maxBytes: 64 * 1024 }).toString("utf8")),
    );
    const saved = await connect(flags).client.setRetention(name, rules);
    if (format === "json") printJson(saved);
    else printTable(RULE_HEADER, ruleRows(saved));
    setExit(0);
  });

  withApiFlags(
    retention
      .command("run")
      .description("apply a project's retention rules now (retention.write); --dry-run only shows the plan")
      .argument("<project>")
      .option("--dry-run", "delete nothing: show what a run would keep and delete, and why"),
  ).action(async (name: string, flags: ApiFlags & { dryRun?: boolean }) => {
    const format = outputOf(flags);
    const run = await connect(flags).client.runRetention(name, flags.dryRun === true);
    if (format === "json") {
      printJson(run);
    } else {
      printTable(RUN_HEADER, runRows(run));
      const planned = run.artifacts.filter((a) => a.action === "delete").length;
      process.stdout.write(
        run.dryRun
          ? `Dry run: ${planned} of ${run.artifacts.length} artifacts would be deleted; nothing was.\n`
          : `Deleted ${run.deleted.length} manifests (${planned} artifacts with what belongs to them).\n`,
      );
      for (const f of run.failed)
        process.stdout.write(`Not deleted: ${f.repository}@${f.digest}: ${f.reason}\n`);
    }
    // A deletion the registry refused is a finding: exit 1, as scans with findings do.
    setExit(run.failed.length > 0 ? 1 : 0);
  });
}
