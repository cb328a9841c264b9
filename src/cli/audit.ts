import type { Command } from "commander";
import { AUDIT_GATES, type AuditEntry, type AuditGate, AuditLog, parseSince } from "../audit/index.js";
import { openDatabase } from "../storage/index.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";

interface DecisionFlags extends PlatformFlags {
  image?: string;
  since?: string;
  gate?: string;
  limit?: string;
  output?: string;
  verify?: boolean;
}

function parseGate(value: string): AuditGate {
  if (!(AUDIT_GATES as readonly string[]).includes(value)) {
    throw new Error(`--gate must be one of ${AUDIT_GATES.join(", ")}, not ${JSON.stringify(value)}`);
  }
  return value as AuditGate;
}

function row(entry: AuditEntry): string[] {
  return [
    new Date(entry.at).toISOString(),
    entry.gate,
    entry.effect + (entry.breakGlass ? " (break-glass)" : ""),
    entry.mode,
    entry.actor ?? "",
    entry.namespace ? `${entry.namespace}${entry.workload ? `/${entry.workload}` : ""}` : "",
    entry.image,
    entry.reason,
  ];
}

/** `portcullis audit decisions`: the gate decision log, and a check of its hash chain. */
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
      .option("--verify", "check the hash chain of the whole log (exit 1 when a row was edited or deleted)"),
  ).action(async (flags: DecisionFlags) => {
    if (flags.output !== "table" && flags.output !== "json") {
      throw new Error(`--output must be table or json, not ${JSON.stringify(flags.output)}`);
    }
    const limit = Number(flags.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`--limit must be a positive integer`);
    const filter = {
      limit,
      ...(flags.image ? { image: flags.image } : {}),
      ...(flags.since ? { since: parseSince(flags.since) } : {}),
      ...(flags.gate ? { gate: parseGate(flags.gate) } : {}),
    };
    const config = configFrom(flags);
    const database = await openDatabase(config.database.url, { poolSize: 2 });
    try {
      const log = new AuditLog(database);
      const entries = await log.list(filter);
      const chain = flags.verify ? await log.verifyChain() : undefined;
      if (flags.output === "json") {
        process.stdout.write(
          `${JSON.stringify({ decisions: entries, ...(chain ? { chain } : {}) }, null, 2)}\n`,
        );
      } else {
        printTable(
          ["time", "gate", "effect", "mode", "actor", "workload", "image", "reason"],
          entries.map(row),
        );
        if (chain) {
          process.stdout.write(
            chain.ok
              ? `\nchain verified: ${chain.count} decisions, none edited or deleted\n`
              : `\nCHAIN BROKEN at row ${chain.id}: ${chain.problem}\n`,
          );
        }
      }
      setExit(chain && !chain.ok ? 1 : 0);
    } finally {
      await database.close();
    }
  });
}
