import type { Platform } from "../../../app/index.js";
import {
  type AuditCheckpoint,
  formatCheckpoint,
  parseCheckpoints,
  type VerifiedRow,
} from "../../../audit/index.js";
import { readRegularFile } from "../../../core/index.js";

/**
 * The decision log's chain verification for the console, with its work bounded: a walk of the whole
 * log (AuditLog.verifyChain, a page of rows per query) runs in the background, one at a time per
 * process, and GET /api/v1/audit/verify answers its progress while it runs and its outcome after. A
 * small log's walk finishes within WAIT_MS, so its first request already answers the outcome. Millions
 * of rows take seconds to minutes (hashing is the cost), and no request waits for them.
 *
 * The answer is current: when rows were appended since the last walk, a request goes on from the last
 * row that walk found sound (verifyChain's `from`: that row still there, then only the new rows
 * hashed), which takes as long as the new rows do. Reusing a finished outcome as it was let the badge
 * count old rows, and miss a break in new ones, for up to 30 s. An edit to rows already verified needs
 * a full walk to show: one starts again when the last full walk is older than FULL_MS, or on `refresh`.
 */
const FULL_MS = 30_000;
const WAIT_MS = 2_000;
/** A checkpoint file is one short line per interval: 64 MiB is decades of them. */
const MAX_CHECKPOINT_FILE_BYTES = 64 * 1024 * 1024;

interface Walk {
  readonly startedAt: number;
  checked: number;
  finishedAt?: number;
  /** When the full walk this one rests on finished (itself, unless it went on from an earlier one). */
  fullAt?: number;
  outcome?: { ok: boolean; brokenAt: number | null; problem: string | null; checkpoints: number };
  /** The last row found sound, where the next walk may go on from. */
  verified?: VerifiedRow;
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

/** A walk of the whole log, or with `from` of the rows after `from.verified` (that walk's outcome was ok). */
function startWalk(platform: Platform, from?: Walk): Walk {
  const walk: Walk = {
    startedAt: Date.now(),
    checked: from?.checked ?? 0,
    done: Promise.resolve().then(async () => {
      try {
        const checkpoints = keptCheckpoints(platform);
        const result = await platform.audit.verifyChain({
          ...(checkpoints.length > 0 ? { checkpoints } : {}),
          ...(from?.verified ? { from: from.verified } : {}),
          onProgress: (checked) => {
            walk.checked = checked;
          },
          onSound: (last) => {
            walk.verified = last;
          },
        });
        walk.checked = result.count;
        if (result.ok) {
          walk.outcome = {
            ok: true,
            brokenAt: null,
            problem: null,
            // Going on from a sound row, only checkpoints after it were matched now.
            checkpoints: (result.checkpoints ?? 0) + (from?.outcome?.checkpoints ?? 0),
          };
        } else {
          walk.outcome = {
            ok: false,
            brokenAt: result.id,
            problem: result.problem,
            checkpoints: checkpoints.length,
          };
        }
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
        walk.fullAt = from?.fullAt ?? walk.finishedAt;
      }
    }),
  };
  return walk;
}

/** The walk a request should start, if any: a full one when due, else one over rows appended since. */
async function nextWalk(
  platform: Platform,
  last: Walk | undefined,
  now: number,
  refresh: boolean,
): Promise<"full" | "appended" | undefined> {
  if (!last || refresh || now - last.fullAt! >= FULL_MS) return "full";
  // A broken chain stays broken until a full walk says otherwise.
  if (!last.outcome?.ok) return undefined;
  const head = await platform.audit.head();
  if (!head || head.id === last.verified?.id) return undefined;
  // The log was empty at the last walk: nothing to go on from, and the walk is short.
  return last.verified ? "appended" : "full";
}

/** The walk's state; starts one when none runs and the last is not current (see nextWalk). */
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
  const next = state.current ? undefined : await nextWalk(platform, state.last, now(), !!options.refresh);
  // Another request may have started one while this one read the head.
  if (next && !state.current) {
    const walk = startWalk(platform, next === "appended" ? state.last : undefined);
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
  const shown = state.current ?? state.last!;
  const checkpoint = await platform.audit.checkpoint();
  const finished = shown.outcome !== undefined && shown.finishedAt !== undefined;
  return {
    state: finished ? "done" : "running",
    ok: finished ? shown.outcome!.ok : null,
    checked: shown.checked,
    total: checkpoint?.count ?? 0,
    head: checkpoint ? formatCheckpoint(checkpoint) : null,
    brokenAt: shown.outcome?.brokenAt ?? null,
    problem: shown.outcome?.problem ?? null,
    checkpoints: shown.outcome?.checkpoints ?? 0,
    startedAt: new Date(shown.startedAt).toISOString(),
    finishedAt: shown.finishedAt !== undefined ? new Date(shown.finishedAt).toISOString() : null,
  };
}
