import { AuditError } from "./errors.js";

/**
 * The head of the chain at one moment, to be kept outside the database. The chain alone cannot show that
 * its newest rows were deleted, or that the whole log was rewritten with recomputed hashes: both leave a
 * valid chain. A checkpoint kept where the database's operators cannot rewrite it (another disk, a WORM or
 * append-only mount) can: the row it names must still exist, with the same hash, at the same position.
 */
export interface AuditCheckpoint {
  /** The head row's id. */
  readonly id: number;
  /** The head row's hash, which covers every row before it through the chain. */
  readonly hash: string;
  /** How many rows the log held up to and including the head (ids may skip values on PostgreSQL). */
  readonly count: number;
  /** When the checkpoint was taken (ISO 8601, UTC). */
  readonly at: string;
}

const KEYS = ["id", "hash", "count", "at"] as const;
const HASH = /^sha256:[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One checkpoint as one line of JSON (without its newline), keys in a fixed order: the file format is
 * JSON lines, so `portcullis audit checkpoint >> file` and the server's writer append the same text.
 */
export function formatCheckpoint(checkpoint: AuditCheckpoint): string {
  const { id, hash, count, at } = checkpoint;
  return JSON.stringify({ id, hash, count, at });
}

/**
 * Reads a JSON-lines checkpoint file (blank lines skipped). Strict, because a check is only as good as
 * its anchor: an unknown key, a malformed hash or a torn line is an AuditError INVALID_ARGUMENT naming
 * `fileName` and the line.
 */
export function parseCheckpoints(text: string, fileName: string): AuditCheckpoint[] {
  const checkpoints: AuditCheckpoint[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const fail = (message: string): never => {
      throw new AuditError("INVALID_ARGUMENT", `${fileName}:${i + 1}: ${message}`);
    };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail("not a JSON checkpoint line");
    }
    checkpoints.push(checkpointFrom(value, fail));
  }
  return checkpoints;
}

function checkpointFrom(value: unknown, fail: (message: string) => never): AuditCheckpoint {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return fail("not a JSON object");
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!(KEYS as readonly string[]).includes(key)) fail(`unknown key ${JSON.stringify(key)}`);
  }
  const { id, hash, count, at } = object;
  const positive = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n > 0;
  if (!positive(id)) fail("id must be a positive integer");
  if (typeof hash !== "string" || !HASH.test(hash)) fail("hash must be sha256: and 64 hex digits");
  if (!positive(count)) fail("count must be a positive integer");
  if (typeof at !== "string" || !ISO_TIME.test(at) || Number.isNaN(Date.parse(at))) {
    fail("at must be an ISO 8601 time such as 2026-01-31T12:00:00.000Z");
  }
  return { id: id as number, hash: hash as string, count: count as number, at: at as string };
}

/** A checkpoint that the log no longer matches: the row to report and why. */
export interface CheckpointMismatch {
  readonly id: number;
  readonly problem: string;
}

/**
 * Compares checkpoints with the rows of a chain walk, in id order, without holding the rows: the walk
 * hands each row over once (`row`), then says where it ended (`end`). Checkpoints are sorted once, so a
 * file of any order (several cron jobs, several files) works.
 */
export class CheckpointCursor {
  private readonly sorted: readonly AuditCheckpoint[];
  private next = 0;

  constructor(checkpoints: readonly AuditCheckpoint[]) {
    this.sorted = [...checkpoints].sort((a, b) => a.id - b.id);
  }

  /** How many checkpoints there are. */
  get size(): number {
    return this.sorted.length;
  }

  /** `position`: how many rows the walk has seen up to and including this one. */
  row(id: number, hash: string, position: number): CheckpointMismatch | undefined {
    for (; this.next < this.sorted.length; this.next++) {
      const checkpoint = this.sorted[this.next]!;
      if (checkpoint.id > id) return undefined;
      if (checkpoint.id < id) {
        return {
          id: checkpoint.id,
          problem:
            `checkpoint row ${checkpoint.id} (taken ${checkpoint.at}) is missing though later rows exist ` +
            "(rows were deleted and the chain recomputed, or the log was rewritten)",
        };
      }
      if (checkpoint.hash !== hash) {
        return {
          id,
          problem: `row ${id} differs from the checkpoint taken ${checkpoint.at} (the log was rewritten)`,
        };
      }
      if (checkpoint.count !== position) {
        return {
          id,
          problem:
            `row ${id} is row number ${position} of the log, but number ${checkpoint.count} in the checkpoint ` +
            `taken ${checkpoint.at} (rows before it were deleted or inserted)`,
        };
      }
    }
    return undefined;
  }

  /** After the last row (`lastId` undefined: the log is empty): a checkpoint past the end means truncation. */
  end(lastId: number | undefined): CheckpointMismatch | undefined {
    const checkpoint = this.sorted[this.next];
    if (!checkpoint) return undefined;
    return {
      id: checkpoint.id,
      problem:
        `the log was truncated: checkpoint row ${checkpoint.id} (taken ${checkpoint.at}) is missing; ` +
        (lastId === undefined ? "the log is empty" : `the log now ends at row ${lastId}`),
    };
  }
}
