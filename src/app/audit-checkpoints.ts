import { open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { type AuditCheckpoint, type AuditLog, formatCheckpoint, parseCheckpoints } from "../audit/index.js";

export interface CheckpointWriterOptions {
  readonly audit: AuditLog;
  /** The JSON-lines file to append to (`audit.checkpointFile`). */
  readonly file: string;
  /** How often to look at the head (`audit.checkpointInterval`); 0 or less: only at `close`. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** Enough of the file's end to hold its last line (a checkpoint line is about 130 bytes). */
const TAIL_BYTES = 4096;
/** Errors a directory fsync may give where the platform or filesystem does not support it. */
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "EISDIR", "EPERM", "EBADF", "ENOTSUP", "EACCES"]);

/**
 * Appends the audit log's head to a file outside the database while `serve` runs: every interval when
 * the head moved since the last line written, and once more at `close` (after the last requests), so
 * deleting the newest decisions or rewriting the chain is caught by `audit decisions --verify
 * --checkpoints FILE`. The file is only ever opened for appending (O_APPEND works on `chattr +a` files
 * and append-only mounts), and each line is fsync'd before it counts as written. A failure is logged and
 * retried at the next tick: an unwritable checkpoint file never stops the registry.
 */
export class AuditCheckpointWriter {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** The write in flight, if any: ticks never overlap, and `close` waits for it. */
  private running: Promise<void> | undefined;
  /** The last checkpoint in the file (read from its end on the first write, so a restart adds no duplicate). */
  private last: { readonly id: number; readonly hash: string } | undefined;
  private tailRead = false;
  /** A torn last line (a crash mid-append) must not swallow the next line into it. */
  private needsNewline = false;

  constructor(private readonly options: CheckpointWriterOptions) {}

  /** Starts the periodic writes; `close` then writes one last checkpoint. */
  start(): void {
    this.started = true;
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.write();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic writes (a write in flight finishes). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops, then appends the final head if it moved; call before the database closes. Never rejects. */
  async close(): Promise<void> {
    this.stop();
    if (!this.started) return;
    this.started = false;
    await this.running;
    await this.write();
  }

  /** One look at the head, and one appended line if it moved. Never rejects. */
  write(): Promise<void> {
    const run = this.writeIfMoved()
      .catch((err: unknown) =>
        this.options.logger.error({ err, file: this.options.file }, "writing an audit checkpoint failed"),
      )
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }

  private async writeIfMoved(): Promise<void> {
    const { audit, file } = this.options;
    if (!this.tailRead) {
      await this.readTail();
      this.tailRead = true;
    }
    // head() is one index lookup; checkpoint() counts rows, so it runs only when there is news.
    const head = await audit.head();
    if (!head || this.isLast(head)) return;
    if (this.last && (head.id < this.last.id || (head.id === this.last.id && head.hash !== this.last.hash))) {
      // Appends only move the head forward: this is the tampering the checkpoints exist for. Say so now
      // rather than only at the next --verify, and keep the old lines (they still prove it).
      this.options.logger.error(
        { file, head, lastCheckpoint: this.last },
        "the audit log's head is behind or differs from the last checkpoint written: decisions were deleted or rewritten",
      );
    }
    const checkpoint = await audit.checkpoint();
    if (!checkpoint || this.isLast(checkpoint)) return;
    await this.append(`${this.needsNewline ? "\n" : ""}${formatCheckpoint(checkpoint)}\n`);
    this.needsNewline = false;
    this.last = { id: checkpoint.id, hash: checkpoint.hash };
    this.options.logger.debug({ checkpoint, file }, "audit checkpoint written");
  }

  private isLast(head: { id: number; hash: string }): boolean {
    return this.last !== undefined && this.last.id === head.id && this.last.hash === head.hash;
  }

  private async append(line: string): Promise<void> {
    const { file } = this.options;
    const created = await stat(file).then(
      () => false,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return true;
        throw err;
      },
    );
    const handle = await open(file, "a");
    try {
      await handle.writeFile(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // A new file's name lives in its directory: sync that too, or a power loss can lose the file.
    if (created) await syncDirectory(dirname(file));
  }

  /** Reads the file's last line, if the file exists; an unreadable or foreign last line is only logged. */
  private async readTail(): Promise<void> {
    const { file, logger } = this.options;
    let text: string;
    try {
      const handle = await open(file, "r");
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, TAIL_BYTES);
        const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
        text = buffer.toString("utf8");
      } finally {
        await handle.close();
      }
    } catch (err) {
      // Missing is the normal first start; an append-only mount may also refuse reads.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        logger.warn({ err, file }, "cannot read the audit checkpoint file's last line; appending anyway");
      }
      return;
    }
    if (text === "") return;
    this.needsNewline = !text.endsWith("\n");
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const lastLine = this.needsNewline ? undefined : lines.at(-1);
    if (lastLine === undefined) {
      logger.warn(
        { file },
        "the audit checkpoint file ends in a torn line; the next checkpoint starts a new one",
      );
      return;
    }
    try {
      const [last] = parseCheckpoints(lastLine, file) as [AuditCheckpoint];
      this.last = { id: last.id, hash: last.hash };
    } catch (err) {
      logger.warn({ err, file }, "the audit checkpoint file's last line is not a checkpoint");
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
  }
}
