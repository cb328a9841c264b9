import type { Platform } from "../../../app/index.js";
import { type AuditCheckpoint, formatCheckpoint, parseCheckpoints } from "../../../audit/index.js";
import { readRegularFile } from "../../../core/index.js";

/**
 * The decision log's chain verification for the console, with its work bounded: a walk of the whole
 * log (AuditLog.verifyChain, a page of rows per query) runs in the background, one at a time per
 * process, and GET /api/v1/audit/verify answers its progress while it runs and its outcome after. A
 * finished outcome is reused for FRESH_MS; a request after that starts the next walk. A small log's
 * walk finishes within WAIT_MS, so its first request already answers the outcome. Millions of rows take
 * seconds to minutes (hashing is the cost), and no request waits for them.
 */
const FRESH_MS = 30_000;
const WAIT_MS = 2_000;
/** A checkpoint file is one short line per interval: 64 MiB is decades of them. */
const MAX_CHECKPOINT_FILE_BYTES = 64 * 1024 * 1024;

interface Walk {
  readonly startedAt: number;
  checked: number;
  finishedAt?: number;
  outcome?: { ok: boolean; brokenAt: number | null; problem: string | null; checkpoints: number };
  readonly done: Promise<void>;
}

const walks = new WeakMap<Platform, { current?: Walk; last?: Walk }>();

export interface ChainStatusWire {
  state: "running" | "done";
  ok: boolean | null;
  checked: number;
  total: number;
  head: string | null;
  brokenAt: number | null;
  problem: string | null;
  checkpoints: number;
  startedAt: string;
  finishedAt: string | null;
}

/** The checkpoints `serve` keeps (audit.checkpointFile): a walk compares the log with them too. */
function keptCheckpoints(platform: Platform): AuditCheckpoint[] {
  const file = platform.config.audit.checkpointFile;
  if (!file) return [];
  let text: string;
  try {
    text = readRegularFile(file, { maxBytes: MAX_CHECKPOINT_FILE_BYTES }).toString("utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return parseCheckpoints(text, file);
}

function startWalk(platform: Platform): Walk {
  const walk: Walk = {
    startedAt: Date.now(),
    checked: 0,
    done: Promise.resolve().then(async () => {
      try {
        const checkpoints = keptCheckpoints(platform);
        const result = await platform.audit.verifyChain({
          ...(checkpoints.length > 0 ? { checkpoints } : {}),
          onProgress: (checked) => {
            walk.checked = checked;
          },
        });
        walk.checked = result.count;
        walk.outcome = result.ok
          ? { ok: true, brokenAt: null, problem: null, checkpoints: result.checkpoints ?? 0 }
          : { ok: false, brokenAt: result.id, problem: result.problem, checkpoints: checkpoints.length };
      } catch (err) {
        platform.logger.error({ err }, "verifying the decision log failed");
        walk.outcome = {
          ok: false,
          brokenAt: null,
          problem: `the walk could not finish: ${(err as Error).message}`,
          checkpoints: 0,
        };
      } finally {
        walk.finishedAt = Date.now();
      }
    }),
  };
  return walk;
}

/** The walk's state; starts one when none runs and the last is older than FRESH_MS (or `refresh`). */
export async function chainStatus(
  platform: Platform,
  options: { refresh?: boolean; now?: () => number } = {},
): Promise<ChainStatusWire> {
  const now = options.now ?? Date.now;
  let state = walks.get(platform);
  if (!state) {
    state = {};
    walks.set(platform, state);
  }
  const fresh = state.last !== undefined && now() - state.last.finishedAt! < FRESH_MS && !options.refresh;
  if (!state.current && !fresh) {
    const walk = startWalk(platform);
    state.current = walk;
    const held = state;
    walk.done.then(() => {
      held.last = walk;
      if (held.current === walk) held.current = undefined;
    });
  }
  if (state.current) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      state.current.done,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    // Let the bookkeeping above run when the walk just ended.
    await Promise.resolve();
  }
  const walk = state.current ?? state.last!;
  const checkpoint = await platform.audit.checkpoint();
  const finished = walk.outcome !== undefined && walk.finishedAt !== undefined;
  return {
    state: finished ? "done" : "running",
    ok: finished ? walk.outcome!.ok : null,
    checked: walk.checked,
    total: checkpoint?.count ?? 0,
    head: checkpoint ? formatCheckpoint(checkpoint) : null,
    brokenAt: walk.outcome?.brokenAt ?? null,
    problem: walk.outcome?.problem ?? null,
    checkpoints: walk.outcome?.checkpoints ?? 0,
    startedAt: new Date(walk.startedAt).toISOString(),
    finishedAt: walk.finishedAt !== undefined ? new Date(walk.finishedAt).toISOString() : null,
  };
}
