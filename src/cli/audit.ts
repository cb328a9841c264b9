import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { openPlatformDatabase, openRecord } from "../app/index.js";
import {
  AUDIT_GATES,
  type AuditCheckpoint,
  type AuditEntry,
  AuditError,
  type AuditGate,
  AuditLog,
  type ChainVerification,
  EventRecord,
  formatCheckpoint,
  NoteVerifier,
  openTreeCheckpoint,
  parseCheckpoints,
  parseNote,
  parseSince,
  type RecordVerification,
  storedRecordVerifier,
  verifyRecord,
} from "../audit/index.js";
import { connect } from "./account-options.js";
import type { AuditDecision } from "./api-client.js";
import { registerRecordExport } from "./audit-export.js";
import { fetchServerCheckpoint, verifyServerRecord } from "./audit-remote.js";
import { registerAuditTimeline } from "./audit-timeline.js";
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
  const audit = program.command("audit").description("the audit log of gate decisions, and the one record");
  registerRecordVerify(audit, setExit);
  registerRecordExport(audit, setExit);
  registerAuditTimeline(audit, setExit);
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
        "print the decision log's head as one checkpoint line, to append to storage the database's operators " +
          "cannot rewrite (portcullis audit checkpoint >> /mnt/worm/audit.jsonl); with --record or --out, the " +
          "one record's signed checkpoint",
      )
      .option("--record", "print the one record's signed checkpoint (C2SP signed note) instead")
      .option("--out <file>", "write the record's signed checkpoint to this file (implies --record)")
      .option(
        "--server <url>",
        "take the record's signed checkpoint from a running server's API as the logged-in caller (system.audit; implies --record)",
      )
      .option("--key <vkey>", "with --server: the verifier key the checkpoint must be signed by (pin it)"),
  ).action(async (flags: CheckpointFlags) => {
    if (flags.server !== undefined) {
      await checkpointFromServer(flags, flags.server, setExit);
      return;
    }
    if (flags.key !== undefined) throw new UsageError("--key goes with --server");
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      if (flags.record || flags.out) {
        const note = await (await openRecord(config, database)).checkpoint();
        if (flags.out) {
          await writeFile(flags.out, note, { mode: 0o644 });
          process.stderr.write(`portcullis: saved the record's checkpoint to ${flags.out}\n`);
        } else process.stdout.write(note);
        setExit(0);
        return;
      }
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

interface CheckpointFlags extends PlatformFlags {
  record?: boolean;
  out?: string;
  server?: string;
  key?: string;
}

/**
 * `audit checkpoint --server URL [--out FILE] [--key VKEY]`: the server's signed checkpoint, its
 * signature checked before it is kept (a note that does not open is not worth keeping), so cron jobs
 * need not curl the endpoint with a password on the command line.
 */
async function checkpointFromServer(
  flags: CheckpointFlags,
  server: string,
  setExit: (code: number) => void,
): Promise<void> {
  if (flags.data !== undefined || flags.config !== undefined) {
    throw new UsageError("--server reads the checkpoint over the API; --data and --config read a database");
  }
  const key = flags.key?.trim();
  if (key) NoteVerifier.parse(key);
  const { client, server: url } = connect({ server });
  const got = await fetchServerCheckpoint(client, key);
  if (!got.ok) {
    process.stderr.write(`portcullis: the checkpoint of ${url} does not verify: ${got.problem}\n`);
    setExit(1);
    return;
  }
  if (flags.out) {
    await writeFile(flags.out, got.note, { mode: 0o644 });
    process.stderr.write(
      `portcullis: saved the checkpoint of ${url} (${got.size} entries) to ${flags.out}\n`,
    );
  } else process.stdout.write(got.note);
  if (!got.pinned) {
    process.stderr.write(
      "portcullis: its signature was checked with the key the server serves; pin it with --key\n",
    );
  }
  setExit(0);
}

/**
 * `portcullis audit verify [--server URL] --checkpoint FILE [--key VKEY]`: proves the one record, read
 * from the database or a server's API, intact (every entry rehashed into the root, every stored node rechecked) and an append-only
 * extension of a checkpoint saved earlier (its signature checked with the pinned key, or the key the
 * database holds). Exit 0 when it holds, 1 on any mismatch, 2 on bad input.
 */
interface RecordVerifyFlags extends PlatformFlags {
  checkpoint?: string;
  key?: string;
  server?: string;
  rehash: boolean;
}

async function readNote(file: string): Promise<string> {
  try {
    const note = await readFile(file, "utf8");
    parseNote(note);
    return note;
  } catch (err) {
    throw new AuditError("INVALID_ARGUMENT", `cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
}

function report(outcome: RecordVerification, setExit: (code: number) => void, where = ""): void {
  if (outcome.ok) {
    const against =
      outcome.checkpointSize === undefined
        ? ""
        : `; it extends the saved checkpoint of ${outcome.checkpointSize} entries`;
    const pruned =
      outcome.pruned === undefined ? "" : ` (${outcome.pruned} pruned entries by their kept leaf hashes)`;
    process.stdout.write(
      `record verified${where}: ${outcome.size} entries hash into the current root${pruned}${against}\n`,
    );
    setExit(0);
  } else {
    process.stdout.write(`RECORD NOT VERIFIED${where}: ${outcome.problem}\n`);
    setExit(1);
  }
}

/** `audit verify --server URL`: the record of a running server, read over its API with stored credentials. */
async function verifyOnServer(flags: RecordVerifyFlags, server: string, setExit: (code: number) => void) {
  if (flags.data !== undefined || flags.config !== undefined) {
    throw new UsageError("--server reads the record over the API; --data and --config read a database");
  }
  const note = flags.checkpoint ? await readNote(flags.checkpoint) : undefined;
  const key = flags.key?.trim();
  if (key) NoteVerifier.parse(key);
  const { client, server: url } = connect({ server });
  const { outcome, pinned } = await verifyServerRecord(client, {
    ...(note ? { saved: note } : {}),
    ...(key ? { key } : {}),
    rehash: flags.rehash,
  });
  if (!outcome.ok) {
    report(outcome, setExit, ` on ${url}`);
    return;
  }
  if (flags.rehash) report(outcome, setExit, ` on ${url}`);
  else {
    const against =
      outcome.checkpointSize === undefined
        ? ""
        : `, an append-only extension of the saved one of ${outcome.checkpointSize}`;
    process.stdout.write(
      `record verified on ${url}: its signed head holds ${outcome.size} entries${against} (entries not rehashed)\n`,
    );
    setExit(0);
  }
  if (!pinned) {
    process.stderr.write(
      "portcullis: the checkpoints were checked with the key the server serves; pin it with --key to detect a server that re-signs a rewritten record\n",
    );
  }
}

export function registerRecordVerify(audit: Command, setExit: (code: number) => void): void {
  withPlatformFlags(
    audit
      .command("verify")
      .description("prove the record intact and an append-only extension of a saved checkpoint")
      .option("--checkpoint <file>", "a signed checkpoint saved earlier (portcullis audit checkpoint --out)")
      .option(
        "--key <vkey>",
        "the verifier key to check it with (pin GET /api/v1/audit/record/key); default: the database's",
      )
      .option(
        "--server <url>",
        "verify a running server's record over its API as the logged-in caller (system.audit) instead of a database",
      )
      .option("--no-rehash", "with --server: check the signed head and the consistency proof only"),
  ).action(async (flags: RecordVerifyFlags) => {
    if (flags.server !== undefined) {
      await verifyOnServer(flags, flags.server, setExit);
      return;
    }
    // Locally every entry is always rehashed: the database's own nodes are what a proof would trust.
    if (!flags.rehash) throw new UsageError("--no-rehash goes with --server");
    const note = flags.checkpoint ? await readNote(flags.checkpoint) : undefined;
    const pinned = flags.key ? NoteVerifier.parse(flags.key.trim()) : undefined;
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      const verifier = pinned ?? (await storedRecordVerifier(database));
      let saved: ReturnType<typeof openTreeCheckpoint> | undefined;
      if (note) {
        if (!verifier)
          throw new AuditError("INVALID_ARGUMENT", "the database holds no record key: pass --key");
        try {
          saved = openTreeCheckpoint(note, verifier.name, [verifier]);
        } catch (err) {
          process.stdout.write(`RECORD NOT VERIFIED: the saved checkpoint: ${(err as Error).message}\n`);
          setExit(1);
          return;
        }
      }
      report(await verifyRecord(new EventRecord(database).source(), saved), setExit);
    } finally {
      await database.close();
    }
  });
}
