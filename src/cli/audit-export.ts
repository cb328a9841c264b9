import { createWriteStream } from "node:fs";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { openPlatformDatabase, openRecord } from "../app/index.js";
import { exportRecord, parseSince, pruneRecord } from "../audit/index.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { UsageError } from "./trust/usage-error.js";

interface ExportFlags extends PlatformFlags {
  format: string;
  since?: string;
  from?: string;
  out?: string;
}

function nonNegative(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * `portcullis audit export`: the one record as JSON lines, streamed (a page of entries at a time), ending
 * with the signed head it was taken at; `portcullis audit prune`: retention that keeps the tree.
 */
export function registerRecordExport(audit: Command, setExit: (code: number) => void): void {
  withPlatformFlags(
    audit
      .command("export")
      .description(
        "write the one record as JSON lines (one entry a line, with its index and leaf hash), ending with " +
          'a line {"size","root","checkpoint"}: the signed head every exported entry is in',
      )
      .option("--format <format>", "jsonl (the only one)", "jsonl")
      .option("--since <index>", "from this leaf index on")
      .option(
        "--from <duration|time>",
        "only entries at or after a time (2026-01-31T12:00Z) or a duration ago",
      )
      .option("--out <file>", "write to this file (default: stdout)"),
  ).action(async (flags: ExportFlags) => {
    if (flags.format !== "jsonl")
      throw new UsageError(`--format must be jsonl, not ${JSON.stringify(flags.format)}`);
    const since = flags.since === undefined ? undefined : nonNegative(flags.since, "--since");
    const from = flags.from === undefined ? undefined : parseSince(flags.from);
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      const record = await openRecord(config, database);
      const lines = Readable.from(
        exportRecord(record, {
          ...(since !== undefined ? { since } : {}),
          ...(from !== undefined ? { from } : {}),
        }),
      );
      // stdout is not ended by the pipeline (the process still writes to it), a file is.
      const sink = flags.out
        ? createWriteStream(flags.out, { mode: 0o600 })
        : new Writable({
            write: (chunk, _encoding, done) => {
              if (process.stdout.write(chunk)) done();
              else process.stdout.once("drain", () => done());
            },
          });
      await pipeline(lines, sink);
      if (flags.out) process.stderr.write(`portcullis: exported the record to ${flags.out}\n`);
      setExit(0);
    } finally {
      await database.close();
    }
  });

  withPlatformFlags(
    audit
      .command("prune")
      .description(
        "retention for the one record: delete old entries' text while the tree keeps their leaf hashes, so " +
          "the root, proofs and `audit verify` against earlier checkpoints still hold; the prune is recorded",
      )
      .option(
        "--before <duration|time>",
        "prune the entries older than a time (2026-01-01) or a duration ago (365d)",
      )
      .option("--keep <n>", "keep the newest N entries, prune the rest"),
  ).action(async (flags: PlatformFlags & { before?: string; keep?: string }) => {
    if (flags.before === undefined && flags.keep === undefined) {
      throw new UsageError("say what to prune: --before TIME or --keep N");
    }
    const before = flags.before === undefined ? undefined : parseSince(flags.before);
    const keep = flags.keep === undefined ? undefined : nonNegative(flags.keep, "--keep");
    const config = configFrom(flags);
    const database = await openPlatformDatabase(config, 2);
    try {
      const record = await openRecord(config, database);
      const result = await pruneRecord(database, record, {
        ...(before !== undefined ? { before } : {}),
        ...(keep !== undefined ? { keep } : {}),
        actor: "cli",
      });
      process.stdout.write(
        result.pruned > 0
          ? `pruned ${result.pruned} entries: the record now starts at entry ${result.before} (recorded as entry ${result.entry?.index})\n`
          : `nothing to prune: the record starts at entry ${result.before}\n`,
      );
      setExit(0);
    } finally {
      await database.close();
    }
  });
}
