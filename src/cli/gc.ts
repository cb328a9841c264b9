import type { Command } from "commander";
import pino from "pino";
import { createPlatform } from "../app/index.js";
import { parseDuration } from "../core/index.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";

interface GcFlags extends PlatformFlags {
  dryRun?: boolean;
  grace?: string;
  output?: string;
}

export function registerGc(program: Command, setExit: (code: number) => void): void {
  withPlatformFlags(
    program
      .command("gc")
      .description(
        "collect unreferenced blobs and expired uploads (safe while `serve` runs; exits 1 at once when another collection is running)",
      )
      .option("--dry-run", "report what would be deleted, delete nothing")
      .option(
        "--grace <duration>",
        "spare unreferenced blobs younger than this (default registry.gc.gracePeriod)",
      )
      .option("-o, --output <format>", "table or json", "table"),
  ).action(async (flags: GcFlags) => {
    const config = configFrom(flags);
    // Collects and exits: the servers' shared jobs are not this process's to take.
    const platform = await createPlatform(config, { logger: pino({ level: "warn" }), takeSharedJobs: false });
    try {
      const report = await platform.registry.collectGarbage({
        dryRun: flags.dryRun ?? false,
        ...(flags.grace ? { gracePeriodMs: parseDuration(flags.grace) } : {}),
        onProgress: (message) => {
          if (flags.output !== "json") process.stderr.write(`gc: ${message}\n`);
        },
      });
      if (flags.output === "json") {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        printTable(
          ["", flags.dryRun ? "would delete" : "deleted"],
          [
            ["expired uploads", String(report.uploadsExpired)],
            ["repository links", String(report.linksRemoved)],
            ["blobs", String(report.blobsDeleted)],
            ["bytes", String(report.bytesFreed)],
            ["orphan files", String(report.orphanFilesDeleted)],
          ],
        );
      }
      setExit(0);
    } finally {
      await platform.close();
    }
  });
}
