import type { Command } from "commander";
import {
  buildTimeline,
  gateRecords,
  openPlatformDatabase,
  openRecord,
  recordTagResolver,
  type TimelineRequest,
} from "../app/index.js";
import { leafIncluded, NoteVerifier, openTreeCheckpoint } from "../audit/index.js";
import { recordApi } from "../server/index.js";
import { type ApiFlags, connect, outputOf, printJson } from "./account-options.js";
import { ApiClient, type TimelinePage } from "./api-client.js";
import { normalizeServer, readCredentials } from "./credentials.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";
import { countsLine, detailOf, mightHaveDoneLines } from "./timeline-view.js";
import { UsageError } from "./trust/usage-error.js";

interface TimelineFlags extends PlatformFlags, ApiFlags {
  pod?: string;
  container?: string;
  key?: string;
}

/** Entries per page read: the API's largest, so most timelines are one page and one checkpoint. */
const PAGE = 10_000;

type Entry = TimelinePage["entries"][number];
interface Checked extends Entry {
  readonly verified: boolean;
}

/**
 * Whether each entry of a page is proved: the checkpoint's signature by the record's key, then the
 * entry's leaf text up to that checkpoint's root, and the entry's shown fields read from that leaf.
 */
function check(
  page: TimelinePage,
  verifier: NoteVerifier | undefined,
): { entries: Checked[]; problem?: string } {
  let head: ReturnType<typeof openTreeCheckpoint> | undefined;
  let problem: string | undefined;
  if (!verifier) problem = "no record key to check the checkpoint with (pass --key)";
  else {
    try {
      head = openTreeCheckpoint(page.checkpoint, verifier.name, [verifier]);
      if (head.size !== page.size) problem = `the checkpoint is of ${head.size} entries, not ${page.size}`;
    } catch (err) {
      problem = `the checkpoint: ${(err as Error).message}`;
    }
  }
  const entries = page.entries.map((entry) => {
    if (!head || problem || !entry.proof) return { ...entry, verified: false };
    let same = false;
    try {
      const leaf = JSON.parse(entry.leaf) as Record<string, unknown>;
      same = leaf.kind === entry.kind && leaf.at === entry.at && leaf.summary === entry.summary;
    } catch {
      same = false;
    }
    return {
      ...entry,
      verified: same && leafIncluded(entry.leaf, entry.index, head.size, entry.proof, head.root),
    };
  });
  return problem ? { entries, problem } : { entries };
}

/** Every page, from the server or from the database, then checked as a client checks them. */
async function readPages(
  flags: TimelineFlags,
  request: TimelineRequest,
): Promise<{ pages: TimelinePage[]; verifier?: NoteVerifier; keyFrom: string }> {
  const pinned = flags.key ? NoteVerifier.parse(flags.key.trim()) : undefined;
  const pages: TimelinePage[] = [];
  if (flags.server !== undefined) {
    if (flags.data !== undefined || flags.config !== undefined) {
      throw new UsageError(
        "--server reads through the server; --data and --config read a database: not both",
      );
    }
    const client = clientFor(flags.server);
    const query: Record<string, string> = {
      ...(request.image ? { image: request.image } : {}),
      ...(request.pod ? { pod: request.pod } : {}),
      ...(request.container ? { container: request.container } : {}),
      limit: String(PAGE),
    };
    let after: string | undefined;
    do {
      const page = await client.auditTimeline({ ...query, ...(after ? { after } : {}) });
      pages.push(page);
      after = page.next;
    } while (after);
    const verifier = pinned ?? NoteVerifier.parse((await client.text("/api/v1/audit/record/key")).trim());
    return {
      pages,
      verifier,
      keyFrom: pinned ? "pinned with --key" : "served by the server (pin it with --key)",
    };
  }
  const config = configFrom(flags);
  const database = await openPlatformDatabase(config, 2);
  try {
    const record = await openRecord(config, database);
    const sources = { record, scans: gateRecords(database, record).scans, resolveTag: recordTagResolver(record) };
    let after = request.after;
    do {
      const timeline = await buildTimeline(sources, { ...request, limit: PAGE, ...(after ? { after } : {}) });
      const { next, ...rest } = timeline;
      pages.push(
        recordApi.TimelineAnswer.parse({ ...rest, ...(next ? { next: `${next.at}.${next.index}` } : {}) }),
      );
      after = next;
    } while (after);
    const verifier = pinned ?? record.signer?.verifier;
    return {
      pages,
      ...(verifier ? { verifier } : {}),
      keyFrom: pinned ? "pinned with --key" : "the database's",
    };
  } finally {
    await database.close();
  }
}

/** The logged-in client for `server`, or an anonymous one where the server has no accounts. */
function clientFor(server: string): ApiClient {
  const known = readCredentials().servers[normalizeServer(server, true)];
  return known ? connect({ server }).client : new ApiClient(normalizeServer(server, true));
}

/**
 * `portcullis audit timeline IMAGE|--pod NS/NAME|--container ID`: an image's, pod's or container's
 * story from the one record, each entry's inclusion proof verified against the signed checkpoint
 * (exit 1 when one fails), then each digest's findings now and what the workload might have done.
 */
export function registerAuditTimeline(audit: Command, setExit: (code: number) => void): void {
  withPlatformFlags(
    audit
      .command("timeline")
      .argument("[image]", "an image reference (resolved to its digest) or a digest")
      .description(
        "an image's, pod's or container's timeline from the one record (built, signed, pushed, scanned, " +
          "admitted or denied, started, alerts, stopped), every entry's inclusion proof verified",
      )
      .option(
        "--pod <namespace/name>",
        "the timeline of a pod: its own events and those of every image it ran",
      )
      .option("--container <id>", "the timeline of a container (full or 12-character id)")
      .option(
        "--key <vkey>",
        "the record's verifier key to check the checkpoint with (default: the database's or server's)",
      )
      .option("--server <url>", "read through this server's API (default: the local database)")
      .option("-o, --output <format>", "table or json", "table")
      .option("--json", "print JSON (the same as -o json)"),
  ).action(async (image: string | undefined, flags: TimelineFlags) => {
    const output = outputOf(flags);
    const request: TimelineRequest = {
      ...(image ? { image } : {}),
      ...(flags.pod ? { pod: flags.pod } : {}),
      ...(flags.container ? { container: flags.container } : {}),
    };
    if ([image, flags.pod, flags.container].filter((v) => v !== undefined).length !== 1) {
      throw new UsageError("give exactly one of IMAGE, --pod NAMESPACE/NAME or --container ID");
    }
    const { pages, verifier, keyFrom } = await readPages(flags, request);
    const checked = pages.map((page) => check(page, verifier));
    const entries = checked.flatMap((c) => c.entries);
    const problems = [...new Set(checked.flatMap((c) => (c.problem ? [c.problem] : [])))];
    const allVerified = problems.length === 0 && entries.every((e) => e.verified);
    const first = pages[0]!;
    const last = pages[pages.length - 1]!;
    if (output === "json") {
      printJson({
        subject: first.subject,
        digests: first.digests,
        size: last.size,
        checkpoints: [...new Set(pages.map((p) => p.checkpoint))],
        entries,
        scans: last.scans,
        mightHaveDone: last.mightHaveDone,
        verified: allVerified,
        ...(problems.length > 0 ? { problems } : {}),
      });
    } else {
      const what =
        first.subject.image ??
        (first.subject.pod ? `pod ${first.subject.pod}` : `container ${first.subject.container}`);
      process.stdout.write(`timeline of ${what} (${first.digests.join(", ") || "no image digest"})\n\n`);
      printTable(
        ["time", "index", "kind", "actor", "what", "detail", "proof"],
        entries.map((e) => [
          new Date(e.at).toISOString(),
          String(e.index),
          e.kind,
          e.actor ?? "",
          e.summary,
          detailOf(e.kind, e.payload),
          e.verified ? "✓" : "✗",
        ]),
      );
      const proved = entries.filter((e) => e.verified).length;
      process.stdout.write(
        `\n${proved} of ${entries.length} entries proved in the record's checkpoint of ${last.size} entries, signed by ${verifier?.name ?? "(no key)"}, key ${keyFrom}\n`,
      );
      for (const problem of problems) process.stdout.write(`NOT VERIFIED: ${problem}\n`);
      process.stdout.write("\nfindings now:\n");
      if (last.scans.length === 0) process.stdout.write("  no scan\n");
      for (const scan of last.scans) {
        process.stdout.write(
          `  ${scan.digest}: ${scan.status === "done" ? countsLine(scan.counts) : scan.status}\n`,
        );
      }
      process.stdout.write(`\nwhat it might have done:\n${mightHaveDoneLines(last).join("\n")}\n`);
    }
    setExit(allVerified ? 0 : 1);
  });
}
