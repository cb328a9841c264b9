import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, vi } from "vitest";

export interface CliCapture {
  /** What commands wrote to stdout since the test began (or since `reset`). */
  readonly out: string;
  /** What commands wrote to stderr since the test began (or since `reset`). */
  readonly err: string;
  /** A fresh temporary folder for each test, removed after it (only with a `tempPrefix`). */
  readonly dir: string;
  reset(): void;
}

/**
 * For in-process CLI tests: call at a test file's top level. Each test's stdout and stderr writes are
 * captured (not printed) and, with `tempPrefix`, each test gets its own temporary folder.
 */
export function captureCli(tempPrefix?: string): CliCapture {
  const state = { out: "", err: "", dir: "" };
  beforeEach(async () => {
    state.out = "";
    state.err = "";
    if (tempPrefix !== undefined) state.dir = await mkdtemp(join(tmpdir(), tempPrefix));
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      state.out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      state.err += String(chunk);
      return true;
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    if (state.dir !== "") await rm(state.dir, { recursive: true, force: true });
    state.dir = "";
  });
  return {
    get out() {
      return state.out;
    },
    get err() {
      return state.err;
    },
    get dir() {
      return state.dir;
    },
    reset() {
      state.out = "";
      state.err = "";
    },
  };
}
