import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { openPlatformDatabase } from "../app/index.js";
import {
  AUDIT_GATES,
  type AuditCheckpoint,
  type AuditEntry,
  AuditError,
  type AuditGate,
  AuditLog,
  type ChainVerification,
  formatCheckpoint,
  parseCheckpoints,
  parseSince,
} from "../audit/index.js";
import { connect } from "./account-options.js";
import type { AuditDecision } from "./api-client.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";
import { UsageError } from "./trust/usage-error.js";

interface DecisionFlags extends PlatformFlags {
  image?: string;
  since?: string;
  gate?: string;
  limit?: string;
  output?: string;
  verify?: boolean;
  checkpoints: string[];
  project?: string;
  server?: string;
}

function parseGate(value: string): AuditGate {
  if (!(AUDIT_GATES as readonly string[]).includes(value)) {
    throw new Error(`--gate must be one of ${AUDIT_GATES.join(", ")}, not ${JSON.stringify(value)}`);
  }
  return value as AuditGate;
}

function row(entry: AuditEntry | AuditDecision): string[] {
  return [
    new Date(entry.at).toISOString(),
    entry.gate,
    entry.effect + (entry.breakGlass ? " (break-glass)" : ""),
    entry.mode,
    entry.actor ?? "",
    entry.caller ?? "",
    entry.namespace ? `${entry.namespace}${entry.workload ? `/${entry.workload}` : ""}` : "",
    entry.image,
    entry.reason,
  ];
}

/** Every checkpoint of every file given, read before the database is opened (a bad file fails fast). */
async function readCheckpointFiles(files: readonly string[]): Promise<AuditCheckpoint[]> {
  const all: AuditCheckpoint[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new AuditError(
        "INVALID_ARGUMENT",
        `cannot read checkpoint file ${file}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    all.push(...parseCheckpoints(text, file));
  }
  return all;
}

function chainSummary(chain: ChainVerification): string {
  if (!chain.ok) return `CHAIN BROKEN at row ${chain.id}: ${chain.problem}`;
  const n = chain.checkpoints;
  const anchored =
    n === undefined
      ? ""
      : n === 0
        ? "; the checkpoint files held no checkpoints, so truncation was not checked"
        : `; it matches ${n} checkpoint${n === 1 ? "" : "s"} (not truncated or rewritten since)`;
  return `chain verified: ${chain.count} decisions, none edited or deleted${anchored}`;
}

/**
 * `audit decisions --project`: one project's part of the log, as the API answers it to the logged-in
 * caller (the same scope and the same permission check as GET /api/v1/audit/decisions?project=).
 * Reading the database directly (--data, --config) would skip that check, and the chain can only be
 * verified over the whole log, so neither goes with --project.
 */
async function projectDecisions(flags: DecisionFlags, project: string, limit: number): Promise<void> {
  if (flags.data !== undefined || flags.config !== undefined) {
    throw new UsageError(
      "--project reads through the server as the logged-in caller; --data and --config read the whole database",
    );
  }
  if (flags.verify || flags.checkpoints.length > 0) {
    throw new UsageError("--verify and --checkpoints check the whole log: not with --project");
  }
  const { client } = connect(flags.server !== undefined ? { server: flags.server } : {});
  const { decisions } = await client.auditDecisions({
    project,
    limit: String(limit),
    ...(flags.image ? { image: flags.image } : {}),
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.gate ? { gate: parseGate(flags.gate) } : {}),
  });
  if (flags.output === "json") {
    process.stdout.write(`${JSON.stringify({ decisions }, null, 2)}\n`);
    return;
  }
  printTable(
    ["time", "gate", "effect", "mode", "actor", "caller", "workload", "image", "reason"],
    decisions.map(row),
  );
}

/**
 * `portcullis audit decisions`: the gate decision log, and a check of its hash chain (against
 * checkpoints kept elsewhere, with --checkpoints); `portcullis audit checkpoint`: the head to keep.
 */
export function registerAudit(program: Command, setExit: (code: number) => void): void {
  const audit = program.command("audit").description("the audit log of gate decisions");
  withPlatformFlags(
    audit
      .command("decisions")
      .description("list gate decisions (CI, registry push and pull, admission), oldest first")
      .option("--image <substring>", "only images whose reference contains this (case-insensitive)")
      .option(
        "--since <duration|time>",
        "only decisions since a duration ago (24h) or a time (2026-01-31T12:00Z)",
      )
      .option("--gate <gate>", `only one gate: ${AUDIT_GATES.join(", ")}`)
      .option("--limit <n>", "at most the newest N decisions", "1000")
      .option("-o, --output <format>", "table or json", "table")
      .option("--verify", "check the hash chain of the whole log (exit 1 when a row was edited or deleted)")
      .option(
        "--checkpoints <file>",
        "with --verify (implied): also check the log against these checkpoint lines (repeatable); " +
          "exit 1 when it was truncated or rewritten",
        (file: string, files: string[]) => [...files, file],
        [] as string[],
      )
      .option(
        "--project <name>",
        "only this project's decisions and events, read through the server as the logged-in caller " +
          "(portcullis login), who needs audit.read over the whole project",
      )
      .option("--server <url>", "with --project: a server logged in to (default: the last one)"),
  ).action(async (flags: DecisionFlags) => {
    if (flags.output !== "table" && flags.output !== "json") {
      throw new Error(`--output must be table or json, not ${JSON.stringify(flags.output)}`);
    }
    const limit = Number(flags.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`--limit must be a positive integer`);
    if (flags.project !== undefined) {
      await projectDecisions(flags, flags.project, limit);
      setExit(0);
      return;
    }
    if (flags.server !== undefined) throw new UsageError("--server goes with --project");
    const filter = {
      limit,
      ...(flags.image ? { image: flags.image } : {}),
      ...(flags.since ? { since: parseSince(flags.since) } : {}),
      ...(flags.gate ? { gate: parseGate(flags.gate) } : {}),
    };
    const checkpoints =
      flags.checkpoints.length > 0 ? await readCheckpointFiles(flags.checkpoints) : undefined;
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      const log = new AuditLog(database);
      const entries = await log.list(filter);
      const chain =
        flags.verify || checkpoints ? await log.verifyChain(checkpoints ? { checkpoints } : {}) : undefined;
      if (flags.output === "json") {
        process.stdout.write(
          `${JSON.stringify({ decisions: entries, ...(chain ? { chain } : {}) }, null, 2)}\n`,
        );
      } else {
        printTable(
          ["time", "gate", "effect", "mode", "actor", "caller", "workload", "image", "reason"],
          entries.map(row),
        );
        if (chain) process.stdout.write(`\n${chainSummary(chain)}\n`);
      }
      setExit(chain && !chain.ok ? 1 : 0);
    } finally {
      await database.close();
    }
  });

  withPlatformFlags(
    audit
      .command("checkpoint")
      .description(
        "print the log's head as one checkpoint line, to append to storage the database's operators " +
          "cannot rewrite (portcullis audit checkpoint >> /mnt/worm/audit.jsonl)",
      ),
  ).action(async (flags: PlatformFlags) => {
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      const checkpoint = await new AuditLog(database).checkpoint();
      // Nothing on stdout for an empty log: a cron job appending stdout must not write a blank line.
      if (checkpoint) process.stdout.write(`${formatCheckpoint(checkpoint)}\n`);
      else process.stderr.write("portcullis: the audit log is empty: no checkpoint to take yet\n");
      setExit(0);
    } finally {
      await database.close();
    }
  });
}
